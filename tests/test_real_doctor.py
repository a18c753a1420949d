"""doctor against a real Medusa (testing/real_medusa.py), every medusa and storefront check, and
no trace left in the store's log: the verdicts a user of a healthy store expects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from testing.real_medusa import WEBHOOK_PATH, RealMedusa, assert_no_trace
from testing.stripe_server import StripeServer
from tests.conftest import Result, run

pytestmark = pytest.mark.real_backend


def doctor(backend: RealMedusa, stripe: StripeServer, *args: str) -> Result:
    return run(
        "doctor",
        "--project",
        str(backend.project),
        "--format",
        "json",
        *args,
        env={"STRIPE_API_BASE": stripe.url},
    )


def checks(result: Result) -> dict[str, dict[str, Any]]:
    """Every reported check by provider and name."""
    return {f"{c['provider']}:{c['check']}": c for c in result.json()["checks"]}


def healthy_stripe(backend: RealMedusa, stripe: StripeServer) -> None:
    """The account's webhook endpoint for this backend, as `webhooks register` leaves it."""
    stripe.state.seed(backend.url + WEBHOOK_PATH)


def test_a_healthy_store_is_green(real_backend: RealMedusa, stripe_server: StripeServer) -> None:
    healthy_stripe(real_backend, stripe_server)
    mark = real_backend.mark()
    result = doctor(real_backend, stripe_server)
    reported = checks(result)
    failed = {k: v for k, v in reported.items() if v["status"] in ("fail", "error")}
    assert failed == {}, json.dumps(failed, indent=1)
    assert result.exit_code == 0, result.stdout
    for name in (
        "medusa:health",
        "medusa:admin-auth",
        "medusa:webhook-route",
        "medusa:regions",
        "medusa:providers-loaded",
        "medusa:files-loaded",
        "medusa:mail-recorded",
        "storefront:publishable-key",
        "storefront:cors-store",
        "storefront:cors-auth-customer",
        "storefront:product-images",
        "storefront:key-sales-channel",
        "storefront:stock-location",
        "storefront:shipping-options",
        "stripe:key",
        "stripe:webhook",
    ):
        assert name in reported, sorted(reported)
    assert reported["medusa:regions"]["status"] == "ok", reported["medusa:regions"]
    assert_no_trace(real_backend, mark)


def test_doctor_leaves_no_error_in_the_log(
    real_backend: RealMedusa, stripe_server: StripeServer
) -> None:
    healthy_stripe(real_backend, stripe_server)
    mark = real_backend.mark()
    doctor(real_backend, stripe_server)
    assert_no_trace(real_backend, mark)


def test_every_check_a_real_run_reports_is_in_the_catalogue(
    real_backend: RealMedusa, stripe_server: StripeServer
) -> None:
    """`doctor --list-checks` is what runs: every live check a real store's run reports is in
    it, and every medusa and storefront check it lists ran (the lint's dotted codes aside)."""
    healthy_stripe(real_backend, stripe_server)
    ran = {
        (c["provider"], c["check"])
        for c in doctor(real_backend, stripe_server).json()["checks"]
        # `active` is the row of a provider that is not configured (S3, SMTP, Redis here)
        if "." not in c["check"] and c["check"] != "active"
    }
    listed = run("doctor", "--list-checks", "--format", "json").json()["checks"]
    catalogue = {(c["provider"], c["check"]) for c in listed}
    assert ran - catalogue == set()
    # production only, a second URL, a live account, no backend URL at all, or an admin on
    # another origin: not on this development store
    elsewhere = {"session-cookie", "same-backend", "charges", "backend-url"}
    for provider in ("medusa", "storefront"):
        expected = {c for p, c in catalogue if p == provider} - elsewhere
        assert expected <= {c for p, c in ran if p == provider}, provider
