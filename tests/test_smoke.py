"""`storectl smoke` through the CLI against the Medusa double (its store checkout) and the Stripe
double (PaymentIntents confirmed with pm_card_visa, the webhook it sends): the happy paths, a
failure at each step with its stage and hint, the cleanup, and every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.medusa_checkout import checkout
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.stripe_server import LIVE_KEY, TEST_KEY, StripeServer
from tests.conftest import Result, assert_parses_as_xml, run, write

STRIPE = "pp_stripe_stripe"
HOOK = "/hooks/payment/stripe_stripe"
SECRET = "whsec_smoketest0000000000000000"


def make_store(
    store: Path,
    medusa: MedusaServer,
    stripe: StripeServer | None = None,
    *,
    key: str = TEST_KEY,
    admin: bool = True,
) -> None:
    backend = [f"MEDUSA_BACKEND_URL={medusa.url}"]
    if admin:
        backend.append(f"MEDUSA_ADMIN_API_KEY={API_KEY}")
    if stripe is not None:
        backend += [
            f"STRIPE_API_KEY={key}",
            f"STRIPE_API_BASE={stripe.url}",
            f"STRIPE_WEBHOOK_SECRET={SECRET}",
            f"STRIPE_WEBHOOK_PATH={HOOK}",
        ]
    write(store / "backend/.env", "\n".join(backend) + "\n")
    write(
        store / "storefront/.env.local",
        f"MEDUSA_BACKEND_URL={medusa.url}\nNEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY={PUBLISHABLE_KEY}\n",
    )


def with_stripe(medusa: MedusaServer, stripe: StripeServer, capture: str = "manual") -> None:
    """The region offers Stripe; the backend's provider talks to the Stripe double, whose
    endpoint for this store has the store's secret."""
    medusa.state.region("Europe")["payment_providers"].append(STRIPE)
    c = checkout(medusa.state)
    c.stripe_url, c.stripe_key, c.stripe_capture, c.webhook_secret = (
        stripe.url,
        TEST_KEY,
        capture,
        SECRET,
    )
    stripe.state.seed(medusa.url + HOOK)
    stripe.state.endpoints["acct_1CNRYtest:test"][0]["secret"] = SECRET


def smoke(store: Path, *args: str) -> Result:
    return run(
        "smoke",
        "--project",
        str(store),
        "--timeout",
        "30",
        "--webhook-wait",
        "5",
        "--mail-wait",
        "1",
        *args,
    )


def steps(result: Result) -> dict[str, dict[str, object]]:
    return {s["check"]: s for s in json.loads(result.stdout)["steps"]}


def test_system_checkout_is_placed_checked_and_canceled(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_store(store, medusa_server)
    result = smoke(store, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["command"] == "smoke" and report["schema_version"] == 1
    assert [s["check"] for s in report["steps"]] == [
        "region",
        "variant",
        "payment-provider",
        "cart",
        "line-item",
        "address",
        "shipping",
        "payment-session",
        "complete",
        "order",
        "webhook",
        "mail",
        "reservation",
        "cancel",
        "released",
    ]
    assert steps(result)["webhook"]["status"] == "skip"
    order = medusa_server.state.orders[report["created"]["order_id"]]
    assert order["status"] == "canceled"
    assert order["metadata"] == {"storectl_smoke": report["plan"]["run_id"]}
    assert order["email"].startswith("storectl-smoke+") and order["email"].endswith("@example.com")
    assert order["total"] == 24.9  # the shirt at 19.90 and the cheapest shipping at 5
    assert checkout(medusa_server.state).reservations == []
    assert report["plan"]["provider"] == "pp_system_default"
    assert any("canceled" in line for line in report["left_in_admin"])
    timing = report["timing"]
    assert timing["requests"] >= 14 and timing["requests_ms"] <= timing["total_ms"]


def test_stripe_in_test_mode_confirms_the_intent_and_sees_the_webhook(
    store: Path, medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    make_store(store, medusa_server, stripe_server)
    with_stripe(medusa_server, stripe_server)
    result = smoke(store, "--region", "Europe", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    found = steps(result)
    assert "requires_capture (pm_card_visa)" in str(found["stripe-confirm"]["summary"])
    assert "amount_capturable_updated delivered" in str(found["webhook"]["summary"])
    intent = stripe_server.state.intents[-1]
    assert intent["status"] == "canceled" and intent["metadata"]["session_id"].startswith("payses_")
    confirm = [p for m, path, p in stripe_server.state.requests if path.endswith("/confirm")]
    assert confirm and confirm[0]["payment_method"] == "pm_card_visa"


def test_automatic_capture_is_refunded_and_a_wrong_secret_shows_at_the_webhook(
    store: Path, medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    make_store(store, medusa_server, stripe_server)
    with_stripe(medusa_server, stripe_server, capture="automatic")
    result = smoke(store, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert "refunded" in str(steps(result)["stripe-cleanup"]["summary"])
    checkout(medusa_server.state).webhook_secret = "whsec_rotatedsomewhereelse00000"
    # the event is delivered at once; Medusa never records the payment, so the wait runs out
    result = smoke(store, "--format", "json", "--webhook-wait", "1")
    assert result.exit_code == 1
    webhook = steps(result)["webhook"]
    assert webhook["status"] == "fail" and webhook["stage"] == "AUTH"
    assert "STRIPE_WEBHOOK_SECRET" in str(webhook["hint"])
    assert steps(result)["cancel"]["status"] == "ok"  # cleaned up all the same


def test_a_webhook_that_never_arrives(
    store: Path, medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    make_store(store, medusa_server, stripe_server)
    with_stripe(medusa_server, stripe_server)
    stripe_server.state.deliver = False
    result = run("smoke", "--project", str(store), "--webhook-wait", "0.5", "--format", "json")
    assert result.exit_code == 1
    webhook = steps(result)["webhook"]
    assert webhook["stage"] == "TIMEOUT" and "pending_webhooks" in str(webhook["summary"])
    assert "storectl webhooks test" in str(webhook["hint"])


def test_a_declined_payment_stops_before_complete_and_cancels_the_intent(
    store: Path, medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    make_store(store, medusa_server, stripe_server)
    with_stripe(medusa_server, stripe_server)
    stripe_server.state.faults.append(
        (
            "/v1/payment_intents/",
            402,
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                }
            },
        )
    )
    result = smoke(store, "--format", "json")
    assert result.exit_code == 1
    confirm = steps(result)["stripe-confirm"]
    assert confirm["status"] == "fail" and "declined" in str(confirm["summary"])
    assert stripe_server.state.intents[-1]["status"] == "canceled"
    assert "complete" not in steps(result)
    assert not [o for o in medusa_server.state.orders.values() if o.get("metadata")]


def test_complete_answering_type_cart_is_a_payment_failure(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_store(store, medusa_server)
    checkout(medusa_server.state).refuse_payment = True
    result = smoke(store, "--format", "json")
    assert result.exit_code == 1, result.stdout
    complete = steps(result)["complete"]
    assert complete["status"] == "fail"
    assert "answered 200 with type 'cart'" in str(complete["summary"])
    assert "Payment authorization failed" in str(complete["summary"])
    assert "payment provider" in str(complete["hint"])
    assert "order" not in steps(result)


def test_a_cart_answer_without_its_cart_is_a_protocol_failure(
    store: Path, medusa_server: MedusaServer
) -> None:
    """A 200 of the wrong shape fails the step as PROTOCOL, naming the field (no traceback)."""
    make_store(store, medusa_server)
    checkout(medusa_server.state).cartless = True
    result = smoke(store, "--format", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    cart = steps(result)["cart"]
    assert cart["status"] == "fail"
    assert cart["stage"] == "PROTOCOL"
    assert "POST /store/carts answered no `cart`" in str(cart["summary"])
    assert "Traceback" not in result.stderr
    assert "line-item" not in steps(result)


@pytest.mark.parametrize(
    ("setup", "step", "words"),
    [
        ("no-price", "variant", "no price in region North America"),
        ("no-shipping", "shipping", "no shipping option serves country de"),
        ("no-stock", "variant", "no stock"),
        ("no-location", "line-item", "no stock location for variant"),
    ],
)
def test_a_store_that_cannot_sell_names_the_step_and_the_fix(
    store: Path, medusa_server: MedusaServer, setup: str, step: str, words: str
) -> None:
    make_store(store, medusa_server)
    c = checkout(medusa_server.state)
    args = ["--format", "json"]
    if setup == "no-price":
        for variant in c.variants.values():
            variant["prices"].pop("usd")
        args += ["--country", "us"]
    elif setup == "no-shipping":
        medusa_server.state.shipping_options[0]["countries"] = ["fr", "us", "ca"]
        args += ["--country", "de"]
    elif setup == "no-stock":
        for variant in c.variants.values():
            variant["stock"] = 0
    else:
        medusa_server.state.stock_locations[0]["sales_channels"] = []
    result = smoke(store, *args)
    assert result.exit_code == 1, result.stdout
    failed = steps(result)[step]
    assert failed["status"] == "fail"
    assert words in str(failed["summary"]) + str(failed["hint"])
    assert failed["hint"]


def test_cancel_refused_names_the_order_left_open(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    checkout(medusa_server.state).refuse_cancel = True
    result = smoke(store, "--format", "json")
    assert result.exit_code == 1
    cancel = steps(result)["cancel"]
    assert cancel["status"] == "fail" and "fulfillments must be canceled" in str(cancel["summary"])
    report = json.loads(result.stdout)
    assert "NOT canceled" in report["left_in_admin"][0]
    assert report["cleanup"].startswith("incomplete")


def test_keep_leaves_the_order_open(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    result = smoke(store, "--keep", "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert medusa_server.state.orders[report["created"]["order_id"]]["status"] == "pending"
    assert "cancel" not in steps(result) and report["cleanup"] == "kept (--keep)"


def test_dry_run_creates_nothing_and_lists_the_stores_subscribers(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_store(store, medusa_server)
    write(
        store / "backend/src/subscribers/order-placed.ts",
        'export const config = { event: "order.placed" }\n',
    )
    write(store / "backend/src/subscribers/other.ts", 'export const config = { event: "x" }\n')
    orders = dict(medusa_server.state.orders)
    result = smoke(store, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "backend/src/subscribers/order-placed.ts" in result.stdout
    assert "other.ts" not in result.stdout
    assert "left behind after a run" in result.stdout
    assert medusa_server.state.orders == orders
    assert not checkout(medusa_server.state).carts
    assert medusa_server.state.count("POST", "/") == 0


def test_mail_recorded_by_the_notification_module(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    checkout(medusa_server.state).notify = True
    result = smoke(store, "--format", "json")
    assert result.exit_code == 0
    assert "order-placed recorded" in str(steps(result)["mail"]["summary"])


def test_a_live_key_never_charges(
    store: Path, medusa_server: MedusaServer, stripe_server: StripeServer
) -> None:
    make_store(store, medusa_server, stripe_server, key=LIVE_KEY)
    medusa_server.state.region("Europe")["payment_providers"].append(STRIPE)
    result = smoke(store, "--format", "json")
    assert result.exit_code == 1
    assert "live key" in str(steps(result)["payment-provider"]["summary"])
    refused = smoke(store, "--payment", "system")  # the guard: a live key needs --yes
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    allowed = smoke(store, "--payment", "system", "--yes", "--format", "json")
    assert allowed.exit_code == 0, allowed.stdout
    assert stripe_server.state.count("POST") == 0


def test_no_admin_credentials_is_a_config_error_unless_keep(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_store(store, medusa_server, admin=False)
    result = smoke(store)
    assert result.exit_code == 2 and "MEDUSA_ADMIN_API_KEY" in result.stderr
    assert not checkout(medusa_server.state).carts


def test_the_email_must_be_reserved_and_marked(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    assert smoke(store, "--email", "jane@gmail.com").exit_code == 2
    assert smoke(store, "--email", "qa@example.com").exit_code == 2
    ok = smoke(store, "--email", "storectl-smoke+qa@example.com", "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["plan"]["email"].startswith("storectl")


def test_junit_and_github_formats(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    medusa_server.state.shipping_options[0]["countries"] = []
    junit = smoke(store, "--format", "junit")
    assert junit.exit_code == 1
    assert_parses_as_xml(junit.stdout)
    assert 'name="shipping"' in junit.stdout and "no shipping option serves" in junit.stdout
    github = smoke(store, "--format", "github")
    assert github.exit_code == 1
    assert "::error title=storectl smoke shipping::CONFIG: no shipping option" in github.stdout


def test_fleet_runs_every_stores_smoke(tmp_path: Path, medusa_server: MedusaServer) -> None:
    stores = [tmp_path / "a", tmp_path / "b"]
    for one in stores:
        make_store(one, medusa_server)
    result = run(
        "smoke", "--project", str(stores[0]), "--project", str(stores[1]), "--format", "json"
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [s["report"]["ok"] for s in report["stores"]] == [True, True]
    placed = [o for o in medusa_server.state.orders.values() if o.get("metadata")]
    assert len(placed) == 2 and all(o["status"] == "canceled" for o in placed)


def test_the_table_shows_steps_timings_and_what_stays(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_store(store, medusa_server)
    result = smoke(store)
    assert result.exit_code == 0, result.stdout
    assert "✓  complete" in result.stdout and " ms " in result.stdout
    assert "left in the admin" in result.stdout
