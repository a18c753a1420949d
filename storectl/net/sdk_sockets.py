"""The bounded readers inside the socket-level SDKs, on the caps of `limits` (the HTTP SDKs,
stripe-python and botocore, are in `net/sdk.py`).

- smtplib: `bounded_smtp()`: an SMTP (or SMTP_SSL) session whose replies are read with a cap on
  lines per reply and bytes per line, each read within the deadline.
- redis-py: `bounded_redis()`: every socket read within the deadline, and the bytes of one reply
  capped (see its docstring for what redis-py allows).

No SDK is imported at module level (start-up).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast

from storectl.net.limits import (
    MAX_BODY,
    MAX_LINE,
    MAX_REPLY_LINES,
    PROTOCOL,
    DeadlineLike,
    LimitExceeded,
    deadline_passed,
    expired,
    left,
    too_big,
)

if TYPE_CHECKING:
    import smtplib
    import socket
    import ssl  # annotations only: socket costs ~3 ms of start-up


# --- smtplib -------------------------------------------------------------------------------


# Long on purpose: a factory of small classes, defined on first use so that smtplib stays off
# start-up; each class is short.
@functools.cache
def _smtp_classes() -> tuple[type[smtplib.SMTP], type[smtplib.SMTP_SSL]]:
    import smtplib

    class BoundedReplies:
        """getreply() (public: smtplib's every command reads its reply through it) with a cap
        on lines per reply and bytes per line, each read by the deadline. It reads the socket
        itself: a buffered readline would wait out one socket timeout per byte of a drip, and
        smtplib caps a line's bytes but not a reply's lines (see docs/ARCHITECTURE.md)."""

        deadline: DeadlineLike
        sock: socket.socket | None
        _pending: bytes
        _pending_sock: socket.socket | None

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
    after the deadline are smtplib's (host, port, timeout=..., context=...); the connect gets
    smtplib's public `timeout`, at most the time left (a timeout given caps it further).

    A drip or a silent server costs at most the deadline; an endless `220-` reply ends after
    MAX_REPLY_LINES lines. Limits raise LimitExceeded; everything else is smtplib's own."""
    plain, implicit = _smtp_classes()
    cls: type[smtplib.SMTP] = implicit if implicit_tls else plain
    # The connect (and SMTP_SSL's handshake) by smtplib's public `timeout`, at most the time
    # left; every later send and read sets its own from the deadline.
    given = kwargs.get("timeout")
    cap = float(given) if isinstance(given, int | float) else None
    where = f"connecting to {args[0] if args else kwargs.get('host', 'the SMTP server')}"
    kwargs["timeout"] = left(deadline, where, cap)
    session: smtplib.SMTP = cast(Any, cls)(deadline, *args, **kwargs)
    return session


def smtp_connect(
    deadline: DeadlineLike,
    host: str,
    port: int,
    *,
    implicit_tls: bool = False,
    timeout: float | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[smtplib.SMTP, int, bytes]:
    """A bounded_smtp session connected to host:port, and the greeting (code, text).

    The TCP connection is opened first, before smtplib is imported and its session set up:
    the server's greeting is already on its way meanwhile (on a distant server that hides the
    set-up, and doctor's other probes' imports, behind the wait). The session then adopts
    the socket through its public attributes, as smtplib's connect() would have set them
    (`sock`, and `context.wrap_socket` for implicit TLS)."""
    import socket

    cap = left(deadline, f"connecting to {host}", timeout)
    raw = socket.create_connection((host, port), timeout=cap)
    try:
        tls = {"context": context} if implicit_tls else {}  # smtplib.SMTP takes no context
        session = bounded_smtp(deadline, implicit_tls=implicit_tls, timeout=cap, **tls)
        # smtplib verifies the certificate (implicit TLS now, STARTTLS later) against the host
        # its constructor was given: connect() does not record it (nor does anything public).
        cast(Any, session)._host = host
        if implicit_tls:
            wrap = cast(Any, session).context.wrap_socket
            session.sock = wrap(raw, server_hostname=host)
        else:
            session.sock = raw
    except BaseException:
        raw.close()
        raise
    try:
        code, greeting = session.getreply()
    except BaseException:
        session.close()
        raise
    return session, code, greeting


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
