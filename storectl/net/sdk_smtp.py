"""smtplib with bounded replies, on the caps of `limits`: `bounded_smtp()` is an SMTP (or
SMTP_SSL) session whose replies are read with a cap on lines per reply and bytes per line, each
read by the deadline; `adopt()` makes one on a socket already connected.

Imported only inside the SMTP client's functions (never on start-up), so smtplib is imported at
module level and the classes need no factory.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Any

from storectl.net.limits import (
    MAX_LINE,
    MAX_REPLY_LINES,
    PROTOCOL,
    DeadlineLike,
    LimitExceeded,
    deadline_passed,
    expired,
    left,
)


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


#: A bounded session, plain or implicit TLS.
Session = BoundedSMTP | BoundedSMTPSSL


def bounded_smtp(
    deadline: DeadlineLike, *args: Any, implicit_tls: bool = False, **kwargs: Any
) -> Session:
    """smtplib.SMTP (SMTP_SSL with implicit_tls) whose replies are bounded: at most
    MAX_REPLY_LINES lines of MAX_LINE bytes each, every read and send by `deadline`. Arguments
    after the deadline are smtplib's (host, port, timeout=..., context=...); the connect gets
    smtplib's public `timeout`, at most the time left (a timeout given caps it further).

    A drip or a silent server costs at most the deadline; an endless `220-` reply ends after
    MAX_REPLY_LINES lines. Limits raise LimitExceeded; everything else is smtplib's own."""
    cls: type[BoundedSMTP] | type[BoundedSMTPSSL] = BoundedSMTPSSL if implicit_tls else BoundedSMTP
    # The connect (and SMTP_SSL's handshake) by smtplib's public `timeout`, at most the time
    # left; every later send and read sets its own from the deadline.
    given = kwargs.get("timeout")
    cap = float(given) if isinstance(given, int | float) else None
    where = f"connecting to {args[0] if args else kwargs.get('host', 'the SMTP server')}"
    kwargs["timeout"] = left(deadline, where, cap)
    return cls(deadline, *args, **kwargs)


def adopt(
    deadline: DeadlineLike,
    raw: socket.socket,
    host: str,
    *,
    implicit_tls: bool = False,
    context: ssl.SSLContext | None = None,
) -> tuple[Session, int, bytes]:
    """A bounded_smtp session on `raw`, a TCP connection to host already open, and the
    greeting (code, text); `raw` is closed on failure.

    The SMTP client opens the connection before it imports this module, so the server's
    greeting travels while smtplib loads and the session is set up. The session adopts the
    socket through its public attributes, as smtplib's connect() would have set them (`sock`,
    and `context.wrap_socket` for implicit TLS)."""
    try:
        tls = {"context": context} if implicit_tls else {}  # smtplib.SMTP takes no context
        session = bounded_smtp(deadline, implicit_tls=implicit_tls, timeout=raw.gettimeout(), **tls)
        # smtplib verifies the certificate (implicit TLS now, STARTTLS later) against the host
        # its constructor was given: connect() does not record it (nor does anything public).
        session._host = host  # type: ignore[union-attr]
        if isinstance(session, BoundedSMTPSSL):
            session.sock = session.context.wrap_socket(raw, server_hostname=host)
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
