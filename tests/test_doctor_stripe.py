"""doctor against the local Stripe double: keys, modes, restricted keys, webhooks, faults."""

from __future__ import annotations

import time
from typing import Any

import pytest

from testing.stripe_server import (
    EXPIRED_KEY,
    INACTIVE_LIVE_KEY,
    LIVE_KEY,
    MEDUSA_EVENTS,
    RESTRICTED_KEY,
    TEST_KEY,
    StripeServer,
)
from testing.tcp import tcp_peer
from tests.conftest import Result, run

BACKEND = "https://shop.example.com"
EXPECTED = f"{BACKEND}/hooks/payment/stripe_stripe"
SECRET = "whsec_CNRYwebhooksecret00000001"


def stripe_env(server: StripeServer, key: str = TEST_KEY, **extra: str) -> dict[str, str]:
    env = {
        "STRIPE_API_KEY": key,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": server.url,
        "MEDUSA_BACKEND_URL": BACKEND,
    }
    env.update(extra)
    return env


def add_endpoint(
    server: StripeServer,
    url: str = EXPECTED,
    events: list[str] | None = None,
    status: str = "enabled",
    scope: str = "acct_1CNRYtest:test",
) -> None:
    server.state.seed(url, events, status, scope)


def doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "stripe", "--format", "json", "--timeout", "5", *args, env=env)


def by_check(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if not c["check"].startswith("stripe.")}


def test_all_green(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    result = doctor(stripe_env(stripe_server, NEXT_PUBLIC_STRIPE_KEY="pk_test_abc"))
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    assert list(checks) == [
        "key",
        "mode",
        "webhook",
        "webhook-secret",
    ]
    # payments-sync and deliveries need Medusa too: not run by --only stripe
    # (tests/test_payments_sync.py::test_only_stripe_never_asks_medusa)
    assert all(c["status"] == "ok" for c in checks.values())
    assert "acct_1CNRYtest (Acceptance Shop, DE)" in checks["key"]["summary"]
    assert checks["mode"]["summary"] == (
        "test mode and NEXT_PUBLIC_STRIPE_KEY agrees in environment 'development'"
    )
    assert TEST_KEY not in result.stdout and SECRET not in result.stdout
    # read-only: no POST or DELETE reached Stripe
    assert stripe_server.state.count("POST") == stripe_server.state.count("DELETE") == 0


@pytest.mark.parametrize(
    ("key", "words"),
    [("sk_test_51CNRYunknownkey00000000009", "rejected"), (EXPIRED_KEY, "expired")],
)
def test_bad_keys_fail_auth(stripe_server: StripeServer, key: str, words: str) -> None:
    result = doctor(stripe_env(stripe_server, key))
    assert result.exit_code == 1
    check = by_check(result)["key"]
    assert (check["status"], check["stage"]) == ("fail", "AUTH")
    assert words in check["summary"]
    assert key not in result.stdout


def test_restricted_key_is_a_warning_naming_the_permission(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    result = doctor(stripe_env(stripe_server, RESTRICTED_KEY))
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    assert (checks["key"]["status"], checks["key"]["stage"]) == ("warn", "PERMISSION")
    assert "rak_account_read" in checks["key"]["summary"]
    assert checks["mode"]["status"] == "ok"  # /v1/balance still answered


def test_publishable_key_of_the_other_mode(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    result = doctor(stripe_env(stripe_server, NEXT_PUBLIC_STRIPE_KEY="pk_live_abc"))
    mode = by_check(result)["mode"]
    assert (mode["status"], mode["stage"]) == ("fail", "CONFIG")
    assert "pk_test_" in mode["hint"]


def test_live_account_without_charges(stripe_server: StripeServer) -> None:
    result = doctor(stripe_env(stripe_server, INACTIVE_LIVE_KEY))
    charges = by_check(result)["charges"]
    assert (charges["status"], charges["stage"]) == ("warn", "CONFIG")


def test_webhook_missing(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, url="https://elsewhere.example.com/hooks")
    webhook = by_check(doctor(stripe_env(stripe_server)))["webhook"]
    assert (webhook["status"], webhook["stage"]) == ("fail", "NOT_FOUND")
    assert EXPECTED in webhook["summary"] and "elsewhere.example.com" in webhook["summary"]
    assert "storectl webhooks register" in webhook["hint"]


def test_webhook_disabled(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, status="disabled")
    webhook = by_check(doctor(stripe_env(stripe_server)))["webhook"]
    assert (webhook["status"], webhook["stage"]) == ("fail", "CONFIG")
    assert "disabled" in webhook["summary"]


def test_webhook_missing_state_events_fails(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, events=["payment_intent.created"])
    webhook = by_check(doctor(stripe_env(stripe_server)))["webhook"]
    assert webhook["status"] == "fail"
    assert "payment_intent.succeeded" in webhook["summary"]


def test_webhook_missing_other_events_warns(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, events=[e for e in MEDUSA_EVENTS if e != "payment_intent.created"])
    webhook = by_check(doctor(stripe_env(stripe_server)))["webhook"]
    assert (webhook["status"], webhook["summary"].split(" lacks ")[1]) == (
        "warn",
        "payment_intent.created",
    )


def test_webhook_all_events_wildcard(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, events=["*"])
    assert by_check(doctor(stripe_env(stripe_server)))["webhook"]["status"] == "ok"


def test_webhook_duplicates(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    add_endpoint(stripe_server, url=EXPECTED + "/")
    webhook = by_check(doctor(stripe_env(stripe_server)))["webhook"]
    assert webhook["status"] == "warn"
    assert "--prune-duplicates" in webhook["hint"]


def test_webhook_paginates_past_100(stripe_server: StripeServer) -> None:
    for index in range(120):
        add_endpoint(stripe_server, url=f"https://other{index}.example.com/")
    add_endpoint(stripe_server)
    stripe_server.state.endpoints["acct_1CNRYtest:test"].reverse()  # ours is the oldest
    assert by_check(doctor(stripe_env(stripe_server)))["webhook"]["status"] == "ok"
    assert stripe_server.state.count("GET", "/v1/webhook_endpoints") == 2


def test_webhook_url_from_path_and_override(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server, url=f"{BACKEND}/hooks/payment/stripe_stripe")
    env = stripe_env(stripe_server, STRIPE_WEBHOOK_PATH="/hooks/payment/stripe_stripe")
    assert by_check(doctor(env))["webhook"]["status"] == "ok"
    env = stripe_env(stripe_server, STRIPE_WEBHOOK_URL=f"{BACKEND}/hooks/payment/stripe_stripe")
    del env["MEDUSA_BACKEND_URL"]
    assert by_check(doctor(env))["webhook"]["status"] == "ok"


def test_no_backend_url_skips_the_webhook(stripe_server: StripeServer) -> None:
    env = stripe_env(stripe_server)
    del env["MEDUSA_BACKEND_URL"]
    assert by_check(doctor(env))["webhook"]["status"] == "skip"


def test_webhook_secret_missing(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    env = stripe_env(stripe_server)
    del env["STRIPE_WEBHOOK_SECRET"]
    result = doctor(env)
    assert result.exit_code == 1
    assert by_check(result)["webhook-secret"]["stage"] == "CONFIG"


def test_429_then_success_is_retried(stripe_server: StripeServer) -> None:
    add_endpoint(stripe_server)
    body = {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many"}}
    stripe_server.state.faults.append(("/v1/account", 429, body))
    result = doctor(stripe_env(stripe_server))
    assert result.exit_code == 0, result.stdout
    assert stripe_server.state.count("GET", "/v1/account") == 2


def test_persistent_500_is_a_classified_failure(stripe_server: StripeServer) -> None:
    body = {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
    stripe_server.state.faults.extend([("/v1/account", 500, body)] * 3)
    result = doctor(stripe_env(stripe_server))
    key = by_check(result)["key"]
    assert (key["status"], key["stage"]) == ("fail", "PROTOCOL")
    assert stripe_server.state.count("GET", "/v1/account") == 3  # 1 + 2 bounded retries


def test_connection_refused() -> None:
    with tcp_peer("close") as port:
        pass
    env = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": f"http://127.0.0.1:{port}"}
    key = by_check(doctor(env))["key"]
    assert (key["status"], key["stage"]) == ("fail", "CONNECT")


def test_a_peer_that_never_answers() -> None:
    with tcp_peer("silent") as port:
        env = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": f"http://127.0.0.1:{port}"}
        start = time.monotonic()
        result = doctor(env, "--timeout", "1")
        assert time.monotonic() - start < 2
    (check,) = by_check(result).values()
    assert (check["status"], check["stage"]) == ("fail", "TIMEOUT")


def test_live_key_never_printed(stripe_server: StripeServer) -> None:
    result = run("doctor", "--only", "stripe", env=stripe_env(stripe_server, LIVE_KEY))
    assert LIVE_KEY not in result.stdout + result.stderr
