"""Test events: `webhooks test` (one synthetic, signed event: does the route take it?) and
`webhooks test --event` (each event Medusa's Stripe provider maps, shaped as Stripe sends it,
signed with STRIPE_WEBHOOK_SECRET, and what Medusa 2.21.2's provider does with it).

Medusa answers 200 before it verifies the signature, so the answer proves the route only; with
`--session payses_...` (a real test session) the effect shows in Medusa itself.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storectl import __version__
from storectl.env import Env
from storectl.errors import ConfigError, NetworkError, UsageError
from storectl.guard import Action
from storectl.model import Stage, Status
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers import medusa, medusa_api, medusa_version, stripe_api
from storectl.providers.probe import tls_context
from storectl.providers.shape import Object
from storectl.providers.values import stripe_mode
from storectl.webhooks.secret import SECRET_VAR

if TYPE_CHECKING:
    import httpx

#: type -> (the intent's status, what @medusajs/payment-stripe's getWebhookActionAndData returns
#: and what Medusa 2.21.2 then does). Only AUTHORIZED and SUCCESSFUL change Medusa's state.
ACTIONS: dict[str, tuple[str, str]] = {
    "payment_intent.created": (
        "requires_payment_method",
        "PENDING (PENDING_AUTHORIZATION for asynchronous methods): Medusa changes nothing",
    ),
    "payment_intent.processing": (
        "processing",
        "PENDING (PENDING_AUTHORIZATION for asynchronous methods): Medusa changes nothing",
    ),
    "payment_intent.canceled": ("canceled", "CANCELED: Medusa 2.21.2 changes nothing"),
    "payment_intent.payment_failed": (
        "requires_payment_method",
        "FAILED: Medusa 2.21.2 changes nothing (the customer may retry)",
    ),
    "payment_intent.requires_action": (
        "requires_action",
        "REQUIRES_MORE: Medusa changes nothing (the customer must act, e.g. 3-D Secure)",
    ),
    "payment_intent.amount_capturable_updated": (
        "requires_capture",
        "AUTHORIZED: Medusa authorizes the payment session (a payment is created; the cart can "
        "complete)",
    ),
    "payment_intent.partially_funded": (
        "requires_payment_method",
        "REQUIRES_MORE: Medusa changes nothing (the bank transfer is short)",
    ),
    "payment_intent.succeeded": (
        "succeeded",
        "SUCCESSFUL: Medusa captures the payment (captured_at set, amount_received)",
    ),
}
IGNORED = (
    "NOT_SUPPORTED: no metadata.session_id, so Medusa 2.16 and later ignore it (pass --session "
    "payses_…)"
)
#: Why an event without a session is not sent to a backend before 2.16 (see medusa_version).
NOT_SENT = (
    "not sent: Medusa {version} acts on an event without metadata.session_id and logs "
    "'payment - id must be defined' (releases before 2.16 do); pass --session payses_… of a "
    "test cart's payment session"
)


@dataclass(frozen=True)
class EventTest:
    event_type: str
    event_id: str
    intent_id: str
    http_status: int
    status: Status
    stage: Stage | None
    summary: str
    medusa_action: str
    hint: str | None


@dataclass(frozen=True)
class EventTests:
    url: str
    session_id: str | None
    livemode: bool
    results: tuple[EventTest, ...]
    ok: bool


def types(choice: str) -> list[str]:
    """`all`, or one or more (comma-separated) of the eight types; short names allowed."""
    if choice.strip() == "all":
        return list(ACTIONS)
    chosen = []
    for name in (n.strip() for n in choice.split(",") if n.strip()):
        full = name if name.startswith("payment_intent.") else f"payment_intent.{name}"
        if full not in ACTIONS:
            raise UsageError(
                f"--event {name}: not an event Medusa's Stripe provider maps",
                hint="choose all, or: " + ", ".join(t.split(".", 1)[1] for t in ACTIONS),
            )
        chosen.append(full)
    if not chosen:
        raise UsageError("--event is empty", hint="pass all, or an event such as succeeded")
    return chosen


def payload(
    type_: str, now: int, session_id: str | None, livemode: bool, amount: int, currency: str
) -> tuple[str, str, bytes]:
    """(event id, intent id, body): an event as Stripe sends it, its intent in `data.object`."""
    status, _action = ACTIONS[type_]
    intent_id = f"pi_storectl_{secrets.token_hex(8)}"
    intent: Object = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": amount if status == "requires_capture" else 0,
        "amount_received": amount if status == "succeeded" else 0,
        "capture_method": "manual" if status == "requires_capture" else "automatic",
        "canceled_at": now if status == "canceled" else None,
        "cancellation_reason": "abandoned" if status == "canceled" else None,
        "created": now,
        "currency": currency,
        "last_payment_error": (
            {"code": "card_declined", "type": "card_error", "message": "Your card was declined."}
            if type_ == "payment_intent.payment_failed"
            else None
        ),
        "livemode": livemode,
        "metadata": {"session_id": session_id} if session_id else {"storectl_test": "true"},
        "next_action": {"type": "use_stripe_sdk"} if status == "requires_action" else None,
        "payment_method_types": ["card"],
        "status": status,
    }
    event_id = f"evt_storectl_{secrets.token_hex(8)}"
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": now,
        "data": {"object": intent},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }
    return event_id, intent_id, json.dumps(event, separators=(",", ":")).encode()


def send(
    env: Env,
    url: str,
    chosen: list[str],
    *,
    session_id: str | None,
    guard: Callable[[Action], None],
    amount: int,
    currency: str,
    timeout: float,
) -> EventTests:
    """Sign and POST each chosen event in order, once the guard allows it (a live key, or a
    real session on a production backend)."""
    secret, livemode = _allowed(env, url, chosen, session_id, guard)

    backend = medusa_version.detect(env)
    if session_id is None and medusa_version.processes_sessionless_events(backend):
        assert backend is not None
        results = [_not_sent(type_, backend.shown) for type_ in chosen]
    else:
        from storectl.net import transport  # it imports httpx: off the start-up path (--help)

        deadline = Deadline(timeout)
        results = []
        with transport.bounded_client(
            deadline,
            ssl_context=tls_context(),
            timeout=timeout,
            headers={"User-Agent": f"storectl/{__version__}"},
        ) as http:
            for type_ in chosen:
                results.append(
                    _post_one(http, url, type_, secret, session_id, livemode, amount, currency)
                )
    return EventTests(
        url=url,
        session_id=session_id,
        livemode=livemode,
        results=tuple(results),
        # nothing sent is nothing proven: a run whose every event was held back fails
        ok=bool(results) and all(r.status in (Status.OK, Status.WARN) for r in results),
    )


def _not_sent(type_: str, version: str) -> EventTest:
    """An event held back: this backend would act on it without a session and log an error."""
    why = NOT_SENT.format(version=version)
    return EventTest(
        event_type=type_,
        event_id="",
        intent_id="",
        http_status=0,
        status=Status.SKIP,
        stage=None,
        summary=why,
        medusa_action=f"Medusa {version} would act on it without a session and log 'payment - "
        "id must be defined': not sent",
        hint="pass --session payses_… (a test cart's payment session), or run 'storectl "
        "webhooks test' without --event",
    )


def _allowed(
    env: Env, url: str, chosen: list[str], session_id: str | None, guard: Callable[[Action], None]
) -> tuple[str, bool]:
    """(the signing secret, live mode) once the events may be sent: a secret to sign with, a
    real session id if one is named, and the guard's yes for a live key or for a session on a
    production backend (Medusa acts on it: `succeeded` captures the payment)."""
    secret = env.value("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ConfigError(
            "STRIPE_WEBHOOK_SECRET is not set: there is nothing to sign the events with",
            hint="run 'storectl webhooks register' first",
        )
    if session_id is not None and not session_id.startswith("payses_"):
        raise UsageError(
            f"--session {session_id}: not a Medusa payment session id",
            hint="pass the payses_… id of a test cart's payment session",
        )
    livemode = stripe_mode(env.value("STRIPE_API_KEY")) == "live"
    if livemode or session_id is not None:
        target = f"session {session_id}" if session_id else "no session"
        question = f"Send {len(chosen)} signed test event(s) for {target} to {url}?"
        plan = [f"will send to {url}:"] + [
            f"  {t}: {ACTIONS[t][1] if session_id else IGNORED}" for t in chosen
        ]
        guard(Action.of(env, question, plan, url=url))
    return secret, livemode


def _post_one(
    http: httpx.Client,
    url: str,
    type_: str,
    secret: str,
    session_id: str | None,
    livemode: bool,
    amount: int,
    currency: str,
) -> EventTest:
    """Sign and POST one event of `type_`; what the backend's answer means."""
    now = int(time.time())
    event_id, intent_id, body = payload(type_, now, session_id, livemode, amount, currency)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_api.sign(body, secret, now),
    }
    try:
        response = medusa_api.request(http, "POST", url, content=body, headers=headers)
    except limits.LimitExceeded as exc:
        where = Stage.TIMEOUT if exc.stage == limits.TIMEOUT else Stage.PROTOCOL
        raise NetworkError(where, f"{url}: {exc.message}", "raise --timeout") from None
    status, stage, summary, hint = medusa.classify_webhook_route(
        url, response.status_code, response.headers.get("content-type", ""), response.text
    )
    return EventTest(
        event_type=type_,
        event_id=event_id,
        intent_id=intent_id,
        http_status=response.status_code,
        status=status,
        stage=stage,
        summary=summary,
        medusa_action=ACTIONS[type_][1] if session_id else IGNORED,
        hint=hint,
    )


@dataclass(frozen=True)
class WebhookTest:
    url: str
    event_type: str
    event_id: str
    http_status: int
    status: Status
    stage: Stage | None
    summary: str
    hint: str | None


def test_event(now: int, type_: str = "payment_intent.succeeded") -> tuple[str, bytes]:
    """A synthetic event (payment_intent.succeeded by default), as Stripe would send it."""
    event_id = f"evt_storectl_{secrets.token_hex(8)}"
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "type": type_,
        "data": {
            "object": {
                "id": f"pi_storectl_{secrets.token_hex(8)}",
                "object": "payment_intent",
                "amount": 0,
                "amount_received": 0,
                "currency": "usd",
                "status": "succeeded",
                "metadata": {"storectl_test": "true"},
            }
        },
    }
    return event_id, json.dumps(event, separators=(",", ":")).encode()


#: An event type Medusa's Stripe provider does not map: received, logged, acted on by nothing.
PROBE_TYPE = "storectl.probe"


def send_test(env: Env, url: str, timeout: float) -> WebhookTest:
    """POST a synthetic, correctly signed payment_intent.succeeded event (an unmapped
    `storectl.probe` to a backend before Medusa 2.16) and classify the answer."""
    secret = env.value(SECRET_VAR)
    if not secret:
        raise ConfigError(
            f"{SECRET_VAR} is not set: there is nothing to sign the test event with",
            hint="run 'storectl webhooks register' first",
        )
    now = int(time.time())
    # Before 2.16 Medusa acts on an intent without metadata.session_id and logs an error for
    # it; a type no provider maps ("storectl.probe") is only logged as received.
    type_ = (
        PROBE_TYPE
        if medusa_version.processes_sessionless_events(medusa_version.detect(env))
        else "payment_intent.succeeded"
    )
    event_id, body = test_event(now, type_)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_api.sign(body, secret, now),
    }
    response = medusa_api.post_webhook(url, body, headers, timeout)
    status, stage, summary, hint = medusa.classify_webhook_route(
        url, response.status_code, response.headers.get("content-type", ""), response.text
    )
    return WebhookTest(
        url=url,
        event_type=type_,
        event_id=event_id,
        http_status=response.status_code,
        status=status,
        stage=stage,
        summary=summary,
        hint=hint,
    )
