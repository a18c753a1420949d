"""Bounded reading: every byte a peer sends is read within the command's deadline and a size cap.

A peer can hold a client forever without ever tripping a per-read socket timeout (one byte every
0.5 s), or fill its memory (an endless body, a compressed bomb, endless SMTP `220-` lines, a list
that always has one more page). The readers here bound all of it, for each SDK storectl uses:

- httpx: `bounded_transport()` / `bounded_client()`: every connect, TLS handshake, write and read
  gets min(its phase timeout, the deadline's remaining time), the deadline is checked between
  reads, and the body is capped after decompression (the transport decodes gzip/deflate itself,
  in bounded steps, so a bomb never expands in memory).
- stripe-python: `stripe_http_client()`: an `http_client` on that transport, retries disabled.
- botocore: `install_botocore_limits()`: a `before-send` hook that sends each request through
  the bounded transport (so every response body is capped and read within the deadline).
- smtplib: `bounded_smtp()`: an SMTP (or SMTP_SSL) session whose replies are read with a cap on
  lines per reply and bytes per line, each read within the deadline.
- redis-py: `bounded_redis()`: every socket read within the deadline, and the bytes of one reply
  capped (see its docstring for what redis-py allows).
- pagination: `pages()`: a page cap, and a repeated cursor/offset detected, both PROTOCOL errors.

Every limit a peer exceeds raises LimitExceeded, with `stage` "PROTOCOL" (a size or page cap)
or "TIMEOUT" (the deadline) and a message that names the limit; callers map it to storectl's
error type. Nothing here imports an SDK at module level (start-up).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeVar, cast

if TYPE_CHECKING:
    import smtplib
    import socket  # annotations only: socket costs ~3 ms of start-up
    import ssl

    import httpx

#: The most bytes one response body may have, after decompression (and before: a compressed
#: body is never larger than what it expands to, give or take framing). 10 MB is ~100 times
#: the largest answer storectl expects (a 100-item Stripe list is ~150 KB).
MAX_BODY: Final = 10 * 1024 * 1024
#: The most pages one paginated listing may take (Stripe: 100 items a page; Medusa: 50-100).
MAX_PAGES: Final = 100
#: The most lines one SMTP reply may have. An EHLO reply has about ten (RFC 5321 sets no limit).
MAX_REPLY_LINES: Final = 100
#: The most bytes one SMTP reply line may have: RFC 5321 allows 512; smtplib's own cap is 8192.
MAX_LINE: Final = 8192
#: Decompression step: at most this much output per zlib call, so memory stays bounded.
_INFLATE_STEP: Final = 64 * 1024

Stage = Literal["PROTOCOL", "TIMEOUT"]
PROTOCOL: Final = "PROTOCOL"
TIMEOUT: Final = "TIMEOUT"

T = TypeVar("T")
C = TypeVar("C")


class DeadlineLike(Protocol):
    """What limits needs of a deadline: the seconds left for the next operation.

    The deadline has passed when remaining() <= 0, or, if the object has a boolean `expired`
    attribute (storectl's Deadline floors remaining() at 0.05 s), when that is True.
    """

    def remaining(self) -> float: ...


class LimitExceeded(Exception):
    """A peer exceeded a limit: a size or page cap (PROTOCOL), or the deadline (TIMEOUT)."""

    def __init__(self, stage: Stage, limit: str, message: str) -> None:
        super().__init__(message)
        self.stage: Stage = stage
        #: the name of the limit, e.g. "MAX_BODY", "MAX_PAGES", "deadline"
        self.limit = limit
        self.message = message


def expired(deadline: DeadlineLike) -> bool:
    flag = getattr(deadline, "expired", None)
    if isinstance(flag, bool):
        return flag or deadline.remaining() <= 0
    return deadline.remaining() <= 0


def left(deadline: DeadlineLike, what: str, cap: float | None = None) -> float:
    """Seconds the next operation (`what`) may take: the deadline's remaining time, at most
    `cap` (a phase timeout); LimitExceeded(TIMEOUT) when the deadline has passed."""
    if expired(deadline):
        raise deadline_passed(what)
    remaining = deadline.remaining()
    return remaining if cap is None else min(cap, remaining)


def deadline_passed(what: str) -> LimitExceeded:
    return LimitExceeded(TIMEOUT, "deadline", f"the deadline passed while {what}")


def too_big(what: str, limit: str, size: int) -> LimitExceeded:
    return LimitExceeded(PROTOCOL, limit, f"{what} is larger than {limit} ({_size(size)})")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bytes"


# --- pagination ----------------------------------------------------------------------------


def pages(
    fetch: Callable[[C | None], tuple[list[T], C | None]],
    cap: int = MAX_PAGES,
    what: str = "the list",
    deadline: DeadlineLike | None = None,
) -> list[T]:
    """Every item of a paginated listing, or a PROTOCOL error naming the loop.

    fetch(cursor) returns (items, next cursor); None as the next cursor ends the listing; the
    first call gets None. A cursor (Stripe's `starting_after` id, Medusa's offset) seen before
    means the peer loops; more than `cap` pages means it never ends. With a deadline, it is
    checked before each page.
    """
    items: list[T] = []
    seen: set[Any] = set()
    cursor: C | None = None
    for page in range(1, cap + 1):
        if deadline is not None and expired(deadline):
            raise deadline_passed(f"reading page {page} of {what}")
        found, cursor = fetch(cursor)
        items.extend(found)
        if cursor is None:
            return items
        if cursor in seen:
            raise LimitExceeded(
                PROTOCOL,
                "repeated cursor",
                f"{what} loops: page {page} points back to {cursor!r}, a page already read",
            )
        seen.add(cursor)
    raise LimitExceeded(PROTOCOL, "MAX_PAGES", f"{what} did not end after {cap} pages (MAX_PAGES)")


# --- httpx ---------------------------------------------------------------------------------


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


# --- stripe-python -------------------------------------------------------------------------


@functools.cache
def _stripe_class() -> type[Any]:
    import httpx
    import stripe

    class BoundedStripeHttpClient(stripe.HTTPClient):
        """stripe-python's HTTP on the bounded transport; the SDK never retries (storectl does,
        within the deadline), and a limit surfaces as LimitExceeded, not APIConnectionError."""

        name = "storectl-bounded"

        def __init__(self, deadline: DeadlineLike, timeout: float, max_body: int) -> None:
            super().__init__()
            self._client = bounded_client(deadline, max_body=max_body, timeout=timeout)

        def _should_retry(self, *_args: Any, **_kwargs: Any) -> bool:
            return False

        def request(  # type: ignore[override]  # bytes, as stripe's own HTTPXClient
            self,
            method: str,
            url: str,
            headers: Any,
            post_data: Any = None,
            *,
            _usage: Any = None,
        ) -> tuple[bytes, int, Any]:
            try:
                response = self._client.request(
                    method, url, headers=dict(headers or {}), content=post_data or None
                )
            except httpx.TransportError as exc:
                raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                    f"cannot reach Stripe ({type(exc).__name__}: {exc})", should_retry=False
                ) from exc
            return response.content, response.status_code, response.headers

        def request_stream(
            self,
            method: str,
            url: str,
            headers: Any,
            post_data: Any = None,
            *,
            _usage: Any = None,
        ) -> tuple[Any, int, Any]:
            content, status, response_headers = self.request(method, url, headers, post_data)
            return iter([content]), status, response_headers

        def close(self) -> None:
            self._client.close()

    return BoundedStripeHttpClient


def stripe_http_client(
    deadline: DeadlineLike, timeout: float = 30.0, max_body: int = MAX_BODY
) -> Any:
    """A stripe.HTTPClient for StripeClient(http_client=...): bounded by `deadline` (and by
    `timeout` per phase), bodies capped at `max_body`, retries disabled."""
    return _stripe_class()(deadline, timeout, max_body)


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
) -> Callable[..., Any]:
    """Send every request of a botocore/boto3 client through the bounded transport.

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


# --- smtplib -------------------------------------------------------------------------------


@functools.cache
def _smtp_classes() -> tuple[type[smtplib.SMTP], type[smtplib.SMTP_SSL]]:
    import smtplib

    class BoundedReplies:
        """getreply() with a cap on lines per reply and bytes per line, each read by the
        deadline. It reads the socket itself: a buffered readline would wait out one socket
        timeout per byte of a drip."""

        deadline: DeadlineLike
        sock: socket.socket | None
        _pending: bytes
        _pending_sock: socket.socket | None

        def _get_socket(self, host: str, port: int, timeout: Any) -> socket.socket:
            # smtplib's default timeout is a sentinel object (the global default): no cap
            cap = float(timeout) if isinstance(timeout, int | float) else None
            seconds = left(self.deadline, f"connecting to {host}:{port}", cap)
            sock: socket.socket = super()._get_socket(host, port, seconds)  # type: ignore[misc]
            return sock

        def send(self, s: Any) -> None:
            if self.sock is not None:
                self.sock.settimeout(left(self.deadline, "sending to the SMTP server"))
            super().send(s)  # type: ignore[misc]

        def _line(self) -> bytes:
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("please run connect() first")
            live: socket.socket = self.sock
            if getattr(self, "_pending_sock", None) is not live:
                self._pending, self._pending_sock = b"", live  # new connection or STARTTLS
            while b"\n" not in self._pending:
                if len(self._pending) > MAX_LINE:
                    raise LimitExceeded(
                        PROTOCOL,
                        "MAX_LINE",
                        f"an SMTP reply line is longer than {MAX_LINE} bytes (MAX_LINE)",
                    )
                live.settimeout(left(self.deadline, "reading the SMTP reply"))
                try:
                    chunk = live.recv(MAX_LINE + 1)
                except TimeoutError as exc:
                    if expired(self.deadline):
                        raise deadline_passed("reading the SMTP reply") from exc
                    raise
                except OSError as exc:
                    self.close()  # type: ignore[attr-defined]
                    raise smtplib.SMTPServerDisconnected(
                        f"Connection unexpectedly closed: {exc}"
                    ) from exc
                if not chunk:
                    self.close()  # type: ignore[attr-defined]
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                self._pending += chunk
            line, _, self._pending = self._pending.partition(b"\n")
            if len(line) > MAX_LINE:
                raise LimitExceeded(
                    PROTOCOL,
                    "MAX_LINE",
                    f"an SMTP reply line is longer than {MAX_LINE} bytes (MAX_LINE)",
                )
            return line + b"\n"

        def getreply(self) -> tuple[int, bytes]:
            lines: list[bytes] = []
            code = -1
            while True:
                line = self._line()
                lines.append(line[4:].strip(b" \t\r\n"))
                try:
                    code = int(line[:3])
                except ValueError:
                    code = -1
                    break
                if line[3:4] != b"-":
                    break
                if len(lines) >= MAX_REPLY_LINES:
                    raise LimitExceeded(
                        PROTOCOL,
                        "MAX_REPLY_LINES",
                        f"an SMTP reply has more than {MAX_REPLY_LINES} lines (MAX_REPLY_LINES)",
                    )
            return code, b"\n".join(lines)

    class BoundedSMTP(BoundedReplies, smtplib.SMTP):
        def __init__(self, deadline: DeadlineLike, *args: Any, **kwargs: Any) -> None:
            self.deadline = deadline
            self._pending, self._pending_sock = b"", None
            super().__init__(*args, **kwargs)

    class BoundedSMTPSSL(BoundedReplies, smtplib.SMTP_SSL):
        def __init__(self, deadline: DeadlineLike, *args: Any, **kwargs: Any) -> None:
            self.deadline = deadline
            self._pending, self._pending_sock = b"", None
            super().__init__(*args, **kwargs)

    return BoundedSMTP, BoundedSMTPSSL


def bounded_smtp(
    deadline: DeadlineLike, *args: Any, implicit_tls: bool = False, **kwargs: Any
) -> smtplib.SMTP:
    """smtplib.SMTP (SMTP_SSL with implicit_tls) whose replies are bounded: at most
    MAX_REPLY_LINES lines of MAX_LINE bytes each, every read and send by `deadline`. Arguments
    after the deadline are smtplib's (host, port, timeout=..., context=...); pass a timeout
    (smtplib's default is none) to bound each operation further.

    A drip or a silent server costs at most the deadline; an endless `220-` reply ends after
    MAX_REPLY_LINES lines. Limits raise LimitExceeded; everything else is smtplib's own."""
    plain, implicit = _smtp_classes()
    cls: type[smtplib.SMTP] = implicit if implicit_tls else plain
    session: smtplib.SMTP = cast(Any, cls)(deadline, *args, **kwargs)
    return session


# --- redis-py ------------------------------------------------------------------------------


class _BoundedSocket:
    """A socket proxy for redis-py: each read waits at most until the deadline, and the bytes
    read since the last command was sent are capped (one reply, or one pipeline's replies)."""

    def __init__(self, sock: socket.socket, deadline: DeadlineLike, max_reply: int) -> None:
        self._sock = sock
        self._deadline = deadline
        self._max = max_reply
        self._timeout: float | None = sock.gettimeout()
        self._read = 0

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def _arm(self) -> None:
        if self._timeout == 0:  # redis-py's non-blocking peek (can_read)
            self._sock.settimeout(0)
            return
        self._sock.settimeout(left(self._deadline, "reading the Redis reply", self._timeout))

    def _count(self, n: int) -> None:
        self._read += n
        if self._read > self._max:
            raise too_big("a Redis reply", "MAX_BODY", self._max)

    def recv(self, size: int, *flags: int) -> bytes:
        self._arm()
        try:
            data = self._sock.recv(size, *flags)
        except TimeoutError as exc:
            if expired(self._deadline):
                raise deadline_passed("reading the Redis reply") from exc
            raise
        self._count(len(data))
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, *flags: int) -> int:
        self._arm()
        try:
            n = self._sock.recv_into(buffer, nbytes, *flags)
        except TimeoutError as exc:
            if expired(self._deadline):
                raise deadline_passed("reading the Redis reply") from exc
            raise
        self._count(n)
        return n

    def sendall(self, data: Any, *flags: int) -> None:
        self._read = 0  # a new command: a new reply to count
        self._sock.settimeout(left(self._deadline, "sending to Redis", self._timeout))
        self._sock.sendall(data, *flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def bounded_redis(
    url: str, deadline: DeadlineLike, *, max_reply: int = MAX_BODY, **kwargs: Any
) -> Any:
    """A redis.Redis for `url` whose every socket operation ends by `deadline`, with one
    reply capped at `max_reply` bytes, and no retries.

    What redis-py allows: socket_timeout/socket_connect_timeout are per operation, so a drip
    would wait one timeout per byte; the connection's socket is therefore wrapped (via the
    pool's connection_class, a public hook) so that each recv waits at most until the deadline
    and the bytes read per command are counted. The cap is on bytes received, so an endless
    bulk reply ends at max_reply; redis-py's pure-Python parser still buffers up to that much
    (it has no per-reply limit of its own). TLS handshakes (rediss://) are bounded per
    operation only. Limits raise LimitExceeded (not a redis error: redis-py's retry ignores
    it); everything else is redis-py's own.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    seconds = left(deadline, "connecting to Redis")
    kwargs.setdefault("socket_timeout", seconds)
    kwargs.setdefault("socket_connect_timeout", seconds)
    kwargs.setdefault("retry", Retry(NoBackoff(), 0))
    kwargs.setdefault("health_check_interval", 0)
    client = redis.Redis.from_url(url, **kwargs)
    pool = client.connection_pool
    base = pool.connection_class
    pool.connection_class = _redis_class(base, deadline, max_reply)
    return client


def _redis_class(base: type[Any], deadline: DeadlineLike, max_reply: int) -> type[Any]:
    class BoundedConnection(base):  # type: ignore[misc]
        def _connect(self) -> Any:
            left(deadline, f"connecting to Redis at {self.host}:{self.port}")
            return _BoundedSocket(super()._connect(), deadline, max_reply)

    BoundedConnection.__name__ = f"Bounded{base.__name__}"
    return BoundedConnection
