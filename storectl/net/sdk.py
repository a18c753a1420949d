"""The bounded readers inside the SDKs: each one's own transport, on the caps of `limits`.

- stripe-python: `stripe_http_client()`: an `http_client` on the bounded httpx transport
  (`net/stripe_http.py`: a subclass of stripe's public base for custom clients).
- botocore: `install_botocore_limits()`: a handler of botocore's documented `before-send` event
  that sends each request through the bounded transport, so every response body is capped and
  read within the deadline, and the environment's proxies are honoured on that transport.
  botocore has no public cap on a response body: see docs/ARCHITECTURE.md.

The socket-level SDKs are bounded in `net/sdk_smtp.py` (smtplib) and `net/sdk_redis.py` (redis-py).

No SDK is imported at module level (start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from storectl.net.limits import MAX_BODY, DeadlineLike
from storectl.net.transport import bounded_client

if TYPE_CHECKING:
    import ssl

    import httpx


# --- stripe-python -------------------------------------------------------------------------


def stripe_http_client(
    deadline: DeadlineLike, timeout: float = 30.0, max_body: int = MAX_BODY
) -> Any:
    """A stripe.HTTPClient for StripeClient(http_client=..., max_network_retries=0): bounded by
    `deadline` (and by `timeout` per phase), bodies capped at `max_body`, the environment's
    proxies honoured (net/stripe_http.py)."""
    from storectl.net.stripe_http import BoundedStripeHttpClient

    return BoundedStripeHttpClient(deadline, timeout, max_body)


# --- botocore ------------------------------------------------------------------------------


class _BytesRaw:
    """The `raw` of a botocore AWSResponse, over a body already read (and capped)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def stream(self, amt: int = 65536, decode_content: bool = False) -> Iterator[bytes]:
        while True:
            chunk = self.read(amt)
            if not chunk:
                return
            yield chunk

    def read(self, amt: int | None = None, decode_content: bool = False) -> bytes:
        end = len(self._data) if amt is None else self._offset + amt
        chunk = self._data[self._offset : end]
        self._offset += len(chunk)
        return chunk

    def close(self) -> None:
        self._offset = len(self._data)


def install_botocore_limits(
    client: Any,
    deadline: DeadlineLike,
    *,
    max_body: int = MAX_BODY,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
    http: httpx.Client | None = None,
) -> Callable[..., Any]:
    """Send every request of a botocore/boto3 client through the bounded transport.

    `http`, when given, is the bounded client (net/transport.bounded_client) to send on, so a
    caller's own requests to the same host share its connections (the S3 probe's anonymous
    read); otherwise one is made from `max_body`, `timeout` and `ssl_context`.

    A `before-send` hook (botocore's documented short-circuit: a handler that returns a
    response replaces the HTTP send) sends the signed request with httpx under `deadline` and
    hands botocore the capped body. Create the client with retries off
    (Config(retries={"max_attempts": 1})): LimitExceeded then reaches the caller as is.
    Network errors become botocore's own (EndpointConnectionError, ConnectTimeoutError,
    ReadTimeoutError), so existing classification keeps working. Returns the handler.
    """
    import httpx
    from botocore import exceptions as boto_errors
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    if http is None:
        http = bounded_client(deadline, max_body=max_body, ssl_context=ssl_context, timeout=timeout)

    def send(request: Any, **_kwargs: Any) -> Any:
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {
            k: v.decode("latin-1") if isinstance(v, bytes) else str(v)
            for k, v in request.headers.items()
        }
        try:
            response = http.request(request.method, request.url, headers=headers, content=body)
        except httpx.ConnectTimeout as exc:
            raise boto_errors.ConnectTimeoutError(endpoint_url=request.url, error=exc) from exc
        except httpx.TimeoutException as exc:
            raise boto_errors.ReadTimeoutError(endpoint_url=request.url, error=exc) from exc
        except httpx.ConnectError as exc:
            raise boto_errors.EndpointConnectionError(endpoint_url=request.url, error=exc) from exc
        except httpx.TransportError as exc:
            raise boto_errors.HTTPClientError(error=exc) from exc
        return AWSResponse(
            request.url,
            response.status_code,
            HTTPHeaders.from_pairs(list(response.headers.multi_items())),
            _BytesRaw(response.content),
        )

    client.meta.events.register_first("before-send", send)
    return send
