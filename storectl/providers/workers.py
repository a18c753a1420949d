"""Background work: the Redis event bus and workflow engine's queues, and whether any worker
takes from them. Active when REDIS_URL is set. Read-only: known keys only (no SCAN over a Redis
the cache shares), `CLIENT LIST` only as a bonus (managed Redis often disables it).

Why: a backend in server mode with no worker queues every event and scheduled job and never
runs them, without a log line (medusajs/medusa#13732); 2.12.0 never queued events from server
processes at all (medusajs/medusa#14195, fixed in PR #14196); the Redis event bus tries a
subscriber once unless `jobOptions.attempts` says otherwise. What a worker leaves in Redis was
measured on a real 2.21.2 (BullMQ 5): a live worker renews `<queue>:stalled-check` (TTL ~30 s);
a waiting event job sits in `<queue>:prioritized` (it carries a priority), others in `:wait`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Status, finding
from storectl.net.deadline import Deadline
from storectl.providers import medusa_version, workers_live
from storectl.providers import redis as redis_provider
from storectl.providers.base import ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps
from storectl.providers.workers_live import EVENTS_QUEUE, Config, Queue

if TYPE_CHECKING:
    import redis
    from redis.client import Pipeline

NAME = "workers"
EVENTS_PREFIX = "RedisEventBusService"
WORKFLOW_QUEUES = ("bull:medusa-workflows", "bull:medusa-workflows-jobs")
#: How many of the oldest waiting jobs are read for their age.
SAMPLE = 10
#: Files a deployment declares its processes in (a worker is "declared" in one of them).
_DEPLOY_FILES = (
    "Procfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "render.yaml",
    "fly.toml",
    "railway.json",
    "railway.toml",
    "app.json",
    "package.json",
    "ecosystem.config.js",
    "Dockerfile",
    ".env",
    ".env.production",
    ".env.local",
)
_WORKER_DECLARED = re.compile(
    r"""MEDUSA_WORKER_MODE["']?\s*[=:]\s*["']?(worker|shared)\b|workerMode\s*:\s*["'](worker|shared)["']"""
)
_SERVER_LITERAL = re.compile(r"""workerMode\s*:\s*["']server["']""")
_MAX_CONFIG = 512 * 1024
BAD_RELEASES = {
    (2, 12, 0): "server processes never queue events: subscribers and mail never run "
    "(medusajs/medusa#14195, fixed in PR #14196, released in 2.12.1)",
}
RETRY_DOC = "https://docs.medusajs.com/resources/infrastructure-modules/event/redis"


def _folders(env: Env) -> list[Path]:
    folders = list(medusa_version.backend_dirs(env))
    if env.root is not None:
        folders += [env.root / "backend", env.root]
    return list(dict.fromkeys(folders))


def config(env: Env) -> Config | None:
    """The backend's medusa-config.ts (or .js) text, or None when the project has none."""
    for folder in _folders(env):
        for name in ("medusa-config.ts", "medusa-config.js"):
            path = folder / name
            try:
                if path.is_file() and path.stat().st_size <= _MAX_CONFIG:
                    return Config(path, path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
    return None


def _shown(path: Path, env: Env) -> str:
    if env.root is not None:
        try:
            return str(path.resolve().relative_to(env.root.resolve()))
        except (ValueError, OSError):
            pass
    return str(path)


def server_only(env: Env, found: Config) -> bool:
    """Whether the backend runs as `server`: the literal, or MEDUSA_WORKER_MODE read there."""
    if _SERVER_LITERAL.search(found.text):
        return True
    return "MEDUSA_WORKER_MODE" in found.text and env.value("MEDUSA_WORKER_MODE") == "server"


def worker_declared(env: Env) -> bool:
    """Whether any deployment file of the project declares a worker (or shared) process."""
    if env.value("MEDUSA_WORKER_MODE") in ("worker", "shared"):
        return True
    for folder in _folders(env):
        for name in _DEPLOY_FILES:
            path = folder / name
            try:
                if not path.is_file() or path.stat().st_size > _MAX_CONFIG:
                    continue
                if _WORKER_DECLARED.search(path.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
    return False


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("REDIS_URL"):
        return  # no Redis: the in-memory event bus, nothing queued
    found = config(env)
    if found is not None:
        where = _shown(found.path, env)
        if found.event_bus and not re.search(r"\battempts\s*:", found.text):
            yield finding(
                NAME,
                "event-bus-no-retries",
                Severity.WARNING,
                "the Redis event bus has no jobOptions.attempts: a failing subscriber (order "
                "mail, search sync) is logged once and never retried",
                hint="give the event bus options jobOptions: { attempts: 3, backoff: { type: "
                '"exponential", delay: 1000 } } (' + RETRY_DOC + ")",
                source=where,
            )
        if server_only(env, found) and not worker_declared(env):
            yield finding(
                NAME,
                "no-worker",
                Severity.ERROR if env.environment == "production" else Severity.WARNING,
                "the backend runs in server mode and no worker process is declared anywhere "
                "(Procfile, compose, render.yaml, fly.toml, env files): subscribers and "
                "scheduled jobs never run, with no error (medusajs/medusa#13732)",
                hint="run a second process with MEDUSA_WORKER_MODE=worker (or the one process "
                "with MEDUSA_WORKER_MODE=shared)",
                source=where,
            )
    yield from _bad_release(env)


def _bad_release(env: Env) -> Iterator[Finding]:
    found = medusa_version.detect(env)
    if found is None or found.version not in BAD_RELEASES:
        return
    pinned = found.exact or re.fullmatch(r"\d+\.\d+\.\d+", found.text) is not None
    if not pinned:
        return
    yield finding(
        NAME,
        "known-bad-release",
        Severity.ERROR,
        f"the backend runs Medusa {found.text}: {BAD_RELEASES[found.version]}",
        hint="upgrade @medusajs/* to 2.12.1 or later",
        source=found.source,
    )


# --- live ------------------------------------------------------------------------------------


_PER_QUEUE = 8


def _ask(pipe: Pipeline, prefix: str) -> None:
    pipe.zcard(f"{prefix}:prioritized")
    pipe.llen(f"{prefix}:wait")
    pipe.llen(f"{prefix}:paused")
    pipe.zcard(f"{prefix}:failed")
    pipe.llen(f"{prefix}:active")
    pipe.exists(f"{prefix}:stalled-check", f"{prefix}:meta", f"{prefix}:id")
    pipe.zrange(f"{prefix}:prioritized", 0, SAMPLE - 1)
    pipe.lrange(f"{prefix}:wait", -SAMPLE, -1)


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_queues(client: redis.Redis, names: dict[str, str]) -> list[Queue]:
    """Each queue's depth, failures, worker key and oldest waiting job (two round trips)."""
    pipe = client.pipeline(transaction=False)
    for prefix in names.values():
        _ask(pipe, prefix)
        pipe.exists(f"{prefix}:stalled-check")
    replies = pipe.execute(raise_on_error=True)
    found: list[tuple[str, str, list[object], list[bytes | str]]] = []
    for index, (name, prefix) in enumerate(names.items()):
        part = replies[index * (_PER_QUEUE + 1) : (index + 1) * (_PER_QUEUE + 1)]
        ids = [i for i in [*_items(part[6]), *_items(part[7])] if isinstance(i, bytes | str)]
        found.append((name, prefix, part, ids[: SAMPLE * 2]))
    ages = client.pipeline(transaction=False)
    for _name, prefix, _part, ids in found:
        for job in ids:
            ages.hget(f"{prefix}:{_text(job)}", "timestamp")
    stamps = iter(ages.execute(raise_on_error=False))
    queues = []
    for name, prefix, part, ids in found:
        times = [_stamp(next(stamps)) for _ in ids]
        known = [t for t in times if t is not None]
        queues.append(
            Queue(
                name=name,
                prefix=prefix,
                waiting=_number(part[0]) + _number(part[1]) + _number(part[2]),
                failed=_number(part[3]),
                active=_number(part[4]),
                worker=_number(part[8]) > 0,
                exists=_number(part[5]) > 0,
                oldest_ms=min(known) if known else None,
            )
        )
    return queues


def _items(value: object) -> list[object]:
    """A list reply's items (ZRANGE, LRANGE); anything else has none."""
    return list(value) if isinstance(value, list) else []


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _stamp(value: object) -> int | None:
    try:
        return int(_text(value)) if value is not None and not isinstance(value, Exception) else None
    except ValueError:
        return None


def blocked_clients(client: Any) -> int | None:  # redis-py's execute_command is untyped
    """Connections blocked in BZPOPMIN (BullMQ workers waiting), or None when CLIENT LIST is
    refused (managed Redis often disables it): a bonus, never the only evidence."""
    try:
        listed = client.execute_command("CLIENT LIST")
    except Exception:  # noqa: BLE001 - disabled or not allowed: the keys still answer
        return None
    if isinstance(listed, list):  # redis-py parses CLIENT LIST into one dict per client
        return sum(1 for c in listed if isinstance(c, dict) and _text(c.get("cmd")) == "bzpopmin")
    return sum(1 for line in _text(listed).splitlines() if "cmd=bzpopmin" in line)


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    steps = Steps(NAME, "REDIS_URL")
    found = config(env)
    names = {"events-queue": f"{EVENTS_PREFIX}:{found.queue_name if found else EVENTS_QUEUE}"}
    names |= {q.removeprefix("bull:"): q for q in WORKFLOW_QUEUES}
    deadline = Deadline(options.timeout)
    url = env.value("REDIS_URL")
    if redis_provider.url_problem(url) is not None:
        steps.add("queues", Status.SKIP, "REDIS_URL is not usable (see the redis checks)")
        return steps.checks
    client = redis_provider.connect(url, ["REDIS_URL"], Steps(NAME), deadline)
    if client is None:
        steps.add("queues", Status.SKIP, "REDIS_URL is not usable (see the redis checks)")
        return steps.checks
    try:
        with client:
            queues = read_queues(client, names)
            blocked = blocked_clients(client)
    except Exception as exc:  # noqa: BLE001 - turned into a result at the provider boundary
        stage, summary, hint = redis_provider.classify(exc, url)
        steps.fail("queues", stage, summary, hint)
        return steps.checks
    workers_live.judge(steps, queues, blocked, found, int(time.time() * 1000))
    return steps.checks


CHECKS = (
    ProbeCheck("queues", "the event and workflow queues in Redis are readable"),
    ProbeCheck("events-queue", "no event waits without a worker, none is old, none failed"),
    ProbeCheck("workflows-queue", "no workflow or scheduled job waits without a worker"),
    ProbeCheck("worker", "a worker process is connected to the queues"),
)

PROVIDER = Provider(
    name=NAME,
    title="Background work",
    activation="REDIS_URL",
    env_vars=(),
    modules=("@medusajs/medusa/event-bus-redis", "@medusajs/medusa/workflow-engine-redis"),
    fallback="the in-memory event bus: subscribers run in the same process, lost on restart",
    lint=lint,
    probe=probe,
    checks=CHECKS,
    in_status=False,
)
