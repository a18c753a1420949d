"""The Stripe double's data: its keys, its state (endpoints, payment intents, events, the
requests it saw, queued faults) and Stripe's error bodies. The handler is testing/stripe_server.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

#: Medusa 2.21's list, kept here on purpose: the double is an oracle independent of storectl.
MEDUSA_EVENTS = [
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "payment_intent.partially_funded",
    "payment_intent.succeeded",
]
#: Event types this double accepts in enabled_events (Stripe knows many more).
KNOWN_EVENTS = {*MEDUSA_EVENTS, "charge.succeeded", "charge.refunded", "customer.created"}
MAX_ENDPOINTS = 16
#: How long Stripe keeps an idempotency key's first answer.
IDEMPOTENCY_TTL = 24 * 3600
#: Serialises requests that carry an Idempotency-Key (Stripe answers a concurrent one with 409).
IDEMPOTENCY_LOCK = threading.Lock()

TEST_KEY = "sk_test_51CNRYstripetestkey0000000001"
LIVE_KEY = "sk_live_51CNRYstripelivekey0000000002"
RESTRICTED_KEY = "rk_test_51CNRYstriperestricted000003"  # may not read /v1/account
EXPIRED_KEY = "sk_test_51CNRYstripeexpiredkey000004"
INACTIVE_LIVE_KEY = "sk_live_51CNRYstripeinactive0000005"  # charges_enabled: false


@dataclass
class Key:
    mode: str
    account: str
    restricted: bool = False
    expired: bool = False
    charges_enabled: bool = True


@dataclass
class StripeState:
    keys: dict[str, Key] = field(default_factory=dict)
    endpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by account+mode
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    faults: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # (path, status)
    #: headers sent with every injected fault (Retry-After, Stripe-Should-Retry)
    fault_headers: dict[str, str] = field(default_factory=dict)
    #: time.monotonic() of each request's arrival, beside `requests`
    arrivals: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: called with (method, path) before each request is answered, for ordering assertions
    observer: Callable[[str, str], None] | None = None
    #: Idempotency-Key answers by (api key, key): (first seen, method, path, params, status, body)
    idempotent: dict[
        tuple[str, str], tuple[float, str, str, dict[str, Any], int, dict[str, Any]]
    ] = field(default_factory=dict)
    #: payment intents and events (newest last; lists answer newest first, as Stripe does)
    intents: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    #: fields a hostile Stripe puts in each created endpoint (`id`, `secret`: a line break, ...)
    create_overrides: dict[str, Any] = field(default_factory=dict)
    #: send events to the webhook endpoints (testing/stripe_intents.py); False: a webhook
    #: that never arrives (pending_webhooks stays above 0)
    deliver: bool = True
    #: lists answer as stripe-mock does: every object, whatever the filters asked (created,
    #: types, delivery_success); the client must re-check what it gets (issue 21 C)
    ignore_list_filters: bool = False

    def reset(self) -> None:
        with self.lock:
            self.observer = None
            self.ignore_list_filters = False
            self.intents.clear()
            self.events.clear()
            self.endpoints.clear()
            self.requests.clear()
            self.faults.clear()
            self.fault_headers.clear()
            self.arrivals.clear()
            self.idempotent.clear()
            self.create_overrides.clear()
            self.deliver = True

    def seed(
        self,
        url: str,
        events: list[str] | None = None,
        status: str = "enabled",
        scope: str = "acct_1CNRYtest:test",
    ) -> str:
        """Put an endpoint on the account, as if made in Stripe's dashboard; returns its id."""
        endpoints = self.endpoints.setdefault(scope, [])
        endpoint_id = f"we_seed{len(endpoints)}"
        endpoints.append(
            {
                "id": endpoint_id,
                "object": "webhook_endpoint",
                "url": url,
                "enabled_events": list(MEDUSA_EVENTS) if events is None else events,
                "status": status,
                "api_version": None,
                "description": None,
                "metadata": {},
                "livemode": scope.endswith(":live"),
                "created": 1700000000 + len(endpoints),
                "application": None,
                "secret": f"whsec_seeded{len(endpoints)}",
            }
        )
        return endpoint_id

    def count(self, method: str, prefix: str = "/v1/") -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(prefix))

    def add_intent(
        self,
        status: str,
        session_id: str | None,
        *,
        created: int | None = None,
        amount: int = 10480,
        currency: str = "eur",
        livemode: bool = False,
    ) -> dict[str, Any]:
        """A PaymentIntent as Medusa's Stripe provider creates it (metadata.session_id)."""
        intent = {
            "id": f"pi_3CNRY{len(self.intents):019d}",
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": amount if status == "requires_capture" else 0,
            "amount_received": amount if status == "succeeded" else 0,
            "capture_method": "automatic",
            "currency": currency,
            "customer": None,
            "created": int(time.time()) - 60 if created is None else created,
            "livemode": livemode,
            "metadata": {"session_id": session_id} if session_id else {},
            "receipt_email": "jane.doe@example.com",
            "status": status,
        }
        self.intents.append(intent)
        return intent

    def add_event(
        self,
        type_: str,
        intent: dict[str, Any],
        *,
        created: int | None = None,
        pending_webhooks: int = 0,
        delivered: bool = True,
    ) -> dict[str, Any]:
        """An event about `intent`; `delivered` False: at least one endpoint has not yet
        acknowledged it (what `delivery_success=false` lists)."""
        event = {
            "id": f"evt_3CNRY{len(self.events):019d}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": intent["created"] if created is None else created,
            "data": {"object": dict(intent)},
            "livemode": intent["livemode"],
            "pending_webhooks": pending_webhooks,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "_delivered": delivered and pending_webhooks == 0,
        }
        self.events.append(event)
        return event


Answer = tuple[int, dict[str, Any]]
"""A status and the JSON body that goes with it."""


def error(status: int, type_: str, message: str, **extra: str) -> Answer:
    """Stripe's error body."""
    return status, {"error": {"type": type_, "message": message, **extra}}


def masked(key: str) -> str:
    """An API key as Stripe shows it in an error: its prefix, four stars, its last four."""
    prefix = key[: key.index("_", 3) + 1] if key.count("_") >= 2 else key[:3]
    return f"{prefix}****{key[-4:]}"


def unknown(name: str) -> Answer:
    return error(
        400,
        "invalid_request_error",
        f"Received unknown parameter: {name}",
        code="parameter_unknown",
        param=name,
    )


def bad_limit(params: dict[str, Any]) -> Answer | None:
    """Every list's `limit`: an integer from 1 to 100 (default 10)."""
    limit = params.get("limit", "10")
    if isinstance(limit, str) and limit.isdigit() and 1 <= int(limit) <= 100:
        return None
    return error(
        400,
        "invalid_request_error",
        "Invalid integer: limit must be between 1 and 100",
        code="parameter_invalid_integer",
        param="limit",
    )


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding: a[0]=x&a[1]=y is a list, m[k]=v a dict, the rest strings."""
    params: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        if "[" in name and name.endswith("]"):
            base, _, inner = name[:-1].partition("[")
            if inner.isdigit() or inner == "":
                params.setdefault(base, []).append(value)
            else:
                params.setdefault(base, {})[inner] = value
        else:
            params[name] = value
    return params
