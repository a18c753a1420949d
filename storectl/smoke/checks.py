"""The checkout's later steps (shipping, payment, complete), the checks that follow a placed
order (admin, webhook, mail, reservation), the cleanup, and the hints that name each fix."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.providers import checkout_api as api
from storectl.providers.shape import JSON, Object, dig, member, obj, objects, present, whole
from storectl.smoke.plan import STRIPE

if TYPE_CHECKING:
    from storectl.smoke.state import Run

#: How often the store's asynchronous work (webhook, subscribers) is looked at.
POLL = 0.25


class StepFailed(Exception):
    """A step ran and the store's answer was wrong: the step, stage, what and the fix."""

    def __init__(self, step: str, stage: Stage, summary: str, hint: str) -> None:
        super().__init__(summary)
        self.step, self.stage, self.summary, self.hint = step, stage, summary, hint


def _amount(value: JSON) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def shipping(state: Run, cart_path: str) -> None:
    """The cheapest option the store offers for the cart's country, then the method."""
    cart_id = str(state.created.cart_id)
    found = state.store.call("GET", "/store/shipping-options", params={"cart_id": cart_id})
    options = objects(found.get("shipping_options"))
    if not options:
        raise StepFailed(
            "shipping",
            Stage.CONFIG,
            f"no shipping option serves country {state.plan.country} "
            "(GET /store/shipping-options answered none)",
            f"add {state.plan.country} to a service zone of a fulfillment set at a stock "
            "location linked to the key's sales channel, with a shipping option enabled in store",
        )

    def price(option: Object) -> float:
        value = dig(option, "calculated_price", "calculated_amount")
        found = _amount(value) if value is not None else _amount(option.get("amount"))
        return found if found is not None else float("inf")

    cheapest = min(options, key=price)
    option_id = present(cheapest, "id", "GET /store/shipping-options")
    state.store.call("POST", f"{cart_path}/shipping-methods", {"option_id": option_id})
    state.choose(shipping_option=str(cheapest.get("name") or option_id))
    cost = price(cheapest)
    shown = f" at {cost:g} {state.plan.currency}" if cost != float("inf") else ""
    state.ok("shipping", f"{cheapest.get('name')}{shown} (cheapest of {len(options)})")


def payment_session(state: Run) -> None:
    route = "/store/payment-collections"
    collection = member(
        state.store.call("POST", route, {"cart_id": state.created.cart_id}),
        "payment_collection",
        f"POST {route}",
    )
    collection_id = present(collection, "id", f"POST {route}")
    sessions_path = f"/store/payment-collections/{collection_id}/payment-sessions"
    answer = member(
        state.store.call("POST", sessions_path, {"provider_id": state.plan.provider}),
        "payment_collection",
        f"POST {sessions_path}",
    )
    sessions = [
        s
        for s in objects(answer.get("payment_sessions"))
        if s.get("provider_id") == state.plan.provider
    ]
    if not sessions:
        raise StepFailed(
            "payment-session",
            Stage.PROTOCOL,
            f"the payment collection holds no {state.plan.provider} session",
            "see the backend's log for the payment provider's error",
        )
    session = sessions[-1]
    intent = dig(session, "data", "id") if state.plan.provider == STRIPE else None
    state.made(
        payment_collection_id=collection_id,
        payment_session_id=session.get("id"),
        payment_intent_id=intent,
    )
    if state.plan.provider == STRIPE and not intent:
        raise StepFailed(
            "payment-session",
            Stage.PROTOCOL,
            "the Stripe session carries no PaymentIntent (`data.id`)",
            "is the backend's Stripe provider configured? See its log",
        )
    state.ok("payment-session", f"{session.get('id')} ({state.plan.provider})")


def confirm_intent(state: Run) -> None:
    """Server-side confirmation with Stripe's test card, as Stripe documents for tests."""
    state.stripe = api.StripeCalls(state.env, state.deadline, state.meter)
    intent = str(state.created.payment_intent_id)
    back = state.env.value("NEXT_PUBLIC_BASE_URL") or "https://storefront.example.com"
    confirmed = state.stripe.confirm(intent, back.rstrip("/") + "/storectl-smoke")
    status = confirmed.get("status")
    if status not in ("requires_capture", "succeeded"):
        raise StepFailed(
            "stripe-confirm",
            Stage.PROTOCOL,
            f"PaymentIntent {intent} is {status} after confirming with pm_card_visa",
            "see the intent in Stripe's dashboard (test mode): its last_payment_error",
        )
    state.ok("stripe-confirm", f"{intent} {status} (pm_card_visa)")


def complete(state: Run, cart_path: str) -> None:
    """`/complete` answers 200 for a payment failure too: `type` tells."""
    done = state.store.call("POST", f"{cart_path}/complete", {})
    order = obj(done.get("order"))
    if done.get("type") != "order" or order is None:
        said = dig(done, "error", "message") or "no message"
        raise StepFailed(
            "complete",
            Stage.PROTOCOL,
            f"POST {cart_path}/complete answered 200 with type {done.get('type')!r}: {said}",
            "the payment was not authorized: check the payment provider's settings and the "
            "backend's log (with Stripe: the intent's status in the dashboard)",
        )
    items = [i.get("id") for i in objects(order.get("items"))]
    state.line_items = [str(i) for i in items if i]
    state.made(
        order_id=order.get("id"),
        display_id=order.get("display_id"),
        order_total=_amount(order.get("total")),
    )
    state.ok(
        "complete",
        f"order #{order.get('display_id')} ({order.get('id')}), "
        f"{order.get('total')} {state.plan.currency}",
    )


def follow_ups(state: Run) -> None:
    """What should follow a placed order, each its own step within the deadline."""
    if state.admin is None:
        for step in ("order", "webhook", "mail", "reservation"):
            state.skip(step, "no admin credentials (--keep): not checked")
        return
    state.current = "order"
    _order(state)
    state.current = "webhook"
    if state.plan.provider == STRIPE:
        _webhook(state)
    else:
        state.skip("webhook", f"{state.plan.provider} sends no webhook")
    state.current = "mail"
    _mail(state)
    state.current = "reservation"
    held = _reservations(state)
    if not held:
        raise StepFailed(
            "reservation",
            Stage.CONFIG,
            f"no inventory reservation for order {state.created.order_id}",
            "the variant manages no inventory, or the order's workflow failed: see the log",
        )
    state.ok("reservation", f"{held} unit(s) reserved")


def _order(state: Run) -> None:
    assert state.admin is not None
    order_id = state.created.order_id
    fields = "id,display_id,status,email,total,currency_code,metadata,payment_status"
    route = f"/admin/orders/{order_id}"
    order = member(state.admin.call("GET", route, {"fields": fields}), "order", f"GET {route}")
    total, expected = _amount(order.get("total")), state.created.order_total
    marker = dig(order, "metadata", "storectl_smoke")
    if total is None or expected is None or abs(total - expected) > 0.005:
        raise StepFailed(
            "order",
            Stage.PROTOCOL,
            f"order {order_id} totals {order.get('total')} in the admin, the checkout said "
            f"{expected}",
            "a price, tax or promotion differs between the store and the admin: compare them",
        )
    if marker != state.plan.run_id:
        state.notes.append(f"order {order_id} does not carry metadata {marker!r}")
    state.ok(
        "order",
        f"#{order.get('display_id')} {order.get('status')}, {total:g} "
        f"{order.get('currency_code')}, payment {order.get('payment_status')}",
    )


def _webhook(state: Run) -> None:
    """Stripe delivered the intent's event and Medusa recorded the payment as the capture
    setting says; bounded by --webhook-wait."""
    assert state.admin is not None and state.stripe is not None
    intent_id = str(state.created.payment_intent_id)
    intent = state.stripe.intent(intent_id)
    automatic = intent.get("capture_method") in ("automatic", "automatic_async")
    wanted = "payment_intent.succeeded" if automatic else "payment_intent.amount_capturable_updated"
    until = min(state.deadline.end, time.monotonic() + state.options.webhook_wait)
    delivered, payment = False, None
    while True:
        events = state.stripe.events(whole(intent.get("created")))
        mine = [
            e
            for e in events
            if e.get("type") == wanted and dig(e, "data", "object", "id") == intent_id
        ]
        delivered = bool(mine) and all(e.get("pending_webhooks") == 0 for e in mine)
        payment = _payment(state)
        recorded = payment is not None and (not automatic or payment.get("captured_at"))
        if (delivered and recorded) or time.monotonic() >= until:
            break
        state.wait(POLL)
    _webhook_verdict(state, wanted, bool(mine), delivered, payment, automatic)


def _webhook_verdict(
    state: Run, wanted: str, sent: bool, delivered: bool, payment: Object | None, automatic: bool
) -> None:
    wait = f"{state.options.webhook_wait:g} s"
    if not sent:
        raise StepFailed(
            "webhook",
            Stage.TIMEOUT,
            f"Stripe sent no {wanted} within {wait}",
            "is a webhook endpoint registered for this store? Run 'storectl webhooks list'",
        )
    if not delivered:
        raise StepFailed(
            "webhook",
            Stage.TIMEOUT,
            f"Stripe's {wanted} was not delivered within {wait} (pending_webhooks > 0)",
            "the webhook URL does not answer 2xx: run 'storectl webhooks test' and check "
            "STRIPE_WEBHOOK_PATH",
        )
    if payment is None or (automatic and not payment.get("captured_at")):
        raise StepFailed(
            "webhook",
            Stage.AUTH,
            f"Stripe delivered {wanted}, but Medusa did not record the payment "
            + ("as captured" if automatic else "for the session"),
            "the backend could not verify the event: STRIPE_WEBHOOK_SECRET must be the "
            "endpoint's signing secret (storectl webhooks register --rotate-secret)",
        )
    state.ok(
        "webhook",
        f"{wanted} delivered; Medusa recorded the payment "
        + ("captured" if automatic else "authorized (manual capture)"),
    )


def _payment(state: Run) -> Object | None:
    assert state.admin is not None
    found = state.admin.call(
        "GET",
        "/admin/payments",
        {
            "payment_session_id": state.created.payment_session_id,
            "fields": "id,captured_at,canceled_at,provider_id,amount",
        },
    ).get("payments")
    rows = objects(found)
    return rows[0] if rows else None


def _mail(state: Run) -> None:
    """The order's mail as the Notification Module records it; a store that records none
    (its mail leaves another way, or it sends none) is a skip, not a failure."""
    assert state.admin is not None
    order_id, email = state.created.order_id, state.plan.email
    until = min(state.deadline.end, time.monotonic() + state.options.mail_wait)
    while True:
        answer = state.admin.call("GET", "/admin/notifications", {"limit": 50})
        rows = objects(answer.get("notifications"))
        mine = [n for n in rows if n.get("resource_id") == order_id or n.get("to") == email]
        if mine:
            state.ok(
                "mail", f"{mine[0].get('template')} recorded to {email} ({mine[0].get('channel')})"
            )
            return
        if not answer.get("count"):
            state.skip("mail", "the store records no notifications (Notification Module unused)")
            return
        if time.monotonic() >= until:
            break
        state.wait(POLL)
    raise StepFailed(
        "mail",
        Stage.TIMEOUT,
        f"no notification for order {order_id} within {state.options.mail_wait:g} s",
        "the store records notifications, but not this order's: is a subscriber on "
        "order.placed loaded? See the backend's log",
    )


def _reservations(state: Run) -> int:
    assert state.admin is not None
    items = state.line_items
    if not items:
        return 0
    found = state.admin.call("GET", "/admin/reservations", {"line_item_id": items})
    rows = objects(found.get("reservations"))
    return int(sum(_amount(r.get("quantity")) or 0 for r in rows))


def clean_up(state: Run) -> None:
    """Cancel the order (and the Stripe intent), check the reservation is released, within
    the cleanup budget; name what stays."""
    end = state.started + state.options.timeout
    state.deadline.end = min(end, time.monotonic() + state.options.cleanup_budget)
    order, intent = state.created.order_id, state.created.payment_intent_id
    if state.options.keep:
        state.cleanup = "kept (--keep)" if state.created.cart_id else "nothing was created"
        return
    try:
        if order and state.admin is not None:
            state.current = "cancel"
            _cancel(state, str(order))
        if intent and state.stripe is not None:
            state.current = "stripe-cleanup"
            _intent_cleanup(state, str(intent))
        if order and state.admin is not None:
            state.current = "released"
            held = _reservations(state)
            if held:
                raise StepFailed(
                    "released",
                    Stage.PROTOCOL,
                    f"{held} unit(s) still reserved after cancel",
                    "release the reservation in Admin > Inventory > Reservations",
                )
            state.ok("released", "the reservation is gone (stock back)")
        state.cleanup = _cleanup_summary(state)
    except (StepFailed, NetworkError) as exc:
        step = getattr(exc, "step", None) or state.current or "cleanup"
        summary, hint = (
            (exc.summary, exc.hint) if isinstance(exc, StepFailed) else explain(step, exc, state)
        )
        state.steps.fail(step, exc.stage, summary, hint)
        state.cleanup = "incomplete: " + summary
    except KeyboardInterrupt:
        state.interrupted = True
        state.cleanup = "interrupted during cleanup"


def _cleanup_summary(state: Run) -> str:
    if state.created.order_id:
        return f"order {state.created.order_id} canceled"
    if state.created.cart_id:
        return f"no order was placed; cart {state.created.cart_id} stays (carts cannot be deleted)"
    return "nothing was created"


def _cancel(state: Run, order: str) -> None:
    assert state.admin is not None
    try:
        state.admin.call("POST", f"/admin/orders/{order}/cancel")
    except api.Refused as exc:
        raise StepFailed(
            "cancel",
            Stage.PROTOCOL,
            f"the backend refused to cancel order {order}: {exc.answer or exc.status}",
            f"cancel it in the admin (Orders > #{state.created.display_id} > Cancel); a "
            "fulfillment must be canceled first",
        ) from None
    state.ok("cancel", f"order {order} canceled")


def _intent_cleanup(state: Run, intent_id: str) -> None:
    assert state.stripe is not None
    intent = state.stripe.intent(intent_id)
    status = intent.get("status")
    if status == "canceled":
        state.ok("stripe-cleanup", f"{intent_id} already canceled (by Medusa's cancel)")
    elif status == "succeeded":
        state.stripe.refund(intent_id)
        state.ok("stripe-cleanup", f"{intent_id} refunded (test mode)")
    else:
        state.stripe.cancel(intent_id)
        state.ok("stripe-cleanup", f"{intent_id} canceled (was {status})")


def left_in_admin(state: Run) -> tuple[str, ...]:
    """What an operator finds in the admin after this run, and why."""
    c = state.created
    if c.cart_id is None:
        return ()
    if c.order_id is None:
        return (f"cart {c.cart_id} (never completed; carts cannot be deleted)",)
    status = "open (--keep)" if state.options.keep else "canceled"
    if state.options.keep is False and "incomplete" in state.cleanup:
        status = "NOT canceled (cleanup failed: cancel it in the admin)"
    return (
        f"order #{c.display_id} ({c.order_id}), {status}, email {c.customer_email}, "
        f"metadata storectl_smoke={state.plan.run_id}",
        f"the completed cart {c.cart_id} and the guest customer {c.customer_email}",
        "the payment session; its payment "
        + ("canceled" if status == "canceled" else "as the store left it"),
    )


#: Store answers that name their fix, by the step and Medusa's error code or message.
def explain(step: str, exc: NetworkError, state: Run) -> tuple[str, str]:
    """(summary, hint) for a failed request: which request, what the store answered, the fix."""
    hint = exc.hint or "see the backend's log"
    if not isinstance(exc, api.Refused):
        return exc.message, hint
    said = exc.answer.lower()
    p = state.plan
    if step == "line-item" and ("inventory" in said or "stock location" in said):
        hint = (
            f"the key's channel has no stock location for variant {p.variant_id} (or none in "
            "stock): link a stock location holding it to the key's sales channel"
        )
    elif step == "line-item" and "price" in said:
        hint = f"give {p.variant_id} a price in {p.currency} (the region {p.region})"
    elif step == "address" and "not within region" in said:
        hint = f"add {p.country} to the region {p.region}, or pick another with --country"
    elif step == "shipping":
        hint = f"no shipping option serves country {p.country}: check its service zone and rules"
    elif step == "payment-session":
        hint = f"enable {p.provider} in the region {p.region} (Settings > Regions)"
    elif step == "stripe-confirm":
        hint = "see the intent in Stripe's dashboard (test mode); is STRIPE_API_KEY the store's?"
    elif step == "cart" and "sales channel" in said:
        hint = "the publishable key is linked to several sales channels (or none): link one"
    elif exc.status >= 500:
        hint = "the backend failed: see its log"
    return exc.message, hint
