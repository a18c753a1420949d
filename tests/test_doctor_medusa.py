"""doctor against the local Medusa double: health, admin auth, the webhook route, regions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from testing.medusa_server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API_KEY,
    MFA_EMAIL,
    MedusaServer,
)
from testing.stripe_server import TEST_KEY, StripeServer
from testing.tcp import tcp_peer
from tests.conftest import Result, run


def medusa_env(server: MedusaServer, **extra: str) -> dict[str, str]:
    env = {"MEDUSA_BACKEND_URL": server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    env.update(extra)
    return env


def doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "medusa", "--format", "json", "--timeout", "5", *args, env=env)


def by_check(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if not c["check"].startswith("medusa.")}


def test_health_and_api_key(medusa_server: MedusaServer) -> None:
    result = doctor(medusa_env(medusa_server))
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    # then what the running backend loaded (tests/test_payments_sync.py)
    assert list(checks) == [
        "health",
        "admin-auth",
        "cors-auth-admin",
        "cors-admin",
        "files-loaded",
        "mail-recorded",
    ]
    assert checks["admin-auth"]["summary"] == "secret API key (HTTP Basic) accepted"
    assert API_KEY not in result.stdout


def test_email_and_password(medusa_server: MedusaServer) -> None:
    env = {
        "MEDUSA_BACKEND_URL": medusa_server.url,
        "MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL,
        "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    result = doctor(env)
    assert result.exit_code == 0, result.stdout
    assert by_check(result)["admin-auth"]["summary"] == "email and password (JWT) accepted"
    assert ADMIN_PASSWORD not in result.stdout


@pytest.mark.parametrize(
    ("env_extra", "words"),
    [
        ({"MEDUSA_ADMIN_API_KEY": "sk_" + "0" * 64}, "Unauthorized"),
        (
            {
                "MEDUSA_ADMIN_API_KEY": "",
                "MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL,
                "MEDUSA_ADMIN_PASSWORD": "wrong",
            },
            "Invalid email or password",
        ),
        (
            {
                "MEDUSA_ADMIN_API_KEY": "",
                "MEDUSA_ADMIN_EMAIL": MFA_EMAIL,
                "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD,
            },
            "second step",
        ),
    ],
    ids=["bad-key", "bad-password", "mfa"],
)
def test_admin_auth_failures(
    medusa_server: MedusaServer, env_extra: dict[str, str], words: str
) -> None:
    result = doctor(medusa_env(medusa_server, **env_extra))
    assert result.exit_code == 1
    auth = by_check(result)["admin-auth"]
    assert (auth["status"], auth["stage"]) == ("fail", "AUTH")
    assert words in auth["summary"]


def test_no_admin_credentials_skips(medusa_server: MedusaServer) -> None:
    result = doctor({"MEDUSA_BACKEND_URL": medusa_server.url})
    assert result.exit_code == 0
    assert by_check(result)["admin-auth"]["status"] == "skip"


def test_not_a_medusa_backend() -> None:
    with tcp_peer("close") as port:
        pass
    health = by_check(doctor({"MEDUSA_BACKEND_URL": f"http://127.0.0.1:{port}"}))["health"]
    assert (health["status"], health["stage"]) == ("fail", "CONNECT")


def test_backend_that_never_answers() -> None:
    with tcp_peer("silent") as port:
        start = time.monotonic()
        result = doctor({"MEDUSA_BACKEND_URL": f"http://127.0.0.1:{port}"}, "--timeout", "1")
        assert time.monotonic() - start < 2
    health = by_check(result)["health"]
    assert (health["status"], health["stage"]) == ("fail", "TIMEOUT")


def with_stripe(medusa: MedusaServer, stripe: StripeServer, **extra: str) -> dict[str, str]:
    return medusa_env(medusa, STRIPE_API_KEY=TEST_KEY, STRIPE_API_BASE=stripe.url, **extra)


def test_document_path_on_a_stock_backend_is_refused(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    result = doctor(with_stripe(medusa_server, stripe_server))
    route = by_check(result)["webhook-route"]
    assert (route["status"], route["stage"]) == ("fail", "NOT_FOUND")
    assert "publishable API key" in route["summary"]
    assert "STRIPE_WEBHOOK_PATH=/hooks/payment/stripe_stripe" in route["hint"]
    # the probe carried no admin credentials to the webhook URL
    method, path, _query, _body = next(
        r for r in medusa_server.state.requests if r[1] == "/store/webhooks/payment/stripe"
    )
    assert method == "POST"


def test_stock_hook_path(medusa_server: MedusaServer, stripe_server: StripeServer) -> None:
    env = with_stripe(
        medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/hooks/payment/stripe_stripe"
    )
    route = by_check(doctor(env))["webhook-route"]
    assert route["status"] == "ok"
    assert "proves the route, not STRIPE_WEBHOOK_SECRET" in route["summary"]


def test_hook_path_for_another_provider_id_warns(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    env = with_stripe(medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/hooks/payment/nope")
    route = by_check(doctor(env))["webhook-route"]
    assert route["status"] == "warn"


def test_unknown_route_is_not_found(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    env = with_stripe(medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/webhooks/stripe")
    route = by_check(doctor(env))["webhook-route"]
    assert (route["status"], route["stage"]) == ("fail", "NOT_FOUND")


def test_regions_without_stripe_are_named(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    medusa_server.state.region("Europe")["payment_providers"].append("pp_stripe_stripe")
    regions = by_check(doctor(with_stripe(medusa_server, stripe_server)))["regions"]
    assert (regions["status"], regions["stage"]) == ("warn", "CONFIG")
    assert "1 of 2 regions: North America" in regions["summary"]
    assert "storectl regions enable-stripe" in regions["hint"]


def test_all_regions_with_stripe(medusa_server: MedusaServer, stripe_server: StripeServer) -> None:
    for region in medusa_server.state.regions:
        region["payment_providers"].append("pp_stripe_stripe")
    regions = by_check(doctor(with_stripe(medusa_server, stripe_server)))["regions"]
    assert regions["status"] == "ok"
