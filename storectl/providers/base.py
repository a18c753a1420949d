"""The provider model: env var specs, lint findings and provider descriptions (frozen values)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storectl.env import Env


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


@dataclass(frozen=True)
class EnvVar:
    """An env var a provider reads; `default_from` names the var it falls back to."""

    name: str
    description: str
    required: bool = False
    secret: bool = False
    default: str | None = None
    default_from: str | None = None
    storefront: bool = False


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
class ProbeOptions:
    """What a live probe may do: its time budget, and whether it may write (S3)."""

    timeout: float = 10.0
    write: bool = True


Lint = Callable[["Env"], Iterable[Finding]]
Probe = Callable[["Env", ProbeOptions], list[Check]]


@dataclass(frozen=True)
class Provider:
    """What storectl knows about one provider; adding one is a module and a registry line."""

    name: str
    title: str
    activation: str
    env_vars: tuple[EnvVar, ...]
    modules: tuple[str, ...]
    fallback: str
    lint: Lint = field(repr=False)
    probe: Probe | None = field(default=None, repr=False)

    def is_active(self, env: Env) -> bool:
        """Active exactly as medusa-config.ts decides: the activating var set and non-blank."""
        return env.is_set(self.activation)

    def var(self, name: str) -> EnvVar:
        for spec in self.env_vars:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.env_vars if v.secret)


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
