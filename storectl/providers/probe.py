"""Shared plumbing of live probes: a step recorder, TLS settings, and (from net/errors.py, THE
classifier) network-error stages."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING

from storectl.model import Check, Stage, Status
from storectl.net.errors import network_stage

__all__ = ["TRUST_HINT", "Steps", "network_stage", "tls_context"]

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
