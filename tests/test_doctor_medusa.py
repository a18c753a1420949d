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
    env = with_stripe(
        medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/store/webhooks/payment/stripe"
    )
    result = doctor(env)
    route = by_check(result)["webhook-route"]
    assert (route["status"], route["stage"]) == ("fail", "NOT_FOUND")
    assert "publishable API key" in route["summary"]
    assert route["hint"].startswith("set STRIPE_WEBHOOK_PATH=/hooks/payment/stripe_stripe")
    assert (route["fix_kind"], route["fix_apply"]) == (
        "env",
        "STRIPE_WEBHOOK_PATH=/hooks/payment/stripe_stripe",
    )
    # the probe carried no admin credentials to the webhook URL
    method, path, _query, _body = next(
        r for r in medusa_server.state.requests if r[1] == "/store/webhooks/payment/stripe"
    )
    assert method == "POST"


def test_stock_hook_path(medusa_server: MedusaServer, stripe_server: StripeServer) -> None:
    """The route is proven without a delivery: an OPTIONS and the provider list, no POST
    (a POST leaves an error in a real backend's log on every run: contract, "Side effects")."""
    env = with_stripe(
        medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/hooks/payment/stripe_stripe"
    )
    route = by_check(doctor(env))["webhook-route"]
    assert route["status"] == "ok"
    assert "pp_stripe_stripe is registered" in route["summary"]
    assert "no delivery sent" in route["summary"]
    sent = [(m, p) for m, p, _q, _b in medusa_server.state.requests if p.startswith("/hooks/")]
    assert sent == [("OPTIONS", "/hooks/payment/stripe_stripe")]
    assert medusa_server.state.hooks == []
    assert medusa_server.state.count("GET", "/admin/payments/payment-providers") >= 1


def test_hook_path_whose_provider_is_not_registered_fails(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    env = with_stripe(medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/hooks/payment/nope")
    route = by_check(doctor(env))["webhook-route"]
    assert (route["status"], route["stage"]) == ("fail", "NOT_FOUND")
    assert "no payment provider pp_nope" in route["summary"]
    assert medusa_server.state.hooks == []


def test_hook_path_without_admin_credentials_warns_for_another_id(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    base = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": stripe_server.url}
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, **base}
    other = by_check(doctor({**env, "STRIPE_WEBHOOK_PATH": "/hooks/payment/nope"}))
    assert other["webhook-route"]["status"] == "warn"
    stock = by_check(doctor({**env, "STRIPE_WEBHOOK_PATH": "/hooks/payment/stripe_stripe"}))
    assert stock["webhook-route"]["status"] == "ok"
    assert "pp_stripe_stripe was not looked for" in stock["webhook-route"]["summary"]
    assert medusa_server.state.hooks == []


def test_signed_or_unsigned_no_post_reaches_the_hooks_route(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    """Even with STRIPE_WEBHOOK_SECRET known, doctor sends nothing Medusa would process."""
    env = with_stripe(
        medusa_server,
        stripe_server,
        STRIPE_WEBHOOK_PATH="/hooks/payment/stripe_stripe",
        STRIPE_WEBHOOK_SECRET="whsec_CNRYwebhooksecret00000001",
    )
    assert by_check(doctor(env))["webhook-route"]["status"] == "ok"
    assert medusa_server.state.count("POST", "/hooks/") == 0


def test_unknown_route_is_not_found(
    medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    env = with_stripe(medusa_server, stripe_server, STRIPE_WEBHOOK_PATH="/webhooks/stripe")
    route = by_check(doctor(env))["webhook-route"]
    assert (route["status"], route["stage"]) == ("fail", "NOT_FOUND")
    # an OPTIONS outside the hooks router is Express's 404; nothing was POSTed
    assert medusa_server.state.count("OPTIONS", "/webhooks/stripe") == 1
    assert medusa_server.state.count("POST", "/webhooks/") == 0


def test_the_double_answers_options_as_express_does(medusa_server: MedusaServer) -> None:
    """The double's OPTIONS (the route check relies on it): 200 `Allow: POST` on the hooks
    route for any provider id, Express's HTML 404 outside the routers."""
    import httpx

    hook = httpx.options(f"{medusa_server.url}/hooks/payment/anything_at_all")
    assert (hook.status_code, hook.headers["allow"], hook.text) == (200, "POST", "POST")
    outside = httpx.options(f"{medusa_server.url}/webhooks/stripe")
    assert outside.status_code == 404
    assert outside.headers["content-type"].startswith("text/html")
    assert "Cannot OPTIONS /webhooks/stripe" in outside.text
    assert medusa_server.state.hooks == []


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
