"""The Stripe double's PaymentIntents and refunds, as Stripe's OpenAPI spec describes them
(create, retrieve, confirm, cancel; POST /v1/refunds), and the webhooks Stripe sends about them:
each event is delivered, signed with the endpoint's secret, to every enabled endpoint that asked
for its type, a moment after the request (as Stripe does), and `pending_webhooks` counts the
endpoints that have not answered 2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any

from testing.http_double import JsonHandler
from testing.stripe_data import Answer, Key, StripeState, error, unknown

CREATE_PARAMS = {
    "amount",
    "currency",
    "metadata",
    "capture_method",
    "payment_method_types",
    "automatic_payment_methods",
    "description",
    "receipt_email",
    "customer",
    "setup_future_usage",
    "confirm",
    "payment_method",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "shipping",
    "return_url",
    "expand",
}
CONFIRM_PARAMS = {
    "payment_method",
    "return_url",
    "capture_method",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "expand",
    "off_session",
    "error_on_requires_action",
    "mandate_data",
}
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
#: Stripe's test payment methods this double knows (docs: testing#cards).
TEST_METHODS = {"pm_card_visa": None, "pm_card_chargeDeclined": "card_declined"}


class IntentRoutes(JsonHandler):
    """/v1/payment_intents and /v1/refunds for `StripeHandler`."""

    state: StripeState

    def _intents(self, key: Key, method: str, path: str, params: dict[str, Any]) -> Answer | None:
        if path == "/v1/payment_intents" and method == "POST":
            return self._create_intent(key, params)
        if path == "/v1/refunds" and method == "POST":
            return self._refund(key, params)
        if not path.startswith("/v1/payment_intents/"):
            return None
        parts = path.split("/")[3:]
        intent = next(
            (
                i
                for i in self.state.intents
                if i["id"] == parts[0] and i["livemode"] == (key.mode == "live")
            ),
            None,
        )
        if intent is None:
            return error(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{parts[0]}'",
                code="resource_missing",
                param="intent",
            )
        action = parts[1] if len(parts) > 1 else ""
        if method == "GET" and not action:
            return 200, intent
        if method == "POST" and action == "confirm":
            return self._confirm(intent, params)
        if method == "POST" and action == "cancel":
            return self._cancel(intent)
        return None

    def _create_intent(self, key: Key, params: dict[str, Any]) -> Answer:
        extra = set(params) - CREATE_PARAMS
        if extra:
            return unknown(sorted(extra)[0])
        for name in ("amount", "currency"):
            if name not in params:
                return error(
                    400,
                    "invalid_request_error",
                    f"Missing required param: {name}.",
                    code="parameter_missing",
                    param=name,
                )
        if not str(params["amount"]).isdigit() or int(params["amount"]) < 1:
            return error(
                400,
                "invalid_request_error",
                "Amount must be at least 1 cent",
                code="amount_too_small",
                param="amount",
            )
        capture = params.get("capture_method", "automatic")
        intent_id = f"pi_3CNRY{secrets.token_hex(8)}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": capture,
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "currency": str(params["currency"]).lower(),
            "customer": params.get("customer"),
            "created": int(time.time()),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": key.mode == "live",
            "metadata": dict(params.get("metadata") or {}),
            "payment_method": None,
            "receipt_email": params.get("receipt_email"),
            "status": "requires_payment_method",
        }
        with self.state.lock:
            self.state.intents.append(intent)
        self._event(key, "payment_intent.created", intent)
        return 200, dict(intent)

    def _confirm(self, intent: dict[str, Any], params: dict[str, Any]) -> Answer:
        extra = set(params) - CONFIRM_PARAMS
        if extra:
            return unknown(sorted(extra)[0])
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            return error(
                400,
                "invalid_request_error",
                f"You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        method = params.get("payment_method") or intent["payment_method"]
        if method not in TEST_METHODS:
            return error(
                400,
                "invalid_request_error",
                f"No such PaymentMethod: '{method}'",
                code="resource_missing",
                param="payment_method",
            )
        key = self._intent_key(intent)
        if TEST_METHODS[method]:
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "code": TEST_METHODS[method],
                    "message": "Your card was declined.",
                },
            )
            self._event(key, "payment_intent.payment_failed", intent)
            return error(402, "card_error", "Your card was declined.", code="card_declined")
        manual = intent["capture_method"] == "manual"
        intent.update(
            payment_method=method,
            latest_charge=f"ch_3CNRY{secrets.token_hex(8)}",
            status="requires_capture" if manual else "succeeded",
            amount_capturable=intent["amount"] if manual else 0,
            amount_received=0 if manual else intent["amount"],
        )
        kind = "amount_capturable_updated" if manual else "succeeded"
        self._event(key, f"payment_intent.{kind}", intent)
        return 200, dict(intent)

    def _cancel(self, intent: dict[str, Any]) -> Answer:
        if intent["status"] not in CANCELABLE:
            return error(
                400,
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                f"may be canceled: {', '.join(CANCELABLE)}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()))
        self._event(self._intent_key(intent), "payment_intent.canceled", intent)
        return 200, dict(intent)

    def _refund(self, key: Key, params: dict[str, Any]) -> Answer:
        extra = set(params) - {"payment_intent", "charge", "amount", "metadata", "reason"}
        if extra:
            return unknown(sorted(extra)[0])
        intent = next(
            (i for i in self.state.intents if i["id"] == params.get("payment_intent")), None
        )
        if intent is None or intent["status"] != "succeeded":
            return error(
                400,
                "invalid_request_error",
                "This PaymentIntent does not have a successful charge to refund.",
                code="charge_not_refundable" if intent else "resource_missing",
            )
        refund = {
            "id": f"re_3CNRY{secrets.token_hex(8)}",
            "object": "refund",
            "amount": intent["amount"],
            "charge": intent["latest_charge"],
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": dict(params.get("metadata") or {}),
            "created": int(time.time()),
        }
        intent["refunded"] = True
        return 200, refund

    def _intent_key(self, intent: dict[str, Any]) -> Key:
        mode = "live" if intent["livemode"] else "test"
        return next(k for k in self.state.keys.values() if k.mode == mode)

    def _event(self, key: Key, type_: str, intent: dict[str, Any]) -> None:
        """Record the event and deliver it to the endpoints that asked for it, a moment later."""
        scope = f"{key.account}:{key.mode}"
        targets = [
            e
            for e in self.state.endpoints.get(scope, [])
            if e["status"] == "enabled"
            and ("*" in e["enabled_events"] or type_ in e["enabled_events"])
        ]
        event = self.state.add_event(
            type_,
            dict(intent),
            created=int(time.time()),
            pending_webhooks=len(targets),
            delivered=not targets,
        )
        if targets and self.state.deliver:
            threading.Thread(target=deliver, args=(self.state, event, targets), daemon=True).start()


def deliver(state: StripeState, event: dict[str, Any], targets: list[dict[str, Any]]) -> None:
    """POST the event to each endpoint as Stripe does; a 2xx answer counts as delivered."""
    import httpx

    body = json.dumps({k: v for k, v in event.items() if not k.startswith("_")}).encode()
    for endpoint in targets:
        stamp = int(time.time())
        digest = hmac.new(
            endpoint["secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        headers = {"Stripe-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}
        try:
            answer = httpx.post(endpoint["url"], content=body, headers=headers, timeout=10)
        except httpx.HTTPError:
            continue
        if 200 <= answer.status_code < 300:
            with state.lock:
                event["pending_webhooks"] -= 1
                event["_delivered"] = event["pending_webhooks"] == 0
