"""Stripe against Medusa through the CLI: `doctor`'s payments-sync, deliveries and drift checks,
and `storectl payments`, on the Stripe and Medusa doubles (request counts asserted)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from testing.medusa_server import API_KEY, MedusaServer
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import Result, run

SECRET = "whsec_CNRYwebhooksecret00000001"
HOOK = "/hooks/payment/stripe_stripe"


def env_for(stripe: StripeServer, medusa: MedusaServer, **extra: str) -> dict[str, str]:
    env = {
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_WEBHOOK_PATH": HOOK,
        "MEDUSA_BACKEND_URL": medusa.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
    }
    env.update(extra)
    return env


def doctor(env: dict[str, str], *args: str) -> Result:
    return run(
        "doctor", "--only", "stripe,medusa", "--format", "json", "--timeout", "10", *args, env=env
    )


def checks(result: Result) -> dict[str, dict[str, Any]]:
    return {f"{c['provider']}.{c['check']}": c for c in result.json()["checks"]}


def settle(
    stripe: StripeServer, medusa: MedusaServer, n: int, *, captured: bool = True, age: int = 600
) -> list[dict[str, Any]]:
    """n intents that succeeded, each with its Medusa payment (captured or not)."""
    now = int(time.time())
    intents = []
    for index in range(n):
        session = f"payses_01CNRY{index:020d}"
        intent = stripe.state.add_intent("succeeded", session, created=now - age - index)
        medusa.state.add_payment(session, intent["id"], captured=captured)
        intents.append(intent)
    return intents


@pytest.fixture
def peers(
    stripe_server: StripeServer, medusa_server: MedusaServer
) -> tuple[StripeServer, MedusaServer]:
    stripe_server.state.seed(f"{medusa_server.url}{HOOK}")
    return stripe_server, medusa_server


def test_in_sync_250_intents_counts_requests(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 250)
    stripe.state.add_intent("requires_payment_method", "payses_open")  # not compared
    stripe.state.add_intent("succeeded", None)  # not Medusa's: no session id
    result = doctor(env_for(stripe, medusa))
    found = checks(result)
    sync = found["stripe.payments-sync"]
    assert sync["status"] == "ok", sync
    assert sync["summary"].startswith("250 payments compared, all in sync (the last 7 d")
    # 252 intents = 3 Stripe pages; 250 sessions = 3 admin requests (100 ids each)
    assert stripe.state.count("GET", "/v1/payment_intents") == 3
    assert (
        medusa.state.count("GET", "/admin/payments")
        - medusa.state.count("GET", "/admin/payments/payment-providers")
        == 3
    )
    pages = [q for m, p, q, _b in medusa.state.requests if p == "/admin/payments"]
    assert [len(q["payment_session_id"]) for q in pages] == [100, 100, 50]
    assert found["stripe.deliveries"]["status"] == "ok"
    assert result.exit_code == 0, result.stdout


def test_captured_in_stripe_not_in_medusa_fails(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 4)
    now = int(time.time())
    for index, created in enumerate((now - 7200, now - 9000, now - 10000)):
        stripe.state.add_intent("succeeded", f"payses_lost{index}", created=created)
    uncaptured = settle(stripe, medusa, 0)
    assert uncaptured == []
    result = doctor(env_for(stripe, medusa))
    sync = checks(result)["stripe.payments-sync"]
    assert result.exit_code == 1
    assert sync["status"] == "fail"
    assert sync["summary"].startswith(
        "3 payments captured in Stripe but not in Medusa (newest 2 h ago"
    )
    assert "Medusa never processed payment_intent.succeeded" in sync["summary"]
    assert "STRIPE_WEBHOOK_SECRET" in sync["hint"] and HOOK in sync["hint"]
    assert "No signatures found" in sync["hint"]
    # ids, amounts and times only
    assert "jane.doe@example.com" not in result.stdout
    assert SECRET not in result.stdout and TEST_KEY not in result.stdout


def test_uncaptured_payment_and_authorized_only(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 2, captured=False)  # succeeded in Stripe, captured_at null in Medusa
    stripe.state.add_intent("requires_capture", "payses_auth")  # no Medusa payment at all
    sync = checks(doctor(env_for(stripe, medusa)))["stripe.payments-sync"]
    assert sync["status"] == "fail"
    assert "2 payments captured in Stripe but not in Medusa" in sync["summary"]
    assert "1 authorized in Stripe but unknown to Medusa" in sync["summary"]
    assert "payment_intent.amount_capturable_updated" in sync["summary"]


def test_processing_warns(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 1)
    stripe.state.add_intent("processing", "payses_sepa")
    result = doctor(env_for(stripe, medusa))
    sync = checks(result)["stripe.payments-sync"]
    assert sync["status"] == "warn"
    assert "1 still processing" in sync["summary"]
    assert result.exit_code == 0


def test_since_limits_the_window(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    stripe.state.add_intent("succeeded", "payses_old", created=int(time.time()) - 3 * 86400)
    assert (
        checks(doctor(env_for(stripe, medusa), "--since", "1d"))["stripe.payments-sync"]["status"]
        == "skip"  # nothing settled inside a day: nothing compared
    )
    assert (
        checks(doctor(env_for(stripe, medusa), "--since", "4d"))["stripe.payments-sync"]["status"]
        == "fail"
    )
    query = [q for m, p, q in stripe.state.requests if p == "/v1/payment_intents"][-1]
    assert abs(int(query["created"]["gte"]) - (time.time() - 4 * 86400)) < 60


def test_since_is_validated() -> None:
    result = run("doctor", "--since", "a week")
    assert result.exit_code == 2
    assert "--since 'a week' is not a date or a duration" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_skipped_without_admin_credentials(stripe_server: StripeServer) -> None:
    env = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": stripe_server.url}
    result = run("doctor", "--only", "stripe,medusa", "--format", "json", env=env)
    sync = checks(result)["stripe.payments-sync"]
    assert sync["status"] == "skip"
    assert "MEDUSA_BACKEND_URL is not set" in sync["summary"]
    assert stripe_server.state.count("GET", "/v1/payment_intents") == 0


def test_only_stripe_never_asks_medusa(peers: tuple[StripeServer, MedusaServer]) -> None:
    """A check that needs two providers is its own entry: `--only stripe` does not run it, so
    it neither logs in to the Medusa admin nor lists Stripe's intents."""
    stripe, medusa = peers
    settle(stripe, medusa, 3)
    result = run("doctor", "--only", "stripe", "--format", "json", env=env_for(stripe, medusa))
    assert result.exit_code == 0, result.stdout
    found = checks(result)
    assert "stripe.webhook-secret" in found
    assert "stripe.payments-sync" not in found and "stripe.deliveries" not in found
    assert medusa.state.count("POST", "/auth") == medusa.state.count("GET", "/admin") == 0
    assert stripe.state.count("GET", "/v1/payment_intents") == 0
    both = checks(doctor(env_for(stripe, medusa)))
    assert both["stripe.payments-sync"]["status"] == "ok"
    assert medusa.state.count("GET", "/admin/payments") > 0


def test_undelivered_events_fail_after_an_hour(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    now = int(time.time())
    old = stripe.state.add_intent("succeeded", None, created=now - 5400)
    fresh = stripe.state.add_intent("processing", None, created=now - 60)
    stripe.state.add_event("payment_intent.succeeded", old, pending_webhooks=1)
    stripe.state.add_event("payment_intent.succeeded", old, created=now - 4000, delivered=False)
    stripe.state.add_event("payment_intent.processing", fresh, pending_webhooks=1)
    stripe.state.add_event("charge.succeeded", old, pending_webhooks=1)  # not Medusa's type
    stripe.state.add_event("payment_intent.created", old, created=now - 5500)  # delivered
    deliveries = checks(doctor(env_for(stripe, medusa)))["stripe.deliveries"]
    assert (deliveries["status"], deliveries["stage"]) == ("fail", "CONFIG")  # not NOT_FOUND
    assert deliveries["summary"].startswith("2 payment events undelivered for over an hour")
    assert (
        "oldest evt_3CNRY0000000000000000000 (payment_intent.succeeded, 2 h ago"
        in (deliveries["summary"])
    )
    query = [q for m, p, q in stripe.state.requests if p == "/v1/events"][-1]
    assert query["delivery_success"] == "false"
    assert len(query["types"]) == 8


def test_events_an_api_returns_against_the_filters_are_not_medusas(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    """Issue 21 C: an API that ignores the list filters (stripe-mock answers plan.created from
    2009) does not make doctor blame Medusa: what was returned is re-checked."""
    stripe, medusa = peers
    stripe.state.ignore_list_filters = True
    now = int(time.time())
    ancient = stripe.state.add_intent("succeeded", "payses_ancient", created=now - 6501 * 86400)
    stripe.state.add_event("plan.created", ancient, pending_webhooks=1)
    stripe.state.add_event("payment_intent.succeeded", ancient, pending_webhooks=1)
    found = checks(doctor(env_for(stripe, medusa)))
    deliveries = found["stripe.deliveries"]
    assert deliveries["status"] == "ok", deliveries
    assert "2 events the API returned outside the filters asked for" in deliveries["summary"]
    sync = found["stripe.payments-sync"]
    assert sync["status"] == "skip", sync  # the 2009 intent is outside the window


def test_payments_sync_with_nothing_settled_is_a_skip(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    stripe, medusa = peers
    stripe.state.add_intent("requires_payment_method", "payses_open")
    sync = checks(doctor(env_for(stripe, medusa)))["stripe.payments-sync"]
    assert sync["status"] == "skip"
    assert sync["summary"].startswith("no settled payment to compare (1 intent read:")


def test_mail_recorded_without_orders_is_a_skip(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    medusa.state.orders.clear()
    mail = checks(doctor(env_for(stripe, medusa)))["medusa.mail-recorded"]
    assert (mail["status"], mail["summary"]) == ("skip", "no orders yet: order mail not checked")


def test_recent_undelivered_event_warns(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    intent = stripe.state.add_intent("succeeded", None)
    stripe.state.add_event("payment_intent.succeeded", intent, pending_webhooks=1)
    deliveries = checks(doctor(env_for(stripe, medusa)))["stripe.deliveries"]
    assert deliveries["status"] == "warn"
    assert "still retrying" in deliveries["summary"]


# --- drift: what the running backend loaded -------------------------------------------------


def test_backend_never_started_with_stripe(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    medusa.state.providers = ["pp_system_default"]
    loaded = checks(doctor(env_for(stripe, medusa)))["medusa.providers-loaded"]
    assert loaded["status"] == "fail"
    assert "this backend has never started with Stripe" in loaded["summary"]
    assert "redeploy" in loaded["hint"]


def test_providers_present_is_ok_but_not_proof(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    loaded = checks(doctor(env_for(stripe, medusa)))["medusa.providers-loaded"]
    assert loaded["status"] == "ok"
    assert "does not prove it is loaded now" in loaded["summary"]


def test_upload_probe_local_storage_then_deleted(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    files = checks(doctor(env_for(stripe, medusa)))["medusa.files-loaded"]
    assert files["status"] == "ok"
    assert "local file storage" in files["summary"]
    assert medusa.state.count("POST", "/admin/uploads") == 1
    assert medusa.state.count("DELETE", "/admin/uploads/") == 1
    assert medusa.state.files == {}


def test_upload_probe_s3_configured_but_backend_local(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    stripe, medusa = peers
    s3 = {"S3_BUCKET": "shop", "S3_FILE_URL": "https://cdn.example.com/shop"}
    files = checks(doctor(env_for(stripe, medusa, **s3)))["medusa.files-loaded"]
    assert files["status"] == "fail"
    assert "local file storage" in files["summary"] and "S3_FILE_URL" in files["summary"]
    assert medusa.state.files == {}  # deleted all the same


def test_upload_probe_s3_public_and_gone_after_delete(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    stripe, medusa = peers
    medusa.state.file_url = f"{medusa.url}/bucket"
    s3 = {"S3_BUCKET": "shop", "S3_FILE_URL": f"{medusa.url}/bucket"}
    files = checks(doctor(env_for(stripe, medusa, **s3)))["medusa.files-loaded"]
    assert files["status"] == "ok", files
    fetched = [p for m, p, _q, _b in medusa.state.requests if m == "GET" and "/bucket/" in p]
    assert len(fetched) == 1
    import httpx

    assert httpx.get(f"{medusa.url}{fetched[0]}").status_code == 404  # deleted: the URL 404s


def test_no_write_skips_upload(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    files = checks(doctor(env_for(stripe, medusa), "--no-write"))["medusa.files-loaded"]
    assert files["status"] == "skip"
    assert medusa.state.count("POST", "/admin/uploads") == 0


def test_mail_recorded_info_and_partial(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    mail = checks(doctor(env_for(stripe, medusa)))["medusa.mail-recorded"]
    assert mail["status"] == "ok"
    assert "no notifications recorded for the last 2 orders" in mail["summary"]
    order = next(iter(medusa.state.orders))
    medusa.state.notifications.append(
        {
            "id": "noti_1",
            "to": "jane.doe@example.com",
            "channel": "email",
            "template": "order-placed",
            "trigger_type": "order.placed",
            "resource_id": order,
            "resource_type": "order",
        }
    )
    result = doctor(env_for(stripe, medusa))
    mail = checks(result)["medusa.mail-recorded"]
    assert mail["status"] == "warn"
    assert mail["summary"].startswith("1 of the last 2 orders have no order-placed notification")
    assert "jane.doe@example.com" not in result.stdout


def _placed(order_id: str, to: str, created_at: str = "2026-11-26T03:20:00.000Z") -> dict[str, Any]:
    return {
        "id": f"noti_{order_id[-6:]}",
        "to": to,
        "channel": "email",
        "template": "order-placed",
        "trigger_type": "order.placed",
        "resource_id": order_id,
        "resource_type": "order",
        "created_at": created_at,
    }


def test_mail_recorded_asks_by_recipient_never_by_resource_id(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    """Medusa 2.21.2 answers 400 to ?resource_id= (issue 19): doctor filters by `to`."""
    stripe, medusa = peers
    for order in medusa.state.orders.values():
        medusa.state.notifications.append(_placed(order["id"], order["email"]))
    result = doctor(env_for(stripe, medusa))
    mail = checks(result)["medusa.mail-recorded"]
    assert mail["status"] == "ok", mail
    assert mail["summary"] == "each of the last 2 orders has an order-placed notification"
    asked = [q for _m, p, q, _b in medusa.state.requests if p == "/admin/notifications"]
    assert asked and all("resource_id" not in q for q in asked)
    assert sorted(asked[0]["to"]) == sorted(o["email"] for o in medusa.state.orders.values())
    assert "max.mustermann@example.com" not in result.stdout


def test_the_double_refuses_resource_id_as_medusa_does(medusa_server: MedusaServer) -> None:
    import httpx

    answer = httpx.get(
        f"{medusa_server.url}/admin/notifications",
        params={"resource_id": "order_1", "limit": 20},
        auth=(API_KEY, ""),
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "type": "invalid_data",
        "message": "Invalid request: Unrecognized fields: 'resource_id'",
    }
    fine = httpx.get(
        f"{medusa_server.url}/admin/notifications",
        params={"to": "a@example.com", "channel": "email", "order": "-created_at", "q": "x"},
        auth=(API_KEY, ""),
    )
    assert fine.status_code == 200
    medusa_server.state.as_version("2.8")
    old = httpx.get(
        f"{medusa_server.url}/admin/notifications", params={"to": "a"}, auth=(API_KEY, "")
    )
    assert old.json()["message"] == "Invalid request: Unrecognized fields: 'to'"


def test_mail_recorded_on_2_8_reads_the_newest_notifications(
    peers: tuple[StripeServer, MedusaServer],
) -> None:
    """2.8.x refuses `to` too: doctor reads the newest page instead, with no false red."""
    stripe, medusa = peers
    medusa.state.as_version("2.8")
    first = min(medusa.state.orders.values(), key=lambda o: str(o["created_at"]))
    medusa.state.notifications.append(_placed(first["id"], first["email"], "2030-01-01T00:00Z"))
    result = doctor(env_for(stripe, medusa))
    assert result.exit_code == 0, result.stdout
    mail = checks(result)["medusa.mail-recorded"]
    assert mail["status"] == "warn"
    assert mail["summary"].startswith("1 of the last 2 orders have no order-placed notification")
    assert "cannot filter by recipient" in mail["summary"]
    asked = [q for _m, p, q, _b in medusa.state.requests if p == "/admin/notifications"]
    assert "to" in asked[0] and "to" not in asked[1] and len(asked) == 2


def test_mail_recorded_stops_at_the_page_cap(peers: tuple[StripeServer, MedusaServer]) -> None:
    """Notifications are read newest first, at most 3 pages of 100: an order older than what
    was read is not counted as unmailed."""
    stripe, medusa = peers
    medusa.state.as_version("2.8")
    for index in range(400):
        medusa.state.notifications.append(
            {**_placed(f"order_other{index:06d}", "x@example.com"), "created_at": "2031-01-01"}
        )
    mail = checks(doctor(env_for(stripe, medusa)))["medusa.mail-recorded"]
    assert mail["status"] == "ok", mail
    assert "2 older orders not checked" in mail["summary"]
    assert medusa.state.count("GET", "/admin/notifications") == 1 + 3


# --- storectl payments --------------------------------------------------------------------------


def test_payments_lists_resend_lines(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 3)
    now = int(time.time())
    lost = stripe.state.add_intent("succeeded", "payses_lost", created=now - 7200, amount=2599)
    event = stripe.state.add_event("payment_intent.succeeded", lost)
    stripe.state.add_event("payment_intent.created", lost)
    held = stripe.state.add_intent("requires_capture", "payses_held", created=now - 600)
    held_event = stripe.state.add_event("payment_intent.amount_capturable_updated", held)
    endpoint = stripe.state.endpoints["acct_1CNRYtest:test"][0]["id"]
    env = env_for(stripe, medusa)
    result = run("payments", "--format", "json", env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    data = result.json()
    assert data["compared"] == 5 and data["total_out_of_sync"] == 2
    assert data["webhook_endpoint"] == endpoint
    first, second = data["out_of_sync"]
    assert first["intent_id"] == held["id"] and first["event_id"] == held_event["id"]
    assert second == {
        "intent_id": lost["id"],
        "status": "succeeded",
        "amount": 2599,
        "currency": "eur",
        "created": second["created"],
        "session_id": "payses_lost",
        "payment_id": None,
        "problem": "captured in Stripe, no payment in Medusa",
        "event_type": "payment_intent.succeeded",
        "event_id": event["id"],
        "resend": f"stripe events resend {event['id']} --webhook-endpoint {endpoint}",
        "resend_refused": None,
    }
    assert "jane.doe@example.com" not in result.stdout
    # read-only on both sides
    assert stripe.state.count("POST") == stripe.state.count("DELETE") == 0
    assert medusa.state.count("POST", "/admin/") == medusa.state.count("DELETE", "/admin/") == 0
    table = run("payments", "--limit", "1", env=env)
    assert table.exit_code == 1
    assert f"stripe events resend {held_event['id']} --webhook-endpoint {endpoint}" in table.stdout
    assert "… and 1 more (--limit)" in table.stdout
    assert "2 out of sync:" in table.stdout


def test_payments_all_in_sync(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    settle(stripe, medusa, 2)
    result = run("payments", env=env_for(stripe, medusa))
    assert result.exit_code == 0, result.stderr
    assert "2 Stripe payment intents, 2 settled and compared with Medusa" in result.stdout
    assert "all compared payments in sync with Medusa" in result.stdout
    assert "not compared" not in result.stdout
    assert stripe.state.count("GET", "/v1/events") == 0  # nothing to look up


def test_payments_says_what_was_not_compared(peers: tuple[StripeServer, MedusaServer]) -> None:
    """Issue 21 C: one intent, none settled: not "0 compared · all in sync"."""
    stripe, medusa = peers
    stripe.state.add_intent("requires_payment_method", "payses_open")
    stripe.state.add_intent("succeeded", None)
    env = env_for(stripe, medusa)
    result = run("payments", env=env)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2 Stripe payment intents, 0 settled and compared with Medusa")
    assert "  not compared: 1 not settled (not paid, canceled or failed" in result.stdout
    assert "  not compared: 1 made outside Medusa (no metadata.session_id" in result.stdout
    assert lines[-1] == "nothing to compare: no settled payment in the window"
    data = run("payments", "--json", env=env).json()
    assert (data["intents"], data["compared"], data["not_settled"], data["without_session"]) == (
        2,
        0,
        1,
        1,
    )


def test_payments_needs_admin(stripe_server: StripeServer) -> None:
    env = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": stripe_server.url}
    result = run("payments", env=env)
    assert result.exit_code == 2
    assert "the Medusa admin API is needed" in result.stderr and "hint:" in result.stderr


def test_payments_stripe_refusal_is_a_clean_error(peers: tuple[StripeServer, MedusaServer]) -> None:
    stripe, medusa = peers
    env = env_for(stripe, medusa, STRIPE_API_KEY="sk_test_51CNRYunknownkey00000000009")
    result = run("payments", env=env)
    assert result.exit_code == 1
    assert "Stripe rejected STRIPE_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr and "CNRYunknownkey" not in result.stderr
