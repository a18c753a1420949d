"""doctor against a real Medusa (testing/real_medusa.py), every medusa and storefront check, and
no trace left in the store's log: the verdicts a user of a healthy store expects."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest

from testing.procs import wait_until
from testing.real_medusa import WEBHOOK_PATH, WEBHOOK_SECRET, RealMedusa
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


def signed_sentinel(backend: RealMedusa) -> str:
    """Post a correctly signed event of a type Medusa does not map, as Stripe would: Medusa logs
    only its "Processing payment.webhook_received" line. Returns the event id."""
    event_id = f"evt_sentinel{time.monotonic_ns()}"
    intent = {"id": "pi_sentinel", "object": "payment_intent", "metadata": {}}
    body = json.dumps(
        {"id": event_id, "object": "event", "type": "storectl.sentinel", "data": {"object": intent}}
    )
    stamp = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256)
    answer = httpx.post(
        backend.origin + WEBHOOK_PATH,
        content=body,
        headers={
            "content-type": "application/json",
            "stripe-signature": f"t={stamp},v1={mac.hexdigest()}",
        },
    )
    assert answer.status_code == 200, answer.text
    return event_id


def assert_no_trace(backend: RealMedusa, mark: int) -> None:
    """The backend processed everything up to a sentinel posted now, and logged no error since
    `mark`: Medusa handles a webhook seconds after its 200, so wait on the sentinel, not a sleep."""
    before = sum(
        "payment.webhook_received" in json.dumps(line) for line in backend.log_lines()[mark:]
    )
    signed_sentinel(backend)

    def processed() -> bool:
        seen = [
            line for line in backend.log_lines()[mark:] if "webhook_received" in json.dumps(line)
        ]
        return len(seen) > before

    wait_until(processed, "the sentinel webhook in the backend's log", timeout=30)
    assert backend.errors_since(mark) == []


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
