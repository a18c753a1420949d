"""Issue 20 C and D through the CLI: what Stripe answers is checked before it is written, and a
rotation never leaves the backend without a working secret (file mode and two phases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testing.medusa_server import MedusaServer
from testing.stores import BACKEND, HOOK, on_disk, scope, seed
from testing.stores import webhooks_store as make_store
from testing.stripe_server import MEDUSA_EVENTS, StripeServer
from tests.conftest import run, write

HOSTILE: dict[str, dict[str, Any]] = {
    "secret": {"secret": "whsec_abc\nSTRIPE_API_KEY=sk_live_abcdefghijklmnopqrstu"},
    "id": {"id": "we_2\nSTRIPE_API_BASE=http://evil.invalid"},
    "both": {"id": "we_3 x", "secret": "whsec_ok\r"},
    "no secret": {"secret": None},
}


# --- C: a peer's answer is checked before anything is written ----------------------------------


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_malformed_create_answer_writes_nothing_and_deletes_nothing(
    store: Path, stripe_server: StripeServer, kind: str
) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_old0000", old)
    before = env_path.read_bytes()
    stripe_server.state.create_overrides.update(HOSTILE[kind])
    result = run("webhooks", "register", "--rotate", "--force", "--project", str(store))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "PROTOCOL" in result.stderr or "protocol" in result.stderr.lower()
    assert "nothing was written and no endpoint was deleted" in result.stderr
    assert env_path.read_bytes() == before  # the file holds no new line, no new variable
    assert stripe_server.state.count("DELETE") == 0
    ids = [e["id"] for e in stripe_server.state.endpoints[scope()]]
    assert old in ids and len(ids) == 2  # the old endpoint stays; the new one is named
    created = ids[1]
    if kind in ("id", "both"):
        assert "an endpoint with a malformed id" in result.stderr
        assert "evil.invalid" not in result.stderr and "we_3 x" not in result.stderr
    else:
        assert f"endpoint {created}" in result.stderr
    assert "sk_live_abcdefghijklmnopqrstu" not in result.stdout + result.stderr
    assert "STRIPE_API_KEY=" not in result.stderr


# --- D: the secret goes where the backend reads it, and is read back before any delete --------


def production_store(store: Path, stripe: StripeServer) -> tuple[Path, Path, str]:
    """backend/.env (the keys) and backend/.env.production (the secret), an old endpoint."""
    env_path = make_store(store, stripe)
    old = seed(stripe, BACKEND + HOOK, list(MEDUSA_EVENTS))
    production = write(
        store / "backend/.env.production",
        f"STRIPE_WEBHOOK_SECRET=whsec_old0000\nSTRIPE_WEBHOOK_ENDPOINT_ID={old}\n",
    )
    return env_path, production, old


def test_a_rotation_into_a_file_production_does_not_read_is_refused_before_stripe(
    store: Path, stripe_server: StripeServer
) -> None:
    """The reproduction: --write-to backend/.env while .env.production defines the secret
    created an endpoint, wrote where production does not read, deleted the old one, exit 0."""
    env_path, production, old = production_store(store, stripe_server)
    before = env_path.read_bytes(), production.read_bytes()
    for target in (env_path, store / "storefront/.env.local", store / "backend/.env.prod"):
        result = run(
            "webhooks", "register", "--rotate", "--write-to", str(target),
            "--environment", "production", "--project", str(store),
        )  # fmt: skip
        assert result.exit_code == 2, result.stdout + result.stderr
        assert "backend/.env.production" in result.stderr  # the file that wins is named
        assert "would not be used" in result.stderr
    assert stripe_server.state.count("POST") == stripe_server.state.count("DELETE") == 0
    assert (env_path.read_bytes(), production.read_bytes()) == before
    assert [e["id"] for e in stripe_server.state.endpoints[scope()]] == [old]


def test_a_rotation_writes_the_winning_file_and_reads_it_back_before_deleting(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path, production, old = production_store(store, stripe_server)
    at_delete: list[str] = []
    stripe_server.state.observer = lambda method, _path: (
        at_delete.append(production.read_text()) if method == "DELETE" else None
    )
    result = run(
        "webhooks", "register", "--rotate", "--environment", "production",
        "--project", str(store), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (new,) = stripe_server.state.endpoints[scope()]
    assert new["id"] != old
    assert result.json()["secret_written_to"] == str(production)
    assert at_delete and f"STRIPE_WEBHOOK_SECRET={new['secret']}" in at_delete[0]
    assert "STRIPE_WEBHOOK_SECRET" not in env_path.read_text()


def test_a_secret_in_the_process_environment_is_not_rotated_into_a_file(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    result = run(
        "webhooks", "register", "--rotate", "--project", str(store),
        env={"STRIPE_WEBHOOK_SECRET": "whsec_platform0000"},
    )  # fmt: skip
    assert result.exit_code == 2
    assert "process environment" in result.stderr and "--no-write" in result.stderr
    assert stripe_server.state.count("POST") == 0


# --- D: two phases, for a secret kept in the hosting platform ----------------------------------


def test_two_phase_rotation_proves_the_deployed_secret_before_deleting(
    store: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    import stripe as stripe_sdk

    env_path = make_store(store, stripe_server, backend=medusa_server.url)
    url = medusa_server.url + HOOK
    old = seed(stripe_server, url, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_old0000", old)
    before = env_path.read_bytes()

    # phase 1: a new endpoint beside the old one, its secret shown once (masked for Actions)
    first = run(
        "webhooks", "register", "--rotate", "--no-write", "--project", str(store),
        "--format", "json", env={"GITHUB_ACTIONS": "true"},
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    secret = first.json()["secret"]
    assert secret.startswith("whsec_") and f"::add-mask::{secret}" in first.stderr
    assert env_path.read_bytes() == before  # nothing written
    ids = [e["id"] for e in stripe_server.state.endpoints[scope()]]
    assert old in ids and len(ids) == 2 and stripe_server.state.count("DELETE") == 0
    assert any("phase 1 of 2" in n for n in first.json()["notes"])
    medusa_server.state.hooks.clear()  # phase 1 probed the route with an unsigned `{}`

    # phase 2 before the deploy: the secret storectl sees is still the old one
    early = run("webhooks", "register", "--finish-rotation", "--project", str(store))
    assert early.exit_code == 2, early.stdout + early.stderr
    assert "is not the secret of the new endpoint" in early.stderr
    assert stripe_server.state.count("DELETE") == 0 and medusa_server.state.hooks == []

    # phase 2 after the deploy: proven, signed test event accepted, then the old one deleted
    done = run(
        "webhooks", "register", "--finish-rotation", "--project", str(store),
        env={"STRIPE_WEBHOOK_SECRET": secret},
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    (new,) = stripe_server.state.endpoints[scope()]
    assert new["id"] != old and new["metadata"]["storectl_rotation"] == "done"
    ((_path, headers, body),) = medusa_server.state.hooks
    stripe_sdk.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
    assert secret not in done.stdout + done.stderr


def test_finish_rotation_without_a_phase_one_is_a_usage_error(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    result = run("webhooks", "register", "--finish-rotation", "--project", str(store))
    assert result.exit_code == 2 and "--rotate --no-write" in result.stderr
    mixed = run("webhooks", "register", "--finish-rotation", "--rotate", "--project", str(store))
    assert mixed.exit_code == 2 and "phase 2 on its own" in mixed.stderr
