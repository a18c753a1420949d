"""SMTP mail: active when SMTP_HOST is set (the nodemailer notification provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from storectl.env import Env

if TYPE_CHECKING:
    pass
from storectl.model import Check, Finding, Severity, Stage, finding
from storectl.net.deadline import Deadline
from storectl.providers.base import EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps
from storectl.providers.smtp_session import (
    DEFAULT_PORT,
    IMPLICIT_TLS_PORT,
    connect,
    converse,
    port,
    secure,
)

NAME = "smtp"

ENV_VARS = (
    EnvVar("SMTP_HOST", "SMTP server host", required=True),
    EnvVar("SMTP_PORT", "SMTP server port", default=str(DEFAULT_PORT)),
    EnvVar("SMTP_USER", "SMTP user name"),
    EnvVar("SMTP_PASS", "SMTP password", secret=True, user="SMTP_USER"),
    EnvVar("SMTP_FROM", "sender address of order mail", required=True),
    EnvVar("SMTP_SECURE", "true for implicit TLS (port 465), false for STARTTLS", default="false"),
)


def valid_address(value: str) -> bool:
    from email.utils import parseaddr  # lazy: 5 ms of start-up, needed only with SMTP on

    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain and " " not in address)


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("SMTP_HOST"):
        return
    yield from _lint_port(env)
    yield from _lint_tls(env)
    yield from _lint_sender(env)
    yield from _lint_login(env)


def _lint_port(env: Env) -> Iterator[Finding]:
    """SMTP_PORT is a port number, in ASCII digits."""
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


def _lint_tls(env: Env) -> Iterator[Finding]:
    """SMTP_SECURE is true or false, and agrees with the port (465: TLS; 25/587: STARTTLS)."""
    src = env.source
    number = port(env)
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


def _lint_sender(env: Env) -> Iterator[Finding]:
    """SMTP_FROM is set and is an address."""
    src = env.source
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


def _lint_login(env: Env) -> Iterator[Finding]:
    """SMTP_USER and SMTP_PASS come together."""
    src = env.source
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
    session = connect(host, number, tls, steps, deadline)
    if session is None:
        return steps.checks
    try:
        converse(session, env, host, number, tls, steps, deadline)
    finally:
        session.close()
    return steps.checks


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("connect", "the server answers on SMTP_HOST:SMTP_PORT with an SMTP greeting"),
    ProbeCheck("tls", "STARTTLS or implicit TLS works with a trusted certificate"),
    ProbeCheck("auth", "SMTP_USER/SMTP_PASS log in"),
    ProbeCheck(
        "sender",
        "the server accepts SMTP_FROM as sender",
        sends="MAIL FROM, then RSET: no message is sent",
    ),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="SMTP mail",
    activation="SMTP_HOST",
    env_vars=ENV_VARS,
    modules=("@perseidesjs/notification-nodemailer",),
    fallback="no mail: order-placed, order-shipped and order-canceled are not sent",
    lint=lint,
    probe=probe,
    shareable=True,  # reads only its own variables
)
