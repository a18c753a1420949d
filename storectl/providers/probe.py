"""Shared plumbing of live probes: a step recorder, network-error stages, and TLS settings."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from storectl.model import Check, Stage, Status

if TYPE_CHECKING:
    import ssl


class Steps:
    """Records a provider's checks, each with the time since the previous one ended."""

    def __init__(self, provider: str, target: str | None = None) -> None:
        self.provider = provider
        self.target = target
        self.checks: list[Check] = []
        self._mark = time.monotonic()

    def add(
        self,
        check: str,
        status: Status,
        summary: str,
        *,
        hint: str | None = None,
        stage: Stage | None = None,
        target: str | None = None,
    ) -> Check:
        now = time.monotonic()
        result = Check(
            provider=self.provider,
            check=check,
            status=status,
            summary=summary,
            hint=hint,
            stage=stage if status in (Status.FAIL, Status.WARN, Status.ERROR) else None,
            target=target if target is not None else self.target,
            duration_ms=round((now - self._mark) * 1000),
        )
        self._mark = now
        self.checks.append(result)
        return result

    def ok(self, check: str, summary: str) -> Check:
        return self.add(check, Status.OK, summary)

    def fail(self, check: str, stage: Stage, summary: str, hint: str | None = None) -> Check:
        return self.add(check, Status.FAIL, summary, hint=hint, stage=stage)

    def warn(self, check: str, stage: Stage, summary: str, hint: str | None = None) -> Check:
        return self.add(check, Status.WARN, summary, hint=hint, stage=stage)


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from or during (SDKs wrap socket errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def network_stage(exc: BaseException) -> tuple[Stage, str] | None:
    """Classify a socket-level failure (however wrapped) into a stage and a short reason."""
    import socket  # here, not at the top: `storectl status` never needs them (start-up)
    import ssl

    for item in chain(exc):
        if isinstance(item, socket.gaierror):
            return Stage.DNS, "the host name does not resolve"
        if isinstance(item, ssl.SSLCertVerificationError):
            return Stage.TLS, f"the certificate is not trusted ({item.verify_message})"
        if isinstance(item, ssl.SSLError):
            reason = item.reason or str(item)
            if "WRONG_VERSION_NUMBER" in str(reason).upper():
                return Stage.TLS, "TLS handshake failed: the server is not speaking TLS here"
            return Stage.TLS, f"TLS handshake failed ({reason})"
        if isinstance(item, ConnectionRefusedError):
            return Stage.CONNECT, "connection refused: nothing listens on that port"
        if isinstance(item, TimeoutError | socket.timeout):
            if "handshake" in str(item):
                return Stage.TLS, "the TLS handshake got no answer: the port does not speak TLS"
            return Stage.TIMEOUT, "no answer in time"
        if isinstance(item, ConnectionResetError | BrokenPipeError | EOFError):
            return Stage.PROTOCOL, "the server closed the connection"
    for item in chain(exc):
        if isinstance(item, OSError) and item.errno is not None:
            return Stage.CONNECT, f"cannot connect ({item.strerror or item})"
    return None


def tls_context() -> ssl.SSLContext:
    """Certificate-verifying TLS; honours SSL_CERT_FILE/SSL_CERT_DIR for private CAs.

    One context per trust setting for the whole process: loading the CA bundle costs a few
    milliseconds of CPU and ~1 MB per context, and a fleet run opens hundreds of connections.
    Contexts are safe to share between threads; nobody changes one after it is made."""
    import os

    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=8)
def _tls_context(_cafile: str | None, _capath: str | None) -> ssl.SSLContext:
    import ssl

    return ssl.create_default_context()


TRUST_HINT = (
    "if the server uses a private CA, point SSL_CERT_FILE at its certificate bundle; "
    "otherwise install a certificate that matches the host name"
)
