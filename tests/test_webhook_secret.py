"""Issue 10 B: the one-time webhook signing secret is never lost and never orphaned.

Checked before the endpoint is made; shown once when the write still fails; recorded with the
endpoint it belongs to; a rerun without it fails with the fix; two runs at once make one
endpoint; a storefront definition is never where it goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storectl.errors import ConfigError
from testing.stores import BACKEND, HOOK, on_disk, scope, seed, webhooks
from testing.stores import webhooks_store as make_store
from testing.stripe_server import MEDUSA_EVENTS, TEST_KEY, StripeServer
from tests.conftest import REPO, run, write

URL = BACKEND + HOOK


def endpoints(server: StripeServer) -> list[dict[str, object]]:
    return list(server.state.endpoints.get(scope(), []))


# --- checked before the endpoint is made --------------------------------------------------------


def test_an_unwritable_target_stops_before_stripe_is_asked(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    result = webhooks(store, "register", "--write-to", str(store / "missing/dir/.env"))
    assert result.exit_code == 2, result.stderr
    assert "Error: cannot write" in result.stderr and "is not a folder" in result.stderr
    assert "hint:" in result.stderr
    assert stripe_server.state.count("POST") == 0 and endpoints(stripe_server) == []


def test_a_symlink_loop_target_stops_before_stripe_is_asked(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    loop = store / "backend/loop.env"
    loop.symlink_to(loop)
    result = webhooks(store, "register", "--write-to", str(loop))
    assert result.exit_code == 2, result.stderr
    assert "Error: cannot write" in result.stderr and "internal error" not in result.stderr
    assert stripe_server.state.count("POST") == 0


def test_dry_run_reports_an_unwritable_target_too(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    result = webhooks(store, "register", "--dry-run", "--write-to", str(store / "missing/dir/.env"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


# --- shown once when the write still fails ------------------------------------------------------


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """The write fails at the last moment, as on a full disk (not knowable in advance)."""

    def fail(path: Path, data: bytes, **_options: object) -> None:
        raise ConfigError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr("storectl.env.write.atomic_write", fail)


@pytest.mark.usefixtures("disk_full")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_failed_write_shows_the_secret_once_and_fails(
    store: Path, stripe_server: StripeServer, fmt: str
) -> None:
    env_path = make_store(store, stripe_server)
    before = env_path.read_bytes()
    result = webhooks(store, "register", "--format", fmt)
    assert result.exit_code == 1
    (endpoint,) = endpoints(stripe_server)
    secret = str(endpoint["secret"])
    assert result.stderr.count(secret) == 1
    assert "shown once" in result.stderr
    assert f"Error: endpoint {endpoint['id']} was created" in result.stderr
    assert "No space left on device" in result.stderr
    assert "hint:" in result.stderr and "STRIPE_WEBHOOK_ENDPOINT_ID" in result.stderr
    assert "::add-mask::" not in result.stderr
    assert secret not in result.stdout
    assert env_path.read_bytes() == before


@pytest.mark.usefixtures("disk_full")
def test_in_github_actions_the_secret_is_masked_before_it_is_shown(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    result = run("webhooks", "register", "--project", str(store), env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    secret = str(endpoints(stripe_server)[0]["secret"])
    assert result.stderr.startswith(f"::add-mask::{secret}\n")
    assert result.stderr.count(secret) == 2  # the mask command, then the one showing


@pytest.mark.usefixtures("disk_full")
def test_a_rotate_whose_write_fails_keeps_the_old_endpoint(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_seeded1", old)
    result = webhooks(store, "register", "--rotate")
    assert result.exit_code == 1
    assert stripe_server.state.count("DELETE") == 0
    assert old in [e["id"] for e in endpoints(stripe_server)]


# --- a rerun without the secret fails with the fix ----------------------------------------------


def test_an_endpoint_without_a_secret_on_disk_is_not_up_to_date(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    endpoint_id = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    result = webhooks(store, "register")
    assert result.exit_code == 1
    assert "up to date" not in result.stdout
    assert "--rotate" in result.stdout and endpoint_id in result.stdout
    data = webhooks(store, "register", "--format", "json").json()
    assert data["ok"] is False and data["actions"] == []
    assert "STRIPE_WEBHOOK_SECRET is not set" in data["problems"][0]


def test_a_secret_recorded_for_another_endpoint_fails(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    seed(stripe_server, URL, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_elsewhere", "we_gone")
    result = webhooks(store, "register")
    assert result.exit_code == 1
    assert "belongs to endpoint we_gone" in result.stdout and "--rotate" in result.stdout


def test_the_fix_works(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    assert webhooks(store, "register").exit_code == 1
    assert webhooks(store, "register", "--rotate").exit_code == 0
    (endpoint,) = endpoints(stripe_server)
    assert endpoint["id"] != old
    text = env_path.read_text()
    assert f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}\n" in text
    assert f"STRIPE_WEBHOOK_ENDPOINT_ID={endpoint['id']}\n" in text
    again = webhooks(store, "register")
    assert again.exit_code == 0 and "up to date" in again.stdout


# --- the recorded endpoint is never pruned ------------------------------------------------------


def test_prune_keeps_the_endpoint_whose_secret_is_on_disk(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    oldest = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    newest = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_seeded2", newest)
    result = webhooks(store, "register", "--prune-duplicates", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in endpoints(stripe_server)] == [newest]
    assert [(a["kind"], a["endpoint_id"]) for a in result.json()["actions"]] == [("delete", oldest)]


def test_after_a_rotate_whose_delete_failed_prune_keeps_the_new_endpoint(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, URL, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_seeded1", old)
    stripe_server.state.faults.append(
        (
            "/v1/webhook_endpoints/",
            400,
            {"error": {"type": "invalid_request_error", "message": "no"}},
        )
    )
    assert webhooks(store, "register", "--rotate").exit_code == 1
    new = next(e for e in endpoints(stripe_server) if e["id"] != old)
    assert f"STRIPE_WEBHOOK_ENDPOINT_ID={new['id']}\n" in env_path.read_text()
    assert webhooks(store, "register", "--prune-duplicates").exit_code == 0
    assert [e["id"] for e in endpoints(stripe_server)] == [new["id"]]


# --- two runs at once -----------------------------------------------------------------------------


def _blocked_on(folder: Path) -> bool:
    """A process waits for the flock on `folder` (a `->` line in /proc/locks names its inode)."""
    inode = f":{folder.stat().st_ino} "
    lines = Path("/proc/locks").read_text().splitlines()
    return any("->" in line and inode in line for line in lines)


def test_two_registers_at_once_create_one_endpoint(
    store: Path, stripe_server: StripeServer, tmp_path: Path
) -> None:
    """The first run's list waits until the second run either lists too (no lock: both see no
    endpoint and both create one) or is seen blocked on the folder's lock (the fix); the second
    run lists only after the first wrote."""
    env_path = make_store(store, stripe_server)
    lists: list[threading.Event] = [threading.Event(), threading.Event()]
    seen = 0
    guard = threading.Lock()

    def observe(method: str, path: str) -> None:
        nonlocal seen
        if method != "GET" or path != "/v1/webhook_endpoints":
            return
        with guard:
            index = min(seen, 1)
            seen += 1
        lists[index].set()
        other = lists[1 - index]
        for _ in range(500):  # up to 10 s for the other run to start
            if other.wait(0.02) or _blocked_on(env_path.parent):
                return

    stripe_server.state.observer = observe
    child_env = dict(os.environ) | {"PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "storectl", "webhooks", "register", "--project", str(store)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60) for proc in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    (endpoint,) = endpoints(stripe_server)
    assert stripe_server.state.count("POST") == 1
    text = env_path.read_text()
    assert text.count("STRIPE_WEBHOOK_SECRET=") == 1
    assert f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}\n" in text
    assert sum("up to date" in out.decode() for out, _ in outputs) == 1


# --- the Stripe double replays idempotency keys as Stripe does ----------------------------------


def _post(server: StripeServer, body: str, key: str) -> tuple[int, dict[str, object], str | None]:
    request = urllib.request.Request(
        server.url + "/v1/webhook_endpoints",
        data=body.encode(),
        headers={
            "Authorization": f"Bearer {TEST_KEY}",
            "Idempotency-Key": key,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.load(response), response.headers["Idempotent-Replayed"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc), exc.headers["Idempotent-Replayed"]


def test_the_stripe_double_replays_an_idempotency_key(stripe_server: StripeServer) -> None:
    body = f"url={URL}&enabled_events[0]=payment_intent.succeeded"
    first = _post(stripe_server, body, "k1")
    again = _post(stripe_server, body, "k1")
    assert first[0] == again[0] == 200
    assert first[1] == again[1] and "secret" in first[1]
    assert (first[2], again[2]) == (None, "true")
    assert len(endpoints(stripe_server)) == 1
    other = _post(stripe_server, body + "&description=x", "k1")
    assert other[0] == 400
    error = other[1]["error"]
    assert isinstance(error, dict) and error["type"] == "idempotency_error"
    assert _post(stripe_server, body, "k2")[0] == 200
    assert len(endpoints(stripe_server)) == 2


def test_rotate_uses_a_fresh_idempotency_key(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    assert webhooks(store, "register").exit_code == 0
    assert webhooks(store, "register", "--rotate").exit_code == 0
    (endpoint,) = endpoints(stripe_server)
    assert f"STRIPE_WEBHOOK_ENDPOINT_ID={endpoint['id']}\n" in env_path.read_text()
    assert len(stripe_server.state.idempotent) == 2


# --- a storefront definition is never the target -------------------------------------------------


def test_a_secret_only_in_the_storefront_goes_to_the_backend(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    stray = write(store / "storefront/.env.local", "STRIPE_WEBHOOK_SECRET=whsec_stray\n")
    result = webhooks(store, "register", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (endpoint,) = endpoints(stripe_server)
    assert f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}\n" in env_path.read_text()
    assert stray.read_text() == "STRIPE_WEBHOOK_SECRET=whsec_stray\n"
    data = result.json()
    assert data["secret_written_to"] == str(env_path)
    assert any("storefront/.env.local" in note for note in data["notes"])


def test_an_endpoint_whose_secret_is_only_in_the_storefront_fails(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    seed(stripe_server, URL, list(MEDUSA_EVENTS))
    write(store / "storefront/.env.local", "STRIPE_WEBHOOK_SECRET=whsec_seeded1\n")
    result = webhooks(store, "register")
    assert result.exit_code == 1 and "--rotate" in result.stdout


def test_lint_reports_a_storefront_webhook_secret(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    write(store / "storefront/.env.local", "STRIPE_WEBHOOK_SECRET=whsec_stray\n")
    data = run("status", "--project", str(store), "--format", "json").json()
    (found,) = [f for f in data["findings"] if f["code"] == "stripe.webhook-secret-in-storefront"]
    assert found["severity"] == "warning"
    assert found["source"] == "storefront/.env.local:1"
    assert "Medusa has no webhook secret" in found["message"]
