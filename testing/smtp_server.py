"""Real SMTP servers on loopback (aiosmtpd): STARTTLS + AUTH, implicit TLS + AUTH, and variants."""

from __future__ import annotations

import logging
import ssl
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from testing.certs import Certs
from testing.procs import free_port

# aiosmtpd warns (and logs) about its own internals when an authenticator is used.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
logging.getLogger("mail.log").setLevel(logging.ERROR)

USER = "shop@example.com"
PASSWORD = "CNRYsmtp-pass-0001"
QUEUE_ID = "4XyZQ1"


@dataclass
class Capture:
    """Keeps every accepted message and counts connections."""

    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)
    connections: int = 0
    #: a server that quotes the AUTH data back in its 535 (base64 at every alignment)
    echo_auth: bool = False

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return f"250 2.0.0 Ok: queued as {QUEUE_ID}{len(self.messages)}"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.endswith("@forbidden.example"):
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    if not ok and getattr(server.event_handler, "echo_auth", False):
        from base64 import b64encode

        login, password = auth_data.login, auth_data.password
        plain = b"\0" + login + b"\0" + password  # AUTH PLAIN's payload
        echoes = [plain, password, b"x" + plain + b"y", b"xy" + password, login + b":" + password]
        quoted = " ".join(b64encode(echo).decode() for echo in echoes)
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad auth {quoted}")
    return AuthResult(success=ok, handled=False)


class CountingController(Controller):
    """A Controller whose SMTP sessions count connections on the handler."""

    def factory(self) -> Any:
        self.handler.connections += 1
        return super().factory()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class SmtpServers:
    starttls: int  # STARTTLS offered, AUTH after TLS (trusted test CA)
    implicit: int  # TLS from the first byte, AUTH
    plain: int  # no TLS at all, AUTH allowed in clear
    rogue: int  # STARTTLS with a certificate from an untrusted CA
    capture: Capture


def _server_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture(scope="session")
def smtp_servers(certs: Certs) -> Iterator[SmtpServers]:
    capture = Capture()
    good = _server_context(str(certs.cert), str(certs.key))
    rogue = _server_context(str(certs.rogue_cert), str(certs.rogue_key))
    ports = [free_port() for _ in range(4)]
    common: dict[str, Any] = {"authenticator": authenticator, "hostname": "127.0.0.1"}
    controllers = [
        CountingController(capture, port=ports[0], tls_context=good, **common),
        CountingController(
            capture, port=ports[1], ssl_context=good, auth_require_tls=False, **common
        ),
        CountingController(capture, port=ports[2], auth_require_tls=False, **common),
        CountingController(capture, port=ports[3], tls_context=rogue, **common),
    ]
    with ExitStack() as stack:
        for controller in controllers:
            # The implicit-TLS controller's self-check connects with TLS: let it trust our CA.
            controller.start()
            stack.callback(controller.stop)
        yield SmtpServers(ports[0], ports[1], ports[2], ports[3], capture)
