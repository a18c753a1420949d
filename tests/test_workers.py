"""doctor's background-work checks (provider `workers`), fast: its lint rules from the project's
own files, and its queue checks against a real redis-server whose BullMQ keys are written by
hand as the contract's "Background work" section measured them on a real 2.21.2 (a waiting
event job in `…:prioritized` with its hash's `timestamp`, `…:stalled-check` renewed by a live
worker, failed jobs in `…:failed`). No Medusa here: tests/test_real_workers.py has the real one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testing.redis_server import RedisServers
from tests.conftest import Result, run, write

EVENTS = "RedisEventBusService:events-queue"
WORKFLOWS = "bull:medusa-workflows"
#: A database of its own on the shared redis-server, emptied around each test.
DB = 9

CONFIG = """import { loadEnv, defineConfig } from "@medusajs/framework/utils"

module.exports = defineConfig({
  projectConfig: { databaseUrl: process.env.DATABASE_URL, workerMode: %(mode)s },
  modules: [
    {
      resolve: "@medusajs/medusa/event-bus-redis",
      options: { redisUrl: process.env.REDIS_URL%(options)s },
    },
    {
      resolve: "@medusajs/medusa/workflow-engine-redis",
      options: { redis: { redisUrl: process.env.REDIS_URL } },
    },
  ],
})
"""
RETRIES = ", jobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } }"


def config(mode: str = '"shared"', options: str = RETRIES) -> str:
    return CONFIG % {"mode": mode, "options": options}


@pytest.fixture
def queues(redis_servers: RedisServers) -> Iterator[Any]:
    """A redis-py client on the test's own database, empty before and after."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_servers.lru_port, db=DB)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def redis_url(servers: RedisServers) -> str:
    return f"redis://127.0.0.1:{servers.lru_port}/{DB}"


def doctor(store: Path, servers: RedisServers, *args: str, **env: str) -> Result:
    return run(
        "doctor",
        "--only",
        "workers",
        "--format",
        "json",
        "--project",
        str(store),
        *args,
        env={"REDIS_URL": redis_url(servers), **env},
    )


def found(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if c["provider"] == "workers"}


def shape(check: dict[str, Any]) -> tuple[str, str | None]:
    return check["status"], check["stage"]


# --- lint ------------------------------------------------------------------------------------


def test_event_bus_without_attempts_is_a_warning_with_the_fix(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config(options=""))
    checks = found(doctor(store, redis_servers))
    rule = checks["workers.event-bus-no-retries"]
    assert rule["status"] == "warn"
    assert "never retried" in rule["summary"] and "jobOptions" in rule["hint"]
    assert "event/redis" in rule["hint"]  # the upstream documentation
    write(store / "backend/medusa-config.ts", config())
    assert "workers.event-bus-no-retries" not in found(doctor(store, redis_servers))


def test_server_mode_with_no_worker_declared(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config(mode='"server"'))
    result = doctor(store, redis_servers)
    rule = found(result)["workers.no-worker"]
    assert rule["status"] == "warn"  # development: a warning
    assert "medusajs/medusa#13732" in rule["summary"]
    assert "MEDUSA_WORKER_MODE=worker" in rule["hint"]
    production = found(doctor(store, redis_servers, NODE_ENV="production"))
    assert production["workers.no-worker"]["status"] == "fail"
    # declared: a Procfile's worker process, or the env of the one process
    write(store / "Procfile", "web: medusa start\nworker: MEDUSA_WORKER_MODE=worker medusa start\n")
    assert "workers.no-worker" not in found(doctor(store, redis_servers))
    (store / "Procfile").unlink()
    assert "workers.no-worker" not in found(
        doctor(store, redis_servers, MEDUSA_WORKER_MODE="shared")
    )


def test_server_mode_read_from_the_environment(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config(mode="process.env.MEDUSA_WORKER_MODE"))
    server = found(doctor(store, redis_servers, MEDUSA_WORKER_MODE="server"))
    assert server["workers.no-worker"]["status"] == "warn"
    assert "workers.no-worker" not in found(doctor(store, redis_servers))  # unset: shared


@pytest.mark.parametrize(
    ("files", "fires"),
    [
        ({"package.json": '{"dependencies": {"@medusajs/medusa": "2.12.0"}}'}, True),
        ({"package.json": '{"dependencies": {"@medusajs/medusa": "^2.12.0"}}'}, False),
        ({"package.json": '{"dependencies": {"@medusajs/medusa": "2.12.1"}}'}, False),
        (
            {
                "package.json": '{"dependencies": {"@medusajs/medusa": "^2.12.0"}}',
                "node_modules/@medusajs/medusa/package.json": '{"version": "2.12.0"}',
            },
            True,
        ),
    ],
    ids=["pinned", "range", "fixed-release", "installed"],
)
def test_the_release_that_never_queued_events(
    store: Path, redis_servers: RedisServers, queues: Any, files: dict[str, str], fires: bool
) -> None:
    write(store / "backend/medusa-config.ts", config())
    for name, text in files.items():
        write(store / "backend" / name, text)
    rule = found(doctor(store, redis_servers)).get("workers.known-bad-release")
    if not fires:
        assert rule is None
        return
    assert rule is not None and rule["status"] == "fail"
    assert "2.12.0" in rule["summary"] and "medusajs/medusa#14195" in rule["summary"]
    assert "PR #14196" in rule["summary"] and "2.12.1" in rule["hint"]


# --- the queues ------------------------------------------------------------------------------


def waiting_job(
    client: Any, prefix: str, job: str, age_s: float, name: str = "order.placed"
) -> None:
    """An event job as the event bus leaves it: a priority, so in `:prioritized`."""
    stamp = int((time.time() - age_s) * 1000)
    client.hset(f"{prefix}:{job}", mapping={"name": name, "timestamp": stamp, "data": "{}"})
    client.zadd(f"{prefix}:prioritized", {job: 10 * 2**32 + int(job)})
    client.hset(f"{prefix}:meta", "opts.maxLenEvents", 10000)
    client.incr(f"{prefix}:id")


def live_worker(client: Any, prefix: str) -> None:
    """What a running worker renews (TTL ~30 s)."""
    client.set(f"{prefix}:stalled-check", str(int(time.time() * 1000)), px=30_000)


def test_waiting_event_and_no_worker_fails_with_the_fix(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config())
    waiting_job(queues, EVENTS, "1", age_s=90)
    result = doctor(store, redis_servers)
    assert result.exit_code == 1
    checks = found(result)
    assert shape(checks["queues"]) == ("ok", None)
    events = checks["events-queue"]
    assert shape(events) == ("fail", "CONFIG")
    assert events["summary"].startswith("1 jobs waiting, the oldest for 90 s and no worker")
    assert "MEDUSA_WORKER_MODE=worker" in events["hint"]
    assert shape(checks["worker"]) == ("warn", "CONFIG")
    assert checks["workflows-queue"]["status"] == "skip"


def test_a_live_worker_and_a_fresh_job_pass(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config())
    waiting_job(queues, EVENTS, "1", age_s=1)
    live_worker(queues, EVENTS)
    result = doctor(store, redis_servers)
    assert result.exit_code == 0, result.stdout
    checks = found(result)
    assert shape(checks["events-queue"]) == ("ok", None)
    assert checks["events-queue"]["summary"] == "1 jobs waiting, none failed"
    assert shape(checks["worker"]) == ("ok", None)
    assert f"stalled-check renewed on {EVENTS}" in checks["worker"]["summary"]


def test_an_old_job_with_a_worker_is_a_stuck_worker(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config())
    waiting_job(queues, EVENTS, "1", age_s=600)
    waiting_job(queues, EVENTS, "2", age_s=30)
    live_worker(queues, EVENTS)
    events = found(doctor(store, redis_servers))["events-queue"]
    assert shape(events) == ("warn", "CONFIG")
    assert (
        events["summary"] == "2 jobs waiting, the oldest for 10 min: the worker is behind or stuck"
    )


def test_failed_jobs_are_a_warning(store: Path, redis_servers: RedisServers, queues: Any) -> None:
    write(store / "backend/medusa-config.ts", config(options=""))
    live_worker(queues, EVENTS)
    now = int(time.time() * 1000)
    queues.zadd(f"{EVENTS}:failed", {"7": now, "8": now})
    for job in ("7", "8"):
        queues.hset(f"{EVENTS}:{job}", mapping={"name": "order.placed", "failedReason": "boom"})
    result = doctor(store, redis_servers)
    events = found(result)["events-queue"]
    assert shape(events) == ("warn", "CONFIG")
    assert events["summary"].startswith(f"2 failed jobs kept in {EVENTS}:failed")
    assert "jobOptions.attempts" in events["hint"]
    assert result.exit_code == 0  # warnings pass unless --strict


def test_a_waiting_workflow_job_without_worker(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config())
    queues.hset(f"{WORKFLOWS}:9", mapping={"name": "run", "timestamp": int(time.time() * 1000)})
    queues.lpush(f"{WORKFLOWS}:wait", "9")
    checks = found(doctor(store, redis_servers))
    assert shape(checks["workflows-queue"]) == ("fail", "CONFIG")
    assert checks["workflows-queue"]["summary"].startswith("1 jobs waiting")
    assert checks["events-queue"]["status"] == "skip"


def test_the_queue_name_from_the_config(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config(options=RETRIES + ', queueName: "shop"'))
    waiting_job(queues, "RedisEventBusService:shop", "1", age_s=5)
    waiting_job(queues, EVENTS, "1", age_s=5)  # the default name: not this store's queue
    events = found(doctor(store, redis_servers))["events-queue"]
    assert events["status"] == "fail"
    assert events["summary"].startswith("1 jobs waiting")


def test_an_empty_redis_has_nothing_to_judge(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    write(store / "backend/medusa-config.ts", config())
    result = doctor(store, redis_servers)
    assert result.exit_code == 0
    checks = found(result)
    assert [checks[c]["status"] for c in ("events-queue", "workflows-queue", "worker")] == [
        "skip",
        "skip",
        "skip",
    ]
    assert "nothing queued yet" in checks["events-queue"]["summary"]
    assert queues.dbsize() == 0  # read-only: nothing written


def test_a_worker_seen_only_in_client_list(
    store: Path, redis_servers: RedisServers, queues: Any
) -> None:
    """No stalled-check key (expired between two renewals), but a connection blocked in
    BZPOPMIN as BullMQ's workers wait: CLIENT LIST is the evidence."""
    import redis

    write(store / "backend/medusa-config.ts", config())
    waiting_job(queues, EVENTS, "1", age_s=2)
    blocked = redis.Redis(host="127.0.0.1", port=redis_servers.lru_port, db=DB)
    waiter = threading.Thread(target=lambda: blocked.bzpopmin(f"{EVENTS}:marker", timeout=20))
    waiter.start()
    try:
        end = time.monotonic() + 10
        while not any(c.get("cmd") == "bzpopmin" for c in queues.client_list()):
            assert time.monotonic() < end, "the waiting connection never showed"
            time.sleep(0.02)
        checks = found(doctor(store, redis_servers))
    finally:
        queues.zadd(f"{EVENTS}:marker", {"x": 1})  # wakes the waiter
        waiter.join(timeout=10)
        blocked.close()
    assert shape(checks["worker"]) == ("ok", None)
    assert "CLIENT LIST" in checks["worker"]["summary"]
    assert checks["events-queue"]["status"] == "ok"
