"""Background work judged: each queue's waiting jobs against the workers Redis shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from storectl.model import Stage, Status
from storectl.providers.probe import Steps

EVENTS_QUEUE = "events-queue"
_QUEUE_NAME = re.compile(r"""queueName\s*:\s*["']([^"'\s]{1,100})["']""")


@dataclass(frozen=True)
class Config:
    """What medusa-config.ts says, read as text (never executed)."""

    path: Path
    text: str

    @property
    def event_bus(self) -> bool:
        return "event-bus-redis" in self.text

    @property
    def workflow_engine(self) -> bool:
        return "workflow-engine-redis" in self.text

    @property
    def queue_name(self) -> str:
        found = _QUEUE_NAME.search(self.text) if self.event_bus else None
        return found.group(1) if found else EVENTS_QUEUE


@dataclass(frozen=True)
class Queue:
    """One BullMQ queue as Redis holds it."""

    name: str
    prefix: str
    waiting: int
    failed: int
    active: int
    worker: bool
    exists: bool
    oldest_ms: int | None


#: A job waiting longer than this with a worker connected: the worker is behind or stuck.
OLD_MS = 5 * 60 * 1000
FIX = (
    "run a process with MEDUSA_WORKER_MODE=worker (or the one process with "
    "MEDUSA_WORKER_MODE=shared) against this Redis; it picks the waiting jobs up"
)


def _age(oldest_ms: int | None, now_ms: int) -> str:
    if oldest_ms is None:
        return ""
    seconds = max(0, now_ms - oldest_ms) // 1000
    shown = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
    return f", the oldest for {shown}"


def judge(
    steps: Steps, queues: list[Queue], blocked: int | None, found: Config | None, now_ms: int
) -> None:
    """One check per queue group, then the worker check."""
    worker = any(q.worker for q in queues) or bool(blocked)
    used = {
        "events-queue": found.event_bus if found else None,
        "workflows-queue": found.workflow_engine if found else None,
    }
    steps.ok("queues", f"{len(queues)} queues read (known keys only)")
    for check, members in (
        ("events-queue", [q for q in queues if q.name == "events-queue"]),
        ("workflows-queue", [q for q in queues if q.name != "events-queue"]),
    ):
        _queue_check(steps, check, members, worker, used[check], now_ms)
    _worker_check(steps, queues, worker, blocked)


def _queue_check(
    steps: Steps,
    check: str,
    members: list[Queue],
    worker: bool,
    used: bool | None,
    now_ms: int,
) -> None:
    waiting = sum(q.waiting for q in members)
    failed = sum(q.failed for q in members)
    keys = ", ".join(f"{q.prefix}:*" for q in members)
    if not any(q.exists or q.waiting or q.failed for q in members):
        why = "medusa-config.ts does not use it" if used is False else "nothing queued yet"
        steps.add(check, Status.SKIP, f"no queue in Redis ({keys}): {why}")
        return
    oldest = min((q.oldest_ms for q in members if q.oldest_ms is not None), default=None)
    age = _age(oldest, now_ms)
    if waiting and not worker:
        steps.fail(
            check,
            Stage.CONFIG,
            f"{waiting} jobs waiting{age} and no worker connected: they never run, and "
            "nothing is logged (medusajs/medusa#13732)",
            FIX,
        )
    elif waiting and oldest is not None and now_ms - oldest > OLD_MS:
        steps.warn(
            check,
            Stage.CONFIG,
            f"{waiting} jobs waiting{age}: the worker is behind or stuck",
            "see the worker's log; add workers if the queue keeps growing",
        )
    elif failed:
        steps.warn(
            check,
            Stage.CONFIG,
            f"{failed} failed jobs kept in {keys.replace(':*', ':failed')}: a subscriber or "
            "workflow threw (the Redis event bus tries once unless jobOptions.attempts is set)",
            "see the worker's log for the error, fix the subscriber; retries: jobOptions.attempts",
        )
    else:
        steps.ok(check, f"{waiting} jobs waiting, none failed")


def _worker_check(steps: Steps, queues: list[Queue], worker: bool, blocked: int | None) -> None:
    seen = [q.prefix for q in queues if q.worker]
    listed = "" if blocked is None else f"; {blocked} connections wait in BZPOPMIN"
    if worker:
        where = f"stalled-check renewed on {', '.join(seen)}" if seen else "CLIENT LIST"
        steps.ok("worker", f"a worker is connected ({where}{listed})")
    elif any(q.exists for q in queues):
        steps.warn(
            "worker",
            Stage.CONFIG,
            "no worker connected: no queue's stalled-check key is renewed"
            + ("" if blocked is None else ", and no connection waits in BZPOPMIN")
            + ": events and scheduled jobs queued now will wait",
            FIX,
        )
    else:
        steps.add("worker", Status.SKIP, "no BullMQ queue in this Redis: nothing to work on")
