"""`webhooks test --event`: the eight events Medusa's Stripe provider maps, shaped and signed as
Stripe sends them, through the CLI against the Medusa double."""

from __future__ import annotations

import json

import stripe

from testing.medusa_server import MedusaServer
from testing.stores import HOOK, env_for
from testing.stripe_server import LIVE_KEY, MEDUSA_EVENTS
from tests.conftest import run

SECRET = "whsec_CNRYwebhooksecret00000001"


def test_all_eight_signed_and_shaped(medusa_server: MedusaServer) -> None:
    session = "payses_01JCNRYTESTSESSION000000"
    result = run(
        "webhooks",
        "test",
        "--event",
        "all",
        "--session",
        session,
        "--format",
        "json",
        env=env_for(medusa_server),
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    data = result.json()
    assert [r["event_type"] for r in data["results"]] == MEDUSA_EVENTS
    assert len(medusa_server.state.hooks) == 8
    statuses = {}
    for path, headers, body in medusa_server.state.hooks:
        assert path == HOOK
        # what Medusa's subscriber does: stripe-python verifies the signature with the secret
        event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)
        intent = event["data"]["object"]
        assert intent["object"] == "payment_intent"
        assert intent["metadata"]["session_id"] == session
        statuses[event["type"]] = (intent["status"], intent["amount_received"])
    assert statuses["payment_intent.succeeded"] == ("succeeded", 1000)
    assert statuses["payment_intent.amount_capturable_updated"] == ("requires_capture", 0)
    assert statuses["payment_intent.canceled"][0] == "canceled"
    actions = {r["event_type"]: r["medusa_action"] for r in data["results"]}
    assert actions["payment_intent.succeeded"].startswith("SUCCESSFUL: Medusa captures")
    assert actions["payment_intent.amount_capturable_updated"].startswith("AUTHORIZED")
    assert actions["payment_intent.payment_failed"].startswith("FAILED")
    assert actions["payment_intent.partially_funded"].startswith("REQUIRES_MORE")
    assert SECRET not in result.stdout


def test_one_event_without_session_is_ignored_by_medusa(medusa_server: MedusaServer) -> None:
    result = run("webhooks", "test", "--event", "payment_failed", env=env_for(medusa_server))
    assert result.exit_code == 0, result.stderr
    assert "payment_intent.payment_failed" in result.stdout
    assert "NOT_SUPPORTED" in result.stdout
    ((_path, _headers, body),) = medusa_server.state.hooks
    assert json.loads(body)["data"]["object"]["metadata"] == {"storectl_test": "true"}


def test_unknown_event_and_bad_session_are_usage_errors(medusa_server: MedusaServer) -> None:
    result = run("webhooks", "test", "--event", "charge.succeeded", env=env_for(medusa_server))
    assert result.exit_code == 2
    assert "not an event Medusa's Stripe provider maps" in result.stderr
    result = run(
        "webhooks", "test", "--event", "all", "--session", "cart_1", env=env_for(medusa_server)
    )
    assert result.exit_code == 2 and "payses_" in result.stderr
    assert medusa_server.state.hooks == []


def test_live_mode_refused_without_yes(medusa_server: MedusaServer) -> None:
    env = env_for(medusa_server, LIVE_KEY)
    result = run("webhooks", "test", "--event", "succeeded", env=env)
    assert result.exit_code == 2
    assert "live key" in result.stderr and "--yes" in result.stderr
    assert medusa_server.state.hooks == []
    result = run("webhooks", "test", "--event", "succeeded", "--yes", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    assert result.json()["livemode"] is True
    ((_path, _headers, body),) = medusa_server.state.hooks
    assert json.loads(body)["livemode"] is True


def test_store_route_fails_each_event(medusa_server: MedusaServer) -> None:
    env = {**env_for(medusa_server), "STRIPE_WEBHOOK_PATH": "/store/webhooks/payment/stripe"}
    result = run("webhooks", "test", "--event", "succeeded,canceled", env=env)
    assert result.exit_code == 1
    assert result.stdout.count("✗") == 2 or result.stdout.count("400") == 2
    assert "publishable API key" in result.stdout
