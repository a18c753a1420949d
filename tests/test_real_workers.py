"""Background work on a real Medusa 2.21.2 with the Redis event bus and workflow engine
(testing/real_medusa.py, a real redis-server): a server-only process places an order whose
order.placed subscriber (the store's backend/src/subscribers) is queued and never runs — doctor
fails with the fix; then a worker process (MEDUSA_WORKER_MODE=worker) drains the queue — doctor
passes. The order of the two phases matters, so they are one test."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testing.procs import free_port, process, require_binary, wait_until
from testing.real_medusa import RealMedusa, _node_env, place_order, real_medusa, require_node
from tests.conftest import run

pytestmark = pytest.mark.real_backend

EVENTS = "RedisEventBusService:events-queue"


@dataclass(frozen=True)
class Tier:
    backend: RealMedusa
    redis_url: str
    root: Path


@pytest.fixture(scope="module")
def server_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tier]:
    """A real redis-server, and a backend process in server mode using it (no worker)."""
    root = tmp_path_factory.mktemp("workers")
    port = free_port()
    argv = [require_binary("redis-server"), "--bind", "127.0.0.1", "--port", str(port)]
    argv += ["--save", "", "--appendonly", "no", "--dir", str(root)]
    with process(argv, port, root / "redis.log"):
        url = f"redis://127.0.0.1:{port}"
        extra = {"REDIS_URL": url, "MEDUSA_WORKER_MODE": "server"}
        with real_medusa("2.21.2", root, extra) as backend:
            yield Tier(backend, url, root)


@contextmanager
def worker(tier: Tier) -> Iterator[Path]:
    """A second process of the same backend with MEDUSA_WORKER_MODE=worker (the process env
    wins over backend/.env); its log file."""
    backend = tier.backend.project / "backend"
    log = tier.root / "worker.jsonl"
    env = _node_env(free_port(), log) | {"MEDUSA_WORKER_MODE": "worker"}
    cli = backend / "node_modules" / "@medusajs" / "cli" / "cli.js"
    with open(log.with_suffix(".out"), "wb") as out:
        proc = subprocess.Popen(
            [require_node(), str(cli), "start"],
            cwd=backend,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def redis_client(tier: Tier) -> Any:
    import redis

    return redis.Redis.from_url(tier.redis_url)


def doctor(tier: Tier) -> dict[str, Any]:
    result = run(
        "doctor", "--project", str(tier.backend.project), "--only", "workers", "--format", "json"
    )
    data: dict[str, Any] = result.json()
    data["exit_code"] = result.exit_code
    return data


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["status"] for c in data["checks"]}


def test_silent_without_a_worker_then_drained_by_one(server_only: Tier) -> None:
    client, backend = redis_client(server_only), server_only.backend
    seeded = backend.seeded
    place_order(backend.url, seeded.publishable_key, seeded.regions["Europe"], seeded.variant_id)
    wait_until(lambda: client.zcard(f"{EVENTS}:prioritized") >= 1, "order.placed queued")
    assert not client.exists(f"{EVENTS}:stalled-check")

    silent = doctor(server_only)
    assert silent["exit_code"] == 1
    checks = {c["check"]: c for c in silent["checks"]}
    assert checks["events-queue"]["status"] == "fail"
    assert "jobs waiting" in checks["events-queue"]["summary"]
    assert "no worker connected" in checks["events-queue"]["summary"]
    assert "MEDUSA_WORKER_MODE=worker" in checks["events-queue"]["hint"]
    assert checks["worker"]["status"] == "warn"
    # the config's own findings: one attempt, and server mode with no worker declared
    assert {"workers.event-bus-no-retries", "workers.no-worker"} <= set(checks)

    with worker(server_only) as log:
        wait_until(
            lambda: (
                client.zcard(f"{EVENTS}:prioritized") == 0
                and bool(client.exists(f"{EVENTS}:stalled-check"))
            ),
            "the worker drained the queue",
            timeout=120,
        )
        wait_until(
            lambda: (
                "storectl tier subscriber" in log.read_text(errors="replace")
                if log.exists()
                else False
            ),
            "the subscriber ran in the worker",
            timeout=30,
        )
        healthy = doctor(server_only)
    assert statuses(healthy)["events-queue"] == "ok", healthy
    assert statuses(healthy)["worker"] == "ok", healthy
    assert healthy["exit_code"] == 0, healthy
