"""The result model every layer shares: severities, stages, statuses, findings, checks, fixes.

It imports nothing from storectl, so env, providers and output can all stand on it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class FixKind(StrEnum):
    """What kind of step a hint asks for, so a reader (or a program) knows who acts: an edit
    of an env file, a storectl command, a change in an admin (Stripe's dashboard, Medusa's
    admin), or a change in the deployment (code, config, a restart)."""

    ENV = "env"
    COMMAND = "command"
    ADMIN = "admin"
    DEPLOY = "deploy"


#: `set NAME=value`: an env edit a program can apply (the value ends at a space or the end).
_ENV_EDIT = re.compile(r"\bset ([A-Z][A-Z0-9_]*)=([^\s'\"`,;)]+)")
#: `run 'storectl ...'`: a storectl command a program can run (a command only named, like
#: "'storectl doctor' compares them", is no fix).
_COMMAND = re.compile(r"\brun '(storectl [^']+)'")
_ENV_WORDS = re.compile(
    r"\b(set|add|put|unset|remove|use|move|rename|check) [^;]*?\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"
)
_ENV_FILE = re.compile(r"\benv file\b|\.env(\.[a-z]+)?\b")
_ADMIN_WORDS = re.compile(r"dashboard|\bAdmin\b|admin UI|in Stripe\b|Settings >", re.IGNORECASE)


def fix_of(hint: str | None) -> tuple[FixKind | None, str | None]:
    """The kind of fix a hint names, and what a program would apply (`NAME=value` or a
    storectl command line) when it can: whichever kind the hint names first wins."""
    if not hint:
        return None, None
    found: list[tuple[int, FixKind, str | None]] = []
    if match := _ENV_EDIT.search(hint):
        found.append((match.start(), FixKind.ENV, f"{match.group(1)}={match.group(2)}"))
    if match := _COMMAND.search(hint):
        found.append((match.start(), FixKind.COMMAND, match.group(1)))
    for words in (_ENV_WORDS, _ENV_FILE):
        if match := words.search(hint):
            found.append((match.start() + 1, FixKind.ENV, None))
    if match := _ADMIN_WORDS.search(hint):
        found.append((match.start() + 1, FixKind.ADMIN, None))
    if not found:
        return FixKind.DEPLOY, None
    _, kind, apply = min(found, key=lambda item: item[0])
    return kind, apply


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
    #: what kind of fix the hint is, and (env edit, storectl command) what a program applies
    fix_kind: FixKind | None = None
    fix_apply: str | None = None

    def __post_init__(self) -> None:
        _derive_fix(self)


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
    #: what kind of fix the hint is, and (env edit, storectl command) what a program applies
    fix_kind: FixKind | None = None
    fix_apply: str | None = None

    def __post_init__(self) -> None:
        _derive_fix(self)


def _derive_fix(result: Finding | Check) -> None:
    """Fill fix_kind/fix_apply from the hint when the maker did not say (frozen: setattr)."""
    if result.fix_kind is None and result.hint:
        kind, apply = fix_of(result.hint)
        object.__setattr__(result, "fix_kind", kind)
        object.__setattr__(result, "fix_apply", apply)


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
