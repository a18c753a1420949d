"""`storectl webhooks`: url, list, register (reconcile, secret write-back, guards), test."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import stripe as stripe_sdk

from testing.medusa_server import MedusaServer
from testing.stores import BACKEND, HOOK, on_disk, scope, seed, webhooks
from testing.stores import webhooks_store as make_store
from testing.stripe_server import LIVE_KEY, MEDUSA_EVENTS, StripeServer
from testing.tcp import tcp_peer
from tests.conftest import write

# --- url --------------------------------------------------------------------------------------


def test_url_default_path_is_the_stock_route(store: Path) -> None:
    """Issue 21 B: the default leads somewhere: the route a stock Medusa 2.x serves."""
    write(store / "backend/.env", f"MEDUSA_BACKEND_URL={BACKEND}\n")
    result = webhooks(store, "url", "--format", "json")
    assert result.exit_code == 0
    data = result.json()
    assert data["url"] == f"{BACKEND}{HOOK}"
    assert data["source"] == (
        "MEDUSA_BACKEND_URL (backend/.env:1) + the default path (a stock Medusa 2.x route)"
    )
    assert data["note"] is None


def test_url_document_path_gives_the_one_fix(store: Path) -> None:
    write(
        store / "backend/.env",
        f"MEDUSA_BACKEND_URL={BACKEND}\nSTRIPE_WEBHOOK_PATH=/store/webhooks/payment/stripe\n",
    )
    result = webhooks(store, "url", "--format", "json")
    assert result.exit_code == 0
    assert f"set STRIPE_WEBHOOK_PATH={HOOK}" in result.json()["note"]


def test_url_override_and_missing(store: Path) -> None:
    write(store / "backend/.env", "STRIPE_WEBHOOK_URL=https://hooks.example.com/stripe\n")
    result = webhooks(store, "url")
    assert result.stdout.splitlines()[0] == "https://hooks.example.com/stripe"
    write(store / "backend/.env", "SMTP_HOST=x\n")
    result = webhooks(store, "url")
    assert result.exit_code == 2
    assert "hint: set MEDUSA_BACKEND_URL or STRIPE_WEBHOOK_URL" in result.stderr


# --- list -------------------------------------------------------------------------------------


def test_list_marks_the_match_and_duplicates(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    seed(stripe_server, "https://other.example.com/x", ["*"])
    seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    seed(stripe_server, BACKEND + HOOK + "/", ["payment_intent.created"])
    data = webhooks(store, "list", "--format", "json").json()
    assert data["expected_url"] == BACKEND + HOOK
    flags = {e["url"]: (e["matches"], e["duplicate"]) for e in data["endpoints"]}
    assert flags["https://other.example.com/x"] == (False, False)
    assert flags[BACKEND + HOOK] == (True, True)
    table = webhooks(store, "list").stdout
    assert "2 endpoints match it (duplicates)" in table


# --- register ---------------------------------------------------------------------------------


def test_register_creates_and_writes_the_secret(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    before = env_path.read_text()
    result = webhooks(store, "register", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert [a["kind"] for a in data["actions"]] == ["create"]
    assert data["secret"] is None
    (endpoint,) = stripe_server.state.endpoints[scope()]
    assert endpoint["url"] == BACKEND + HOOK
    assert endpoint["enabled_events"] == list(MEDUSA_EVENTS)
    assert env_path.read_text() == before + (
        f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}\nSTRIPE_WEBHOOK_ENDPOINT_ID={endpoint['id']}\n"
    )
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert endpoint["secret"] not in result.stdout + result.stderr
    assert data["secret_written_to"] == str(env_path)


@pytest.mark.skipif(__import__("os").geteuid() != 0, reason="chown to another user needs root")
def test_register_keeps_the_env_files_owner_group_and_mode(
    store: Path, stripe_server: StripeServer
) -> None:
    """A backend/.env owned by the service user, 0640: still theirs and 0640 after the write."""
    import os

    env_path = make_store(store, stripe_server)
    os.chown(env_path, 65534, 65534)
    env_path.chmod(0o640)
    result = webhooks(store, "register", "--format", "json")
    assert result.exit_code == 0, result.stderr
    info = env_path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (65534, 65534, 0o640)
    assert not any("others" in note for note in result.json()["notes"])


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_register_removes_read_access_for_others_and_says_so(
    store: Path, stripe_server: StripeServer, fmt: str
) -> None:
    env_path = make_store(store, stripe_server)
    env_path.chmod(0o644)
    result = webhooks(store, "register", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o640
    assert "could be read by others (mode 0644)" in result.stdout
    assert "now 0640" in result.stdout


def test_register_keeps_the_inline_comment_of_the_replaced_line(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    with env_path.open("a") as handle:
        handle.write("STRIPE_WEBHOOK_SECRET=whsec_gone  # from the dashboard\n")
    assert webhooks(store, "register", "--rotate", "--yes").exit_code == 0
    (endpoint,) = stripe_server.state.endpoints[scope()]
    assert f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}  # from the dashboard\n" in (
        env_path.read_text()
    )


def test_register_twice_makes_one_endpoint_and_no_second_write(
    store: Path, stripe_server: StripeServer
) -> None:
    make_store(store, stripe_server)
    assert webhooks(store, "register").exit_code == 0
    posts = stripe_server.state.count("POST")
    second = webhooks(store, "register")
    assert second.exit_code == 0
    assert "up to date" in second.stdout
    assert len(stripe_server.state.endpoints[scope()]) == 1
    assert stripe_server.state.count("POST") == posts == 1
    assert stripe_server.state.count("DELETE") == 0


def test_register_enables_and_adds_missing_events_keeping_extras(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    endpoint_id = seed(
        stripe_server, BACKEND + HOOK, ["charge.succeeded", "payment_intent.created"], "disabled"
    )
    on_disk(env_path, "whsec_seeded1", endpoint_id)
    result = webhooks(store, "register")
    assert result.exit_code == 0, result.stderr
    (endpoint,) = stripe_server.state.endpoints[scope()]
    assert endpoint["id"] == endpoint_id and endpoint["status"] == "enabled"
    assert set(endpoint["enabled_events"]) == {"charge.succeeded", *MEDUSA_EVENTS}
    assert stripe_server.state.count("POST") == 1  # one update, no create


def test_register_exact_drops_extra_events(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    on_disk(
        env_path,
        "whsec_seeded1",
        seed(stripe_server, BACKEND + HOOK, ["charge.succeeded", *MEDUSA_EVENTS]),
    )
    assert webhooks(store, "register", "--exact").exit_code == 0
    assert stripe_server.state.endpoints[scope()][0]["enabled_events"] == list(MEDUSA_EVENTS)


def test_register_duplicates_reported_then_pruned(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    keep = seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    seed(stripe_server, BACKEND + HOOK, ["payment_intent.created"])
    on_disk(env_path, "whsec_unknown")  # no STRIPE_WEBHOOK_ENDPOINT_ID: the oldest is kept
    reported = webhooks(store, "register")
    assert reported.exit_code == 1
    assert "--prune-duplicates" in reported.stdout
    assert stripe_server.state.count("DELETE") == 0
    pruned = webhooks(store, "register", "--prune-duplicates")
    assert pruned.exit_code == 0
    assert [e["id"] for e in stripe_server.state.endpoints[scope()]] == [keep]


def test_rotate_deletes_the_old_endpoint_only_after_the_secret_is_on_disk(
    store: Path, stripe_server: StripeServer
) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    on_disk_at_delete: list[str] = []

    def observe(method: str, path: str) -> None:
        if method == "DELETE":
            on_disk_at_delete.append(env_path.read_text())

    stripe_server.state.observer = observe
    result = webhooks(store, "register", "--rotate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (endpoint,) = stripe_server.state.endpoints[scope()]
    assert endpoint["id"] != old
    assert (
        on_disk_at_delete and f"STRIPE_WEBHOOK_SECRET={endpoint['secret']}" in on_disk_at_delete[0]
    )


def test_dry_run_changes_nothing(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server)
    before = env_path.read_bytes()
    result = webhooks(store, "register", "--dry-run")
    assert result.exit_code == 0
    assert "plan (dry run, nothing changed)" in result.stdout
    assert stripe_server.state.count("POST") == stripe_server.state.count("DELETE") == 0
    assert env_path.read_bytes() == before


def test_show_secret(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    data = webhooks(store, "register", "--show-secret", "--format", "json").json()
    assert data["secret"] == stripe_server.state.endpoints[scope()][0]["secret"]


def test_write_to_a_file_the_backend_never_reads_is_refused(
    store: Path, stripe_server: StripeServer, tmp_path: Path
) -> None:
    """Issue 20 D: a secret the backend would not use is worse than none (exit 0, every
    webhook failing); refused before Stripe is asked, naming the file that is read."""
    make_store(store, stripe_server)
    target = tmp_path / "secrets.env"
    result = webhooks(store, "register", "--write-to", str(target))
    assert result.exit_code == 2, result.stderr
    assert "the backend never reads" in result.stderr and "backend/.env" in result.stderr
    assert stripe_server.state.count("POST") == 0 and not target.exists()


def test_live_key_without_a_tty_needs_yes(store: Path, stripe_server: StripeServer) -> None:
    env_path = make_store(store, stripe_server, key=LIVE_KEY)
    before = env_path.read_bytes()
    refused = webhooks(store, "register")
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    assert stripe_server.state.count("POST") == 0 and env_path.read_bytes() == before
    accepted = webhooks(store, "register", "--yes")
    assert accepted.exit_code == 0, accepted.stderr
    assert len(stripe_server.state.endpoints[scope(LIVE_KEY)]) == 1


def test_live_key_refuses_http(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server, key=LIVE_KEY)
    result = webhooks(store, "register", "--yes", "--url", "http://shop.example.com" + HOOK)
    assert result.exit_code == 2
    assert "HTTPS" in result.stderr
    assert stripe_server.state.count("POST") == 0


def test_route_not_served_is_refused_unless_forced(
    store: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    make_store(
        store, stripe_server, backend=medusa_server.url, path="/store/webhooks/payment/stripe"
    )
    refused = webhooks(store, "register")
    assert refused.exit_code == 1
    assert "publishable API key" in refused.stderr
    assert f"STRIPE_WEBHOOK_PATH={HOOK}" in refused.stderr
    assert stripe_server.state.count("POST") == 0
    forced = webhooks(store, "register", "--force")
    assert forced.exit_code == 0
    assert "--force" in forced.stdout


def test_route_served_is_registered(
    store: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    make_store(store, stripe_server, backend=medusa_server.url)
    result = webhooks(store, "register")
    assert result.exit_code == 0, result.stderr
    assert stripe_server.state.endpoints[scope()][0]["url"] == medusa_server.url + HOOK


def test_unreachable_backend_is_a_note(store: Path, stripe_server: StripeServer) -> None:
    with tcp_peer("close") as port:
        pass
    make_store(store, stripe_server, backend=f"http://127.0.0.1:{port}")
    result = webhooks(store, "register")
    assert result.exit_code == 0, result.stderr
    assert "the webhook route was not checked" in result.stdout


@pytest.mark.parametrize("key", ["sk_test_51CNRYunknownkey00000000009"])
def test_stripe_auth_failure(store: Path, stripe_server: StripeServer, key: str) -> None:
    make_store(store, stripe_server, key=key)
    result = webhooks(store, "register")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Stripe rejected STRIPE_API_KEY")
    assert "Traceback" not in result.stderr
    assert key not in result.stderr


def test_429_then_success(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    body = {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Slow"}}
    stripe_server.state.faults.append(("/v1/webhook_endpoints", 429, body))
    assert webhooks(store, "register").exit_code == 0
    assert len(stripe_server.state.endpoints[scope()]) == 1


# --- test -------------------------------------------------------------------------------------


def test_signed_test_event_verifies_with_stripes_own_code(
    store: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    secret = "whsec_CNRYtestsecret0000000000001"
    env_path = make_store(store, stripe_server, backend=medusa_server.url)
    env_path.write_text(env_path.read_text() + f"STRIPE_WEBHOOK_SECRET={secret}\n")
    result = webhooks(store, "test", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert (data["http_status"], data["status"]) == (200, "ok")
    assert "proves the route, not STRIPE_WEBHOOK_SECRET" in data["summary"]
    path, headers, body = medusa_server.state.hooks[-1]
    assert path == HOOK
    header = {k.lower(): v for k, v in headers.items()}["stripe-signature"]
    event = stripe_sdk.Webhook.construct_event(body, header, secret)
    assert event["type"] == "payment_intent.succeeded"
    assert secret not in result.stdout


def test_test_event_on_the_store_path_is_classified(
    store: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    env_path = make_store(
        store, stripe_server, backend=medusa_server.url, path="/store/webhooks/payment/stripe"
    )
    env_path.write_text(env_path.read_text() + "STRIPE_WEBHOOK_SECRET=whsec_x\n")
    result = webhooks(store, "test")
    assert result.exit_code == 1
    assert "400: NOT_FOUND" in result.stdout
    assert f"STRIPE_WEBHOOK_PATH={HOOK}" in result.stdout


def test_test_without_a_secret(store: Path, stripe_server: StripeServer) -> None:
    make_store(store, stripe_server)
    result = webhooks(store, "test")
    assert result.exit_code == 2
    assert "webhooks register" in result.stderr


def test_test_against_a_dead_url(store: Path, stripe_server: StripeServer) -> None:
    with tcp_peer("close") as port:
        pass
    env_path = make_store(store, stripe_server, backend=f"http://127.0.0.1:{port}")
    env_path.write_text(env_path.read_text() + "STRIPE_WEBHOOK_SECRET=whsec_x\n")
    result = webhooks(store, "test")
    assert result.exit_code == 1
    assert "refused" in result.stderr
