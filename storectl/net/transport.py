"""The bounded httpx transport: one deadline over every phase, the body capped after decoding.

Every connect, TLS handshake, write and read gets min(its phase timeout, the deadline's remaining
time), the deadline is checked between reads, and the body is capped after decompression (the
transport decodes gzip/deflate itself, in bounded steps, so a bomb never expands in memory).
The caps and LimitExceeded live in `limits`; httpx is imported on first use (start-up).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, TypeVar

from storectl.net.limits import (
    MAX_BODY,
    DeadlineLike,
    deadline_passed,
    expired,
    left,
    too_big,
)

if TYPE_CHECKING:
    import ssl

    import httpx

#: Decompression step: at most this much output per zlib call, so memory stays bounded.
_INFLATE_STEP: Final = 64 * 1024

T = TypeVar("T")


class _Inflate:
    """gzip/deflate decoding in bounded steps: zlib never returns more than _INFLATE_STEP."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 31: gzip only; 47: zlib or gzip header, detected (some servers send gzip as deflate)
        self._z = zlib.decompressobj(31 if encoding in ("gzip", "x-gzip") else 47)
        self._raw_tried = encoding == "gzip"

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while True:
            try:
                out = self._z.decompress(pending, _INFLATE_STEP)
            except zlib.error:
                if self._raw_tried:
                    raise
                self._raw_tried = True  # deflate without the zlib header (old IIS)
                self._z = zlib.decompressobj(-15)
                out = self._z.decompress(pending, _INFLATE_STEP)
            self._raw_tried = True
            if out:
                yield out
            pending = self._z.unconsumed_tail
            if not pending and len(out) < _INFLATE_STEP:
                return

    def flush(self) -> bytes:
        return self._z.flush(_INFLATE_STEP)


#: What the bounded transport decodes (and so the only encodings it asks for).
ACCEPT_ENCODING: Final = "gzip, deflate"


def _mapped_httpx_error(exc: Exception, request: httpx.Request) -> Exception:
    """The httpx exception for an httpcore one (same class names), else the exception itself."""
    import httpx

    if not type(exc).__module__.startswith("httpcore"):
        return exc
    for cls in type(exc).__mro__:
        target = getattr(httpx, cls.__name__, None)
        if isinstance(target, type) and issubclass(target, httpx.TransportError):
            return target(str(exc) or type(exc).__name__, request=request)
    return httpx.TransportError(str(exc), request=request)


# Long on purpose: a factory of four small classes, defined on first use so that httpx/httpcore
# stay off start-up; each class is short.
@functools.cache
def _httpx_classes() -> tuple[type[Any], type[Any]]:
    """The transport and its network backend, built on first use (httpx stays off start-up)."""
    import httpcore
    import httpx

    class DeadlineStream(httpcore.NetworkStream):
        """A connection whose every read, write and TLS handshake ends by the deadline."""

        def __init__(self, inner: httpcore.NetworkStream, deadline: DeadlineLike) -> None:
            self._inner = inner
            self._deadline = deadline

        def _bounded(self, what: str, timeout: float | None, op: Callable[[float], T]) -> T:
            seconds = left(self._deadline, what, timeout)
            try:
                return op(seconds)
            except httpcore.TimeoutException as exc:
                if timeout is None or seconds < timeout:  # the deadline, not the phase, ran out
                    raise deadline_passed(what) from exc
                raise

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._bounded(
                "reading the response", timeout, lambda t: self._inner.read(max_bytes, t)
            )

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._bounded("sending the request", timeout, lambda t: self._inner.write(buffer, t))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            inner = self._bounded(
                "the TLS handshake",
                timeout,
                lambda t: self._inner.start_tls(ssl_context, server_hostname, t),
            )
            return DeadlineStream(inner, self._deadline)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class DeadlineBackend(httpcore.NetworkBackend):
        """httpcore's sync backend with every operation bounded by the deadline."""

        def __init__(self, deadline: DeadlineLike) -> None:
            self._inner = httpcore.SyncBackend()
            self._deadline = deadline

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Any = None,
        ) -> httpcore.NetworkStream:
            seconds = left(self._deadline, f"connecting to {host}:{port}", timeout)
            try:
                stream = self._inner.connect_tcp(host, port, seconds, local_address, socket_options)
            except httpcore.ConnectTimeout as exc:
                if timeout is None or seconds < timeout:
                    raise deadline_passed(f"connecting to {host}:{port}") from exc
                raise
            return DeadlineStream(stream, self._deadline)

        def connect_unix_socket(
            self, path: str, timeout: float | None = None, socket_options: Any = None
        ) -> httpcore.NetworkStream:
            seconds = left(self._deadline, f"connecting to {path}", timeout)
            stream = self._inner.connect_unix_socket(path, seconds, socket_options)
            return DeadlineStream(stream, self._deadline)

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(min(seconds, left(self._deadline, "waiting to retry")))

    class BoundedBody(httpx.SyncByteStream):
        """A response body read within the deadline and capped after decoding."""

        def __init__(
            self,
            response: httpcore.Response,
            request: httpx.Request,
            decoder: _Inflate | None,
            deadline: DeadlineLike,
            max_body: int,
        ) -> None:
            self._response = response
            self._request = request
            self._decoder = decoder
            self._deadline = deadline
            self._max = max_body
            self._what = f"the response body of {request.method} {request.url.path}"

        def __iter__(self) -> Iterator[bytes]:
            total = 0

            def count(piece: bytes) -> bytes:
                nonlocal total
                total += len(piece)
                if total > self._max:
                    raise too_big(self._what, "MAX_BODY", self._max)
                return piece

            try:
                for raw in self._response.iter_stream():
                    if expired(self._deadline):
                        raise deadline_passed(f"reading {self._what}")
                    if self._decoder is None:
                        yield count(raw)
                        continue
                    for piece in self._decoder.feed(raw):
                        yield count(piece)
                if self._decoder is not None:
                    tail = self._decoder.flush()
                    if tail:
                        yield count(tail)
            except zlib.error as exc:
                raise httpx.DecodingError(
                    f"{self._decoder.encoding if self._decoder else ''} body: {exc}",
                    request=self._request,
                ) from exc
            except Exception as exc:
                mapped = _mapped_httpx_error(exc, self._request)
                if mapped is exc:
                    raise
                raise mapped from exc

        def close(self) -> None:
            self._response.close()

    class BoundedTransport(httpx.BaseTransport):
        """An HTTP/1.1 transport under one deadline, with a body cap after decompression."""

        def __init__(
            self,
            deadline: DeadlineLike,
            *,
            max_body: int = MAX_BODY,
            ssl_context: ssl.SSLContext | None = None,
        ) -> None:
            import ssl as ssl_module

            self.deadline = deadline
            self.max_body = max_body
            self._pool = httpcore.ConnectionPool(
                ssl_context=ssl_context or ssl_module.create_default_context(),
                network_backend=DeadlineBackend(deadline),
                http1=True,
                http2=False,
                retries=0,
            )

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            what = f"sending {request.method} {request.url.path}"
            left(self.deadline, what)
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"accept-encoding"]
            headers.append((b"Accept-Encoding", ACCEPT_ENCODING.encode()))
            core = httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=headers,
                content=request.stream,
                extensions=request.extensions,
            )
            try:
                response = self._pool.handle_request(core)
            except Exception as exc:
                mapped = _mapped_httpx_error(exc, request)
                if mapped is exc:
                    raise
                raise mapped from exc
            return self._bounded(request, response)

        def _bounded(self, request: httpx.Request, response: httpcore.Response) -> httpx.Response:
            kept: list[tuple[bytes, bytes]] = []
            encodings: list[str] = []
            length: int | None = None
            for name, value in response.headers:
                key = name.lower()
                if key == b"content-encoding":
                    encodings += [
                        e.strip().lower()
                        for e in value.decode("latin-1").split(",")
                        if e.strip().lower() not in ("", "identity")
                    ]
                    continue
                if key == b"content-length" and value.strip().isdigit():
                    length = int(value)
                kept.append((name, value))
            if length is not None and length > self.max_body:
                response.close()
                raise too_big(
                    f"the response body of {request.method} {request.url.path}",
                    "MAX_BODY",
                    self.max_body,
                )
            decoder: _Inflate | None = None
            if encodings:
                if len(encodings) > 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
                    response.close()
                    raise httpx.DecodingError(
                        f"unsupported Content-Encoding {', '.join(encodings)} "
                        f"(asked for {ACCEPT_ENCODING})",
                        request=request,
                    )
                decoder = _Inflate(encodings[0])
                kept = [(k, v) for k, v in kept if k.lower() != b"content-length"]
            return httpx.Response(
                status_code=response.status,
                headers=kept,
                stream=BoundedBody(response, request, decoder, self.deadline, self.max_body),
                extensions=response.extensions,
                request=request,
            )

        def close(self) -> None:
            self._pool.close()

    return BoundedTransport, DeadlineBackend


def bounded_transport(
    deadline: DeadlineLike,
    *,
    max_body: int = MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.BaseTransport:
    """An httpx transport under `deadline`: each connect, TLS handshake, write and read ends by
    it (and by its phase timeout from the client's `timeout=`), it is checked between reads, and
    the body is capped at `max_body` bytes after decoding (it decodes gzip/deflate itself and
    asks for nothing else). Limits raise LimitExceeded; network errors are httpx's own.

    No proxy support (the client's env proxies would bypass it: see bounded_client)."""
    transport_class, _backend = _httpx_classes()
    transport: httpx.BaseTransport = transport_class(
        deadline, max_body=max_body, ssl_context=ssl_context
    )
    return transport


def bounded_client(
    deadline: DeadlineLike,
    *,
    max_body: int = MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    **kwargs: Any,
) -> httpx.Client:
    """An httpx.Client on bounded_transport(). trust_env=False: with it, httpx would send
    requests through $HTTP(S)_PROXY on its own, unbounded transport."""
    import httpx

    kwargs.setdefault("trust_env", False)
    return httpx.Client(
        transport=bounded_transport(deadline, max_body=max_body, ssl_context=ssl_context),
        **kwargs,
    )


def read_body(response: httpx.Response) -> bytes:
    """The whole body of a response from the bounded transport (already capped); the same as
    response.read(), spelled out for readers of the call site."""
    return response.read()
