"""`storectl smoke` against a real Medusa (testing/real_medusa.py) with the system provider: a
real guest checkout through the store API, the order found in the admin, canceled, its
reservation released, and no error in the store's log."""

from __future__ import annotations

import json

import pytest

from testing.real_medusa import Admin, RealMedusa
from tests.conftest import run

pytestmark = pytest.mark.real_backend


def test_a_real_checkout_is_placed_checked_and_cleaned_up(real_backend: RealMedusa) -> None:
    mark = real_backend.mark()
    result = run(
        "smoke",
        "--project",
        str(real_backend.project),
        "--payment",
        "system",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    statuses = {s["check"]: s["status"] for s in report["steps"]}
    assert statuses == {
        "region": "ok",
        "variant": "ok",
        "payment-provider": "ok",
        "cart": "ok",
        "line-item": "ok",
        "address": "ok",
        "shipping": "ok",
        "payment-session": "ok",
        "complete": "ok",
        "order": "ok",
        "webhook": "skip",
        "mail": "skip",
        "reservation": "ok",
        "cancel": "ok",
        "released": "ok",
    }
    order_id = report["created"]["order_id"]
    admin = Admin(real_backend.url)
    fields = "id,status,email,metadata,total"
    order = admin.get(f"/admin/orders/{order_id}", fields=fields)["order"]
    assert order["status"] == "canceled"
    assert order["metadata"] == {"storectl_smoke": report["plan"]["run_id"]}
    assert order["email"] == report["plan"]["email"]
    assert order["email"].endswith("@example.com")
    items = admin.get(f"/admin/orders/{order_id}", fields="items.id")["order"]["items"]
    held = admin.get("/admin/reservations", line_item_id=[i["id"] for i in items])
    assert held["reservations"] == []
    assert real_backend.errors_since(mark) == []


def test_a_dry_run_on_the_real_backend_creates_nothing(real_backend: RealMedusa) -> None:
    admin = Admin(real_backend.url)
    before = admin.get("/admin/orders", fields="id", limit=1)["count"]
    result = run(
        "smoke", "--project", str(real_backend.project), "--payment", "system", "--dry-run"
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Tier Hoodie" in result.stdout and "pp_system_default" in result.stdout
    assert admin.get("/admin/orders", fields="id", limit=1)["count"] == before


def test_stripe_on_the_tier_is_refused_or_used_in_test_mode(real_backend: RealMedusa) -> None:
    """The tier's Europe offers Stripe with a test key: auto picks it (the backend cannot reach
    the Stripe double, so only the plan is asserted, with --dry-run)."""
    result = run("smoke", "--project", str(real_backend.project), "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["plan"]["provider"] == "pp_stripe_stripe"
