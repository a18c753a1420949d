"""The fleet report: one entry per store, in fleet order, each holding that command's own
single-store document; its fields are the JSON keys (README "Many stores")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Problem:
    """Why a store failed outside its own report: its env could not be read, a required
    provider is inactive, it ran out of time, or --fail-fast stopped it."""

    message: str
    hint: str | None = None


@dataclass(frozen=True)
class StoreResult(Generic[R]):
    name: str
    environment: str
    ok: bool
    #: the command's single-store document; None when the store never produced one
    report: R | None
    problems: tuple[Problem, ...] = ()
    duration_ms: int = 0
    #: False for a store --fail-fast stopped before it finished: not checked, not failed
    checked: bool = True


@dataclass(frozen=True)
class FleetSummary:
    stores: int
    ok: int
    failed: int
    #: stores --fail-fast stopped before they finished (neither ok nor failed)
    not_checked: int
    #: probe runs answered from another store's identical probe
    shared_probes: int
    jobs: int
    duration_ms: int


@dataclass(frozen=True)
class FleetReport(Generic[R]):
    schema_version: int
    ok: bool
    stores: tuple[StoreResult[R], ...]
    summary: FleetSummary
