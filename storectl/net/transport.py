"""The bounded httpx client: httpx's own transport, held to one deadline, bodies capped, proxies.

Only httpx's public API: `httpx.HTTPTransport` (one per proxy, `proxy=` from the environment
as curl reads it, `net/proxy.py`) behind a small `BaseTransport` that
- gives every phase min(its timeout, the deadline's remaining time) through the request's
  `timeout` extension, and turns a timeout the deadline caused into LimitExceeded(TIMEOUT);
- asks for `Accept-Encoding: identity`, so the bytes counted are the bytes kept: a body is
  capped at MAX_BODY as it streams, and a body sent compressed anyway (a bomb) is refused
  before httpx would expand it;
- checks the deadline between chunks, and a watchdog closes its transports when the deadline
  passes (per-read timeouts restart with every byte: a drip inside the headers would not end).

This module is imported only by the clients that use it (providers, webhooks), never on the
start-up path, so httpx is imported at module level here (pyproject's per-file ignore).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from typing import Any, Final

import httpx

from storectl.net.limits import (
    MAX_BODY,
    PROTOCOL,
    DeadlineLike,
    LimitExceeded,
    deadline_passed,
    expired,
    left,
    too_big,
)
from storectl.net.proxy import Proxies

#: What the transport asks for: identity, so the body's size is known as it arrives.
ACCEPT_ENCODING: Final = "identity"
#: The phases of httpx's `timeout` request extension.
_PHASES: Final = ("connect", "read", "write", "pool")


class _CappedBody(httpx.SyncByteStream):
    """A response body read within the deadline, at most `max_body` bytes."""

    def __init__(
        self, inner: httpx.SyncByteStream, deadline: DeadlineLike, max_body: int, what: str
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._max = max_body
        self._what = what

    def __iter__(self) -> Iterator[bytes]:
        total = 0
        try:
            for chunk in self._inner:
                if expired(self._deadline):
                    raise deadline_passed(f"reading {self._what}")
                total += len(chunk)
                if total > self._max:
                    raise too_big(self._what, "MAX_BODY", self._max)
                yield chunk
        except httpx.TransportError as exc:
            if expired(self._deadline):  # the watchdog closed the connection
                raise deadline_passed(f"reading {self._what}") from exc
            raise

    def close(self) -> None:
        self._inner.close()


class BoundedTransport(httpx.BaseTransport):
    """httpx's HTTPTransport (direct, or one per proxy) under one deadline, bodies capped."""

    def __init__(
        self,
        deadline: DeadlineLike,
        *,
        max_body: int = MAX_BODY,
        ssl_context: ssl.SSLContext | None = None,
        proxies: Proxies | None = None,
    ) -> None:
        self.deadline = deadline
        self.max_body = max_body
        self.proxies = Proxies.from_environ() if proxies is None else proxies
        self._verify: ssl.SSLContext | bool = ssl_context or ssl.create_default_context()
        self._inner: dict[str | None, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(max(0.0, deadline.remaining()), self._expire)
        self._watchdog.name = "storectl-deadline-watchdog"
        self._watchdog.daemon = True
        self._watchdog.start()

    def _for(self, url: str) -> httpx.HTTPTransport:
        """The transport for `url`: direct, or through the proxy the environment names."""
        proxy = self.proxies.for_url(url)
        with self._lock:
            if proxy not in self._inner:
                self._inner[proxy] = httpx.HTTPTransport(
                    verify=self._verify, proxy=proxy, retries=0, trust_env=False
                )
            return self._inner[proxy]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        what = f"{request.method} {request.url.path}"
        seconds = left(self.deadline, f"sending {what}")
        phases = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {
            p: seconds if phases.get(p) is None else min(phases[p], seconds) for p in _PHASES
        }
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        try:
            response = self._for(str(request.url)).handle_request(request)
        except httpx.TransportError as exc:
            if expired(self.deadline):
                raise deadline_passed(f"waiting for {what}") from exc
            raise
        return self._capped(request, response, f"the response body of {what}")

    def _capped(
        self, request: httpx.Request, response: httpx.Response, what: str
    ) -> httpx.Response:
        """The response with its body capped, or LimitExceeded for one that cannot be."""
        length = response.headers.get("content-length", "").strip()
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if length.isdigit() and int(length) > self.max_body:
            response.close()
            raise too_big(what, "MAX_BODY", self.max_body)
        bodiless = request.method == "HEAD" or response.status_code in (204, 304)
        if encoding not in ("", "identity") and not bodiless:
            response.close()
            raise LimitExceeded(
                PROTOCOL,
                "Content-Encoding",
                f"{what} came with Content-Encoding {encoding}, though storectl asked for "
                f"{ACCEPT_ENCODING}: a compressed body's size is unknown until it expands",
            )
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedBody(response.stream, self.deadline, self.max_body, what),
            extensions=response.extensions,
            request=request,
        )

    def _expire(self) -> None:
        """The deadline passed: close every connection, so a read in progress ends."""
        with self._lock:
            transports = list(self._inner.values())
        for transport in transports:
            transport.close()

    def close(self) -> None:
        self._watchdog.cancel()
        self._expire()


def bounded_client(
    deadline: DeadlineLike,
    *,
    max_body: int = MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    proxies: Proxies | None = None,
    **kwargs: Any,
) -> httpx.Client:
    """An httpx.Client on BoundedTransport: every phase by `deadline` (and by its `timeout=`
    per phase), bodies capped at `max_body`, and the environment's proxies (HTTPS_PROXY,
    HTTP_PROXY, ALL_PROXY, NO_PROXY) honoured by the transport itself, so proxied requests are
    bounded too (httpx's trust_env would mount its own, unbounded, transports for them)."""
    transport = BoundedTransport(
        deadline, max_body=max_body, ssl_context=ssl_context, proxies=proxies
    )
    return httpx.Client(transport=transport, trust_env=False, **kwargs)


def read_body(response: httpx.Response) -> bytes:
    """The whole body of a response from the bounded transport (capped as it streams); the
    same as response.read(), spelled out for readers of the call site."""
    return response.read()
