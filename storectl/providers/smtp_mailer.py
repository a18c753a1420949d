"""Sending mail: a small Mailer protocol (replay depends on it, not on SMTP) and its SMTP
implementation; the SMTP conversation the probe also walks through is `smtp_session`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage, Status
from storectl.net import limits
from storectl.net.deadline import for_command
from storectl.providers.probe import Steps, network_stage
from storectl.providers.smtp_session import connect, converse, peer_text, port, secure
from storectl.providers.spelling import missing_hint

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage


def open_session(env: Env, timeout: float) -> smtplib.SMTP:
    """A connected, TLS-protected, authenticated smtplib session, or NetworkError."""
    host, number, tls = env.value("SMTP_HOST"), port(env), secure(env)
    if not host:
        hint = missing_hint(env, "SMTP_HOST", "set SMTP_HOST")
        raise NetworkError(Stage.CONFIG, "SMTP_HOST is not set: no mail server", hint)
    if number is None or tls is None:
        raise NetworkError(
            Stage.CONFIG, "SMTP_PORT or SMTP_SECURE is invalid", "run 'storectl status'"
        )
    steps = Steps("smtp")
    deadline = for_command(timeout)  # the command's one deadline
    session = connect(host, number, tls, steps, deadline)
    if session is not None:
        converse(session, env, host, number, tls, steps, deadline, probe=False)
    failed = next((c for c in steps.checks if c.status is Status.FAIL), None)
    if failed is not None or session is None:
        if session is not None:
            session.close()
        assert failed is not None and failed.stage is not None
        raise NetworkError(failed.stage, failed.summary, failed.hint)
    if session.sock is not None:  # set by a connected session
        session.sock.settimeout(timeout)
    return session


class Mailer(Protocol):
    """What mail replay needs from a transport: send one message, count connections, close.
    Another transport (an HTTP mail API, say) implements this without touching replay."""

    #: connections opened so far (replay reports it)
    connections: int

    def send(self, message: EmailMessage, sender: str, recipient: str) -> str:
        """Deliver one message; the server's reply, or NetworkError with its stage."""
        ...

    def close(self) -> None: ...


def wire(message: EmailMessage) -> bytes:
    """The bytes a message goes out as (and `mail preview --eml` writes): SMTP lines end in
    CRLF, and smtplib's data() converts only str input, not bytes."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class SmtpMailer:
    """Many messages over one SMTP session; reconnects once when the server drops it."""

    def __init__(self, env: Env, timeout: float) -> None:
        self.env = env
        self.timeout = timeout
        self.session: smtplib.SMTP | None = None
        self.connections = 0

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.session is not None:
            try:
                self.session.quit()
            except Exception:  # noqa: BLE001 - closing a session that may already be gone
                self.session.close()
            self.session = None

    def send(self, message: EmailMessage, sender: str, recipient: str) -> str:
        """Send one message; returns the server's final reply (with its queue id)."""
        import smtplib

        raw = wire(message)

        for attempt in (1, 2):
            if self.session is None:
                self.session = open_session(self.env, self.timeout)
                self.connections += 1
            session = self.session
            try:
                return self._send_once(session, raw, sender, recipient)
            except limits.LimitExceeded as exc:
                session.close()
                self.session = None
                stage, reason = Stage(exc.stage), exc.message
                raise NetworkError(stage, f"{reason} while sending", "check the server") from None
            except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
                session.close()
                self.session = None
                if attempt == 2:
                    net = network_stage(exc)
                    stage, reason = net if net else (Stage.PROTOCOL, "the server hung up")
                    raise NetworkError(
                        stage, f"{reason} while sending, twice", "check the server's limits"
                    ) from None
        raise AssertionError("unreachable")

    def _send_once(self, session: smtplib.SMTP, raw: bytes, sender: str, recipient: str) -> str:
        import smtplib  # loaded already: the session is smtplib's

        code, reply = session.mail(sender)
        if code != 250:
            session.rset()
            raise NetworkError(
                Stage.PERMISSION,
                f"MAIL FROM:<{sender}> refused: {code} {peer_text(reply)}",
                "set SMTP_FROM to an address this login may send as",
            )
        code, reply = session.rcpt(recipient)
        if code not in (250, 251):
            session.rset()
            raise NetworkError(
                Stage.PERMISSION,
                f"RCPT TO:<{recipient}> refused: {code} {peer_text(reply)}",
                "check the recipient address",
            )
        try:
            code, reply = session.data(raw)
        except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
            error = exc.smtp_error
            code, reply = exc.smtp_code, error.encode() if isinstance(error, str) else error
            session.rset()
        text = f"{code} {peer_text(reply)}"
        if code != 250:
            raise NetworkError(Stage.PROTOCOL, f"the message was refused: {text}", "see the reply")
        return text
