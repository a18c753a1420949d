"""The SMTP conversation, as doctor's probe and the mailer both walk it: the port and TLS
settings, connecting (an implicit-TLS port told from a silent one), then EHLO, TLS, AUTH and
MAIL FROM, each recorded as a check with its stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from storectl.env import Env
from storectl.model import Stage, Status
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.net.limits import left
from storectl.providers.probe import TRUST_HINT, Steps, network_stage, tls_context
from storectl.providers.values import ascii_number, is_loopback
from storectl.redact import clean_peer_text

if TYPE_CHECKING:  # smtplib loads only when a session starts
    from storectl.net.sdk_smtp import Session

DEFAULT_PORT = 587


IMPLICIT_TLS_PORT = 465


def port(env: Env) -> int | None:
    """SMTP_PORT as an int (587 when unset), or None when it is not a valid port."""
    raw = env.value("SMTP_PORT") or str(DEFAULT_PORT)
    if not ascii_number(raw):  # isdigit() alone takes '²' (int() then raises) and '٥١٣٧٢'
        return None
    number = int(raw)
    return number if 1 <= number <= 65535 else None


def secure(env: Env) -> bool | None:
    """SMTP_SECURE as a bool (false when unset), or None when it is neither true nor false."""
    raw = env.value("SMTP_SECURE") or "false"
    return {"true": True, "false": False}.get(raw)


def peer_text(reply: bytes) -> str:
    """An SMTP reply as it may enter a result: no control characters, no echoed secret (a 535
    that quotes the AUTH data back)."""
    return clean_peer_text(reply.decode(errors="replace"))


#: smtplib tries these in this order among what the server offers.
_AUTH_ORDER = ("CRAM-MD5", "PLAIN", "LOGIN")


#: Time kept back from the greeting wait to tell an implicit-TLS port from a silent one.
_TLS_SNIFF = 0.8


def connect(host: str, number: int, tls: bool, steps: Steps, deadline: Deadline) -> Session | None:
    """Connect and read the greeting; on failure record a classified check and return None.

    The TCP connection opens before anything else is set up: the greeting travels while
    smtplib is imported (net/sdk_smtp.py), and a STARTTLS port's TLS context is made only when
    STARTTLS is reached."""
    import socket

    reserve = _TLS_SNIFF if not tls and deadline.seconds > 2 * _TLS_SNIFF else 0.0
    # The greeting must come before the sniff's reserve; later replies by the whole deadline.
    greeting_by = Deadline(0)
    greeting_by.end = deadline.end - reserve
    session: Session
    try:
        cap = left(greeting_by, f"connecting to {host}", deadline.remaining() - reserve)
        raw = socket.create_connection((host, number), timeout=cap)
        from storectl.net import sdk_smtp  # smtplib loads while the greeting travels

        session, code, banner = sdk_smtp.adopt(
            greeting_by,
            raw,
            host,
            implicit_tls=tls,
            context=tls_context() if tls else None,
        )
    except Exception as exc:  # noqa: BLE001 - classified below
        stage, summary, hint = _connect_failure(exc, host, number, tls, deadline)
        steps.fail("connect", stage, summary, hint)
        return None
    session.deadline = deadline
    greeting = peer_text(banner.splitlines()[0]) if banner else ""
    steps.ok("connect", f"{code} {greeting}".strip() + (" (implicit TLS)" if tls else ""))
    return session


def _speaks_tls(host: str, number: int, seconds: float) -> bool:
    """Whether the port answers a TLS handshake (an implicit-TLS port is silent to plain SMTP)."""
    import socket
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asking "is this TLS?", nothing is sent after
    try:
        with socket.create_connection((host, number), timeout=seconds) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return True
    except (OSError, ssl.SSLError):
        return False


def _connect_failure(
    exc: Exception, host: str, number: int, tls: bool, deadline: Deadline
) -> tuple[Stage, str, str]:
    import smtplib

    where = f"{host}:{number}"
    net = limit_stage(exc) or network_stage(exc)
    if tls and net and net[0] is Stage.TLS and "not speaking TLS" in net[1]:
        return (
            Stage.TLS,
            f"{where} speaks plain SMTP (STARTTLS), not TLS from the first byte",
            "set SMTP_SECURE=false for this port (STARTTLS on 587), or use SMTP_PORT=465 "
            "with SMTP_SECURE=true",
        )
    if not tls and net and net[0] is Stage.TIMEOUT:
        if _speaks_tls(host, number, min(_TLS_SNIFF, deadline.remaining())):
            return (
                Stage.TLS,
                f"{where} expects TLS from the first byte (implicit TLS) and sent no greeting",
                "set SMTP_SECURE=true for this port (465), or use SMTP_PORT=587 with "
                "SMTP_SECURE=false",
            )
        return (
            Stage.TIMEOUT,
            f"{where} accepted the connection but sent no SMTP greeting in time",
            "check SMTP_HOST and SMTP_PORT; a firewall may be holding the connection",
        )
    if net is not None:
        stage, reason = net
        hints = {
            Stage.DNS: "check SMTP_HOST",
            Stage.CONNECT: f"is the SMTP server reachable at {where}? Providers often "
            "block port 25: try 587",
            Stage.TLS: TRUST_HINT if "certificate" in reason else "check SMTP_SECURE and SMTP_PORT",
            Stage.TIMEOUT: "check SMTP_HOST and SMTP_PORT, or raise --timeout",
            Stage.PROTOCOL: "is that port an SMTP server? Check SMTP_PORT and SMTP_SECURE",
        }
        return stage, f"{where}: {reason}", hints.get(stage, f"check {where}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (
            Stage.PROTOCOL,
            f"{where} closed the connection before greeting",
            "is that port an SMTP server? Check SMTP_PORT and SMTP_SECURE",
        )
    return Stage.PROTOCOL, f"{where}: {exc}", "is that port an SMTP server?"


def limit_stage(exc: BaseException) -> tuple[Stage, str] | None:
    """(stage, reason) when `exc` is a limit the server broke (deadline, MAX_REPLY_LINES, ...)."""
    if isinstance(exc, limits.LimitExceeded):
        return Stage(exc.stage), exc.message
    return None


def converse(
    session: Session,
    env: Env,
    host: str,
    number: int,
    tls: bool,
    steps: Steps,
    deadline: Deadline,
    *,
    probe: bool = True,
) -> None:
    """EHLO, TLS and AUTH, each recorded as a check; then (probe=True) MAIL FROM and QUIT.
    With probe=False the session is left open, ready to send."""
    import smtplib
    import ssl

    def budget() -> None:
        if session.sock is not None:
            session.sock.settimeout(deadline.remaining())

    step = "tls"
    try:
        budget()
        session.ehlo_or_helo_if_needed()
        _tls_step(session, host, tls, steps, budget)
        step = "auth"
        _auth_step(session, env, steps, budget)
        step = "sender"
        if not probe:
            return
        _sender_step(session, env, steps, budget)
        # QUIT ends the transaction MAIL FROM opened (no RSET needed), and its reply is not
        # worth a round trip: send it and hang up.
        session.send(b"QUIT\r\n")
        session.close()
    except (
        smtplib.SMTPException,
        OSError,
        ssl.SSLError,
        limits.LimitExceeded,
        UnicodeEncodeError,
    ) as exc:
        _session_failed(exc, step, env, host, number, steps)


def _tls_step(
    session: Session, host: str, tls: bool, steps: Steps, budget: Callable[[], None]
) -> None:
    """Implicit TLS, STARTTLS, or why none (fine on loopback, a warning anywhere else)."""
    if tls:
        steps.ok("tls", f"{_tls_version(session)}, certificate verified for {host}")
    elif session.has_extn("starttls"):
        session.starttls(context=tls_context())
        budget()
        session.ehlo()
        steps.ok("tls", f"STARTTLS, {_tls_version(session)}, certificate verified for {host}")
    elif is_loopback(host):
        steps.ok("tls", "no TLS offered (a loopback server: nothing crosses a network)")
    else:
        steps.warn(
            "tls",
            Stage.TLS,
            f"{host} offers no STARTTLS: the password and every mail cross the network "
            "in clear text",
            "enable STARTTLS on the server, or use its implicit-TLS port with SMTP_SECURE=true",
        )


def _tls_version(session: Session) -> str:
    """The negotiated TLS version: the session's socket is an SSLSocket once TLS is up."""
    version = getattr(session.sock, "version", None)
    return str(version()) if callable(version) else "TLS"


def _auth_step(session: Session, env: Env, steps: Steps, budget: Callable[[], None]) -> None:
    """Log in with SMTP_USER/SMTP_PASS, or skip when there is no user."""
    user, password = env.value("SMTP_USER"), env.get("SMTP_PASS") or ""
    if not user:
        steps.add("auth", Status.SKIP, "no SMTP_USER: the server is used without login")
        return
    offered = session.esmtp_features.get("auth", "").upper().split()
    budget()
    session.login(user, password)
    mechanism = next((m for m in _AUTH_ORDER if m in offered), "?")
    steps.ok("auth", f"AUTH {mechanism} accepted for {user}")


def _sender_step(session: Session, env: Env, steps: Steps, budget: Callable[[], None]) -> None:
    """MAIL FROM with SMTP_FROM: whether this login may send as that address (nothing is sent)."""
    sender = parseaddr_address(env.value("SMTP_FROM"))
    budget()
    code, reply = session.mail(sender)
    text = peer_text(reply)
    if code == 250:
        steps.ok("sender", f"MAIL FROM:<{sender}> accepted; no mail sent")
    else:
        steps.fail(
            "sender",
            Stage.PERMISSION,
            f"MAIL FROM:<{sender}> refused: {code} {text}",
            "set SMTP_FROM to an address this login may send as (a verified sender or domain)",
        )


def _session_failed(
    exc: Exception, step: str, env: Env, host: str, number: int, steps: Steps
) -> None:
    """The failed check for an error raised during `step` of the session with host:number."""
    import smtplib

    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = peer_text(exc.smtp_error) if isinstance(exc.smtp_error, bytes) else ""
        steps.fail(
            "auth",
            Stage.AUTH,
            f"{exc.smtp_code} {clean_peer_text(reply)}".strip() + f" for {env.value('SMTP_USER')}",
            "check SMTP_USER and SMTP_PASS (for Gmail and others: an app password or API key)",
        )
    elif isinstance(exc, UnicodeEncodeError):
        # smtplib encodes AUTH data as ASCII; nodemailer sends UTF-8 (found by the fuzzer).
        steps.fail(
            "auth",
            Stage.CONFIG,
            "SMTP_USER or SMTP_PASS holds non-ASCII characters, which Python's smtplib cannot "
            "send: storectl cannot check this login",
            "nodemailer sends them as UTF-8, so the store may still log in: prefer an ASCII "
            "password, or check by placing a test order",
        )
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        steps.fail(
            "auth",
            Stage.AUTH,
            f"{host} offers no AUTH on this connection",
            "servers offer AUTH only after TLS: check SMTP_SECURE/SMTP_PORT, or drop SMTP_USER "
            "for a relay that needs no login",
        )
    else:
        net = limit_stage(exc) or network_stage(exc)
        stage, reason = net if net else (Stage.PROTOCOL, clean_peer_text(str(exc)))
        hint = TRUST_HINT if "certificate" in reason else "check SMTP_HOST, SMTP_PORT, SMTP_SECURE"
        steps.fail(step, stage, f"{host}:{number}: {reason}", hint)


def parseaddr_address(value: str) -> str:
    """The bare address of `Name <addr>`."""
    from email.utils import parseaddr

    return parseaddr(value)[1] or value
