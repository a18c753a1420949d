"""stripe-python's HTTP on the bounded transport, through its public extension point.

`stripe.HTTPClient` is the base "custom clients can inherit from": a subclass implements
`request`, `request_stream` and `close`, and nothing private is overridden. The SDK's own
retries are off through the public `StripeClient(max_network_retries=0)` (storectl retries
through net/retry.py, within the deadline). The proxy comes from the environment as curl reads
it and is routed by the bounded transport, so proxied requests are bounded too.

stripe's own `HTTPXClient` cannot take a transport (it builds its httpx clients itself, and
passes `proxies=` per request, which httpx 0.28 removed), so it would be neither bounded nor
proxied: see docs/ARCHITECTURE.md. Imported only by stripe_api's client (start-up).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import stripe

from storectl.net.limits import MAX_BODY, DeadlineLike
from storectl.net.proxy import Proxies
from storectl.net.transport import bounded_client


class BoundedStripeHttpClient(stripe.HTTPClient):
    """stripe-python's HTTP on the bounded transport; a limit surfaces as LimitExceeded."""

    name = "storectl-bounded"

    def __init__(
        self,
        deadline: DeadlineLike,
        timeout: float,
        max_body: int = MAX_BODY,
        proxies: Proxies | None = None,
    ) -> None:
        super().__init__()  # no proxy= here: the bounded transport routes each URL itself
        self._http = bounded_client(deadline, max_body=max_body, timeout=timeout, proxies=proxies)

    def request(  # type: ignore[override]  # bytes, as stripe's own HTTPXClient returns
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = self._http.request(
                method, url, headers=dict(headers or {}), content=post_data or None
            )
        except httpx.TransportError as exc:
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                f"cannot reach Stripe ({type(exc).__name__}: {exc})", should_retry=False
            ) from exc
        return response.content, response.status_code, response.headers

    def request_stream(  # type: ignore[override]  # the body is read (and capped) whole
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> tuple[Iterator[bytes], int, Mapping[str, str]]:
        content, status, response_headers = self.request(method, url, headers, post_data)
        return iter([content]), status, response_headers

    def close(self) -> None:
        self._http.close()
