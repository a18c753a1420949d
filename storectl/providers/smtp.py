"""SMTP mail: active when SMTP_HOST is set (the nodemailer notification provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from storectl.env import Env
from storectl.errors import StorectlError

if TYPE_CHECKING:
    from email.message import EmailMessage
from storectl.providers._checks import ascii_number, is_loopback
from storectl.providers._probe import TRUST_HINT, Deadline, Steps, network_stage, tls_context
from storectl.providers.base import (
    Check,
    EnvVar,
    Finding,
    ProbeOptions,
    Provider,
    Severity,
    Stage,
    Status,
    finding,
)

NAME = "smtp"
DEFAULT_PORT = 587
IMPLICIT_TLS_PORT = 465

ENV_VARS = (
    EnvVar("SMTP_HOST", "SMTP server host", required=True),
    EnvVar("SMTP_PORT", "SMTP server port", default=str(DEFAULT_PORT)),
    EnvVar("SMTP_USER", "SMTP user name"),
    EnvVar("SMTP_PASS", "SMTP password", secret=True),
    EnvVar("SMTP_FROM", "sender address of order mail", required=True),
    EnvVar("SMTP_SECURE", "true for implicit TLS (port 465), false for STARTTLS", default="false"),
)

#: Subscribers the store registers: event -> template key (the store document's table).
SUBSCRIBERS = (
    ("order.placed", "order-placed"),
    ("order.fulfillment_delivered", "order-shipped"),
    ("order.canceled", "order-canceled"),
)


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


def _peer(reply: bytes) -> str:
    """An SMTP reply as it may enter a result: no control characters, no echoed secret (a 535
    that quotes the AUTH data back)."""
    from storectl.redact import clean_peer_text

    return clean_peer_text(reply.decode(errors="replace"))


def valid_address(value: str) -> bool:
    from email.utils import parseaddr  # lazy: 5 ms of start-up, needed only with SMTP on

    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain and " " not in address)


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("SMTP_HOST"):
        return
    src = env.source
    number = port(env)
    raw_port = env.value("SMTP_PORT")
    if number is None and not raw_port.isascii() and all(c.isdigit() for c in raw_port):
        yield finding(
            NAME,
            "port-not-ascii",
            Severity.ERROR,
            "SMTP_PORT holds digits other than ASCII 0-9 (superscripts, Arabic-Indic, ...): "
            "nodemailer and storectl do not read it as a port",
            hint="retype SMTP_PORT with the digits 0-9, e.g. SMTP_PORT=587",
            source=src("SMTP_PORT"),
        )
    elif number is None:
        yield finding(
            NAME,
            "port-invalid",
            Severity.ERROR,
            "SMTP_PORT is not a port number (1-65535)",
            hint="set SMTP_PORT=587 (STARTTLS) or SMTP_PORT=465 with SMTP_SECURE=true",
            source=src("SMTP_PORT"),
        )
    tls = secure(env)
    if tls is None:
        yield finding(
            NAME,
            "secure-invalid",
            Severity.ERROR,
            "SMTP_SECURE is neither 'true' nor 'false'",
            hint="write SMTP_SECURE=true (port 465) or SMTP_SECURE=false (587/25, STARTTLS); "
            "the value is compared as written, so 'TRUE' or '1' do not turn TLS on",
            source=src("SMTP_SECURE"),
        )
    if number == IMPLICIT_TLS_PORT and tls is False:
        yield finding(
            NAME,
            "tls-port-mismatch",
            Severity.ERROR,
            "SMTP_PORT=465 expects TLS from the first byte, but SMTP_SECURE is not true: "
            "nodemailer waits for a greeting that never comes ('Greeting never received')",
            hint="set SMTP_SECURE=true, or use SMTP_PORT=587 with STARTTLS",
            source=src("SMTP_PORT"),
        )
    elif tls is True and number in (25, 587):
        yield finding(
            NAME,
            "tls-port-mismatch",
            Severity.ERROR,
            f"SMTP_SECURE=true on port {number}, which speaks plain SMTP then STARTTLS: "
            "the TLS handshake fails ('wrong version number')",
            hint="set SMTP_SECURE=false to use STARTTLS on this port, or SMTP_PORT=465",
            source=src("SMTP_SECURE"),
        )
    sender = env.value("SMTP_FROM")
    if not sender:
        yield finding(
            NAME,
            "from-missing",
            Severity.ERROR,
            "SMTP_FROM is not set: order mail has no sender",
            hint="set SMTP_FROM=orders@your-domain (an address your SMTP server may send as)",
        )
    elif not valid_address(sender):
        yield finding(
            NAME,
            "from-invalid",
            Severity.ERROR,
            "SMTP_FROM is not an email address",
            hint="write SMTP_FROM=orders@example.com or SMTP_FROM=Shop <orders@example.com>",
            source=src("SMTP_FROM"),
        )
    if env.is_set("SMTP_USER") and not env.is_set("SMTP_PASS"):
        yield finding(
            NAME,
            "user-without-pass",
            Severity.ERROR,
            "SMTP_USER is set but SMTP_PASS is not: authentication will fail",
            hint="set SMTP_PASS, or remove SMTP_USER for a server that needs no login",
            source=src("SMTP_USER"),
        )
    elif env.is_set("SMTP_PASS") and not env.is_set("SMTP_USER"):
        yield finding(
            NAME,
            "pass-without-user",
            Severity.WARNING,
            "SMTP_PASS is set but SMTP_USER is not: the password is never used",
            hint="set SMTP_USER to the login that goes with SMTP_PASS",
            source=src("SMTP_PASS"),
        )


# --- live probe -----------------------------------------------------------------------------

#: smtplib tries these in this order among what the server offers.
_AUTH_ORDER = ("CRAM-MD5", "PLAIN", "LOGIN")
#: Time kept back from the greeting wait to tell an implicit-TLS port from a silent one.
_TLS_SNIFF = 0.8


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    host, number, tls = env.value("SMTP_HOST"), port(env), secure(env)
    steps = Steps(NAME, f"{host}:{number or env.value('SMTP_PORT')}")
    if number is None or tls is None:
        steps.fail(
            "connect",
            Stage.CONFIG,
            "SMTP_PORT or SMTP_SECURE is invalid (see the lint findings)",
            "fix SMTP_PORT and SMTP_SECURE first",
        )
        return steps.checks
    deadline = Deadline(options.timeout)
    session = _connect(host, number, tls, steps, deadline)
    if session is None:
        return steps.checks
    try:
        _session(session, env, host, number, tls, steps, deadline)
    finally:
        session.close()
    return steps.checks


def _connect(host: str, number: int, tls: bool, steps: Steps, deadline: Deadline) -> Any:
    """Connect and read the greeting; on failure record a classified check and return None."""
    import smtplib

    context = tls_context()
    reserve = _TLS_SNIFF if not tls and deadline.seconds > 2 * _TLS_SNIFF else 0.0
    try:
        if tls:
            session: Any = smtplib.SMTP_SSL(timeout=deadline.remaining(), context=context)
        else:
            session = smtplib.SMTP(timeout=deadline.remaining() - reserve)
        # connect() does not record the host (only the constructor does, and it drops the
        # greeting we report), but STARTTLS and SMTP_SSL verify the certificate against it.
        session._host = host
        code, banner = session.connect(host, number)
    except Exception as exc:  # noqa: BLE001 - classified below
        stage, summary, hint = _connect_failure(exc, host, number, tls, deadline)
        steps.fail("connect", stage, summary, hint)
        return None
    greeting = _peer(banner.splitlines()[0]) if banner else ""
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
    net = network_stage(exc)
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


def _session(
    session: Any,
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
        if tls:
            steps.ok("tls", f"{session.sock.version()}, certificate verified for {host}")
        elif session.has_extn("starttls"):
            session.starttls(context=tls_context())
            budget()
            session.ehlo()
            steps.ok("tls", f"STARTTLS, {session.sock.version()}, certificate verified for {host}")
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
        step = "auth"
        user, password = env.value("SMTP_USER"), env.get("SMTP_PASS") or ""
        if user:
            offered = session.esmtp_features.get("auth", "").upper().split()
            budget()
            session.login(user, password)
            mechanism = next((m for m in _AUTH_ORDER if m in offered), "?")
            steps.ok("auth", f"AUTH {mechanism} accepted for {user}")
        else:
            steps.add("auth", Status.SKIP, "no SMTP_USER: the server is used without login")
        step = "sender"
        if not probe:
            return
        sender = parseaddr_address(env.value("SMTP_FROM"))
        budget()
        code, reply = session.mail(sender)
        text = _peer(reply)
        if code == 250:
            steps.ok("sender", f"MAIL FROM:<{sender}> accepted; no mail sent")
        else:
            steps.fail(
                "sender",
                Stage.PERMISSION,
                f"MAIL FROM:<{sender}> refused: {code} {text}",
                "set SMTP_FROM to an address this login may send as (a verified sender or domain)",
            )
        # QUIT ends the transaction MAIL FROM opened (no RSET needed), and its reply is not
        # worth a round trip: send it and hang up.
        session.send(b"QUIT\r\n")
        session.close()
    except smtplib.SMTPAuthenticationError as exc:
        reply = _peer(exc.smtp_error) if isinstance(exc.smtp_error, bytes) else ""
        steps.fail(
            "auth",
            Stage.AUTH,
            f"{exc.smtp_code} {reply}".strip() + f" for {env.value('SMTP_USER')}",
            "check SMTP_USER and SMTP_PASS (for Gmail and others: an app password or API key)",
        )
    except UnicodeEncodeError:
        # smtplib encodes AUTH data as ASCII; nodemailer sends UTF-8 (found by the fuzzer).
        steps.fail(
            "auth",
            Stage.CONFIG,
            "SMTP_USER or SMTP_PASS holds non-ASCII characters, which Python's smtplib cannot "
            "send: storectl cannot check this login",
            "nodemailer sends them as UTF-8, so the store may still log in: prefer an ASCII "
            "password, or check by placing a test order",
        )
    except smtplib.SMTPNotSupportedError:
        steps.fail(
            "auth",
            Stage.AUTH,
            f"{host} offers no AUTH on this connection",
            "servers offer AUTH only after TLS: check SMTP_SECURE/SMTP_PORT, or drop SMTP_USER "
            "for a relay that needs no login",
        )
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        net = network_stage(exc)
        stage, reason = net if net else (Stage.PROTOCOL, str(exc))
        hint = TRUST_HINT if "certificate" in reason else "check SMTP_HOST, SMTP_PORT, SMTP_SECURE"
        steps.fail(step, stage, f"{host}:{number}: {reason}", hint)


class SmtpError(StorectlError):
    """An SMTP failure with the stage it broke at (the same classification as doctor's)."""

    def __init__(self, stage: Stage, message: str, hint: str | None) -> None:
        super().__init__(message, hint, stage)
        self.stage: Stage = stage


def open_session(env: Env, timeout: float) -> Any:
    """A connected, TLS-protected, authenticated smtplib session, or SmtpError."""
    host, number, tls = env.value("SMTP_HOST"), port(env), secure(env)
    if not host:
        raise SmtpError(Stage.CONFIG, "SMTP_HOST is not set: no mail server", "set SMTP_HOST")
    if number is None or tls is None:
        raise SmtpError(
            Stage.CONFIG, "SMTP_PORT or SMTP_SECURE is invalid", "run 'storectl status'"
        )
    steps = Steps(NAME)
    deadline = Deadline(timeout)
    session = _connect(host, number, tls, steps, deadline)
    if session is not None:
        _session(session, env, host, number, tls, steps, deadline, probe=False)
    failed = next((c for c in steps.checks if c.status is Status.FAIL), None)
    if failed is not None or session is None:
        if session is not None:
            session.close()
        assert failed is not None and failed.stage is not None
        raise SmtpError(failed.stage, failed.summary, failed.hint)
    session.sock.settimeout(timeout)
    return session


class Mailer:
    """Many messages over one SMTP session; reconnects once when the server drops it."""

    def __init__(self, env: Env, timeout: float) -> None:
        self.env = env
        self.timeout = timeout
        self.session: Any = None
        self.connections = 0

    def __enter__(self) -> Mailer:
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

        # SMTP lines end in CRLF, and smtplib's data() converts only str input, not bytes.
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))

        for attempt in (1, 2):
            if self.session is None:
                self.session = open_session(self.env, self.timeout)
                self.connections += 1
            try:
                return self._send_once(raw, sender, recipient)
            except (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError) as exc:
                self.session.close()
                self.session = None
                if attempt == 2:
                    net = network_stage(exc)
                    stage, reason = net if net else (Stage.PROTOCOL, "the server hung up")
                    raise SmtpError(
                        stage, f"{reason} while sending, twice", "check the server's limits"
                    ) from None
        raise AssertionError("unreachable")

    def _send_once(self, raw: bytes, sender: str, recipient: str) -> str:
        session = self.session
        code, reply = session.mail(sender)
        if code != 250:
            session.rset()
            raise SmtpError(
                Stage.PERMISSION,
                f"MAIL FROM:<{sender}> refused: {code} {_peer(reply)}",
                "set SMTP_FROM to an address this login may send as",
            )
        code, reply = session.rcpt(recipient)
        if code not in (250, 251):
            session.rset()
            raise SmtpError(
                Stage.PERMISSION,
                f"RCPT TO:<{recipient}> refused: {code} {_peer(reply)}",
                "check the recipient address",
            )
        code, reply = session.data(raw)
        text = f"{code} {_peer(reply)}"
        if code != 250:
            raise SmtpError(Stage.PROTOCOL, f"the message was refused: {text}", "see the reply")
        return text


def parseaddr_address(value: str) -> str:
    """The bare address of `Name <addr>`."""
    from email.utils import parseaddr

    return parseaddr(value)[1] or value


PROVIDER = Provider(
    name=NAME,
    title="SMTP mail",
    activation="SMTP_HOST",
    env_vars=ENV_VARS,
    modules=("@perseidesjs/notification-nodemailer",),
    fallback="no mail: order-placed, order-shipped and order-canceled are not sent",
    lint=lint,
    probe=probe,
)
