"""The result model every layer shares: severities, stages, statuses, findings and checks.

It imports nothing from storectl, so env, providers and output can all stand on it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a lint finding is; `--strict` promotes warnings to failures."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One offline lint result: a stable code, what is wrong, how to fix it, and where."""

    code: str
    severity: Severity
    message: str
    hint: str | None = None
    source: str | None = None
    provider: str | None = None


class Status(StrEnum):
    """Outcome of one live check; `error` is a check that crashed (a storectl bug)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


class Stage(StrEnum):
    """Where a failing check broke: the layer the fix belongs to."""

    CONFIG = "CONFIG"
    DNS = "DNS"
    CONNECT = "CONNECT"
    TLS = "TLS"
    AUTH = "AUTH"
    PERMISSION = "PERMISSION"
    NOT_FOUND = "NOT_FOUND"
    PROTOCOL = "PROTOCOL"
    TIMEOUT = "TIMEOUT"


#: The stages at which the server could not be used at all (nothing was said over the wire):
#: the one definition of "unreachable" every capability shares.
UNUSABLE: frozenset[Stage] = frozenset({Stage.CONNECT, Stage.DNS, Stage.TIMEOUT, Stage.TLS})


@dataclass(frozen=True)
class Check:
    """One live check's result: SDK and socket errors end up here, never as exceptions."""

    provider: str
    check: str
    status: Status
    summary: str
    hint: str | None = None
    stage: Stage | None = None
    target: str | None = None
    duration_ms: int = 0


@dataclass(frozen=True)
class FileState:
    """One env file a command considered: where, its role, and whether it was there."""

    path: str
    role: str
    exists: bool


def finding(
    provider: str,
    code: str,
    severity: Severity,
    message: str,
    hint: str | None = None,
    source: str | None = None,
) -> Finding:
    """A Finding whose code is namespaced by its provider (`stripe.live-test-mix`)."""
    return Finding(f"{provider}.{code}", severity, message, hint, source, provider)
