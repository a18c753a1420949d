"""`storectl mail replay`: order events rendered again and sent to a safe recipient over one
SMTP session (previews and the test mail are in `preview.py`, where orders come from in
`orders.py`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from storectl.env import Env
from storectl.errors import NetworkError, StorectlError, UsageError
from storectl.guard import Action
from storectl.mail import render as mail
from storectl.mail.orders import admin_api, parse_since, sender, store_name, unusable
from storectl.model import Stage
from storectl.providers import smtp_mailer, smtp_session
from storectl.providers.shape import JSON, Object
from storectl.redact import clean_peer_text


@dataclass(frozen=True)
class Delivery:
    order_id: str
    #: as the backend sent it (a number from Medusa)
    display_id: JSON
    to: str | None
    subject: str | None
    status: str  # sent, failed, planned
    reply: str | None = None
    error: str | None = None
    stage: Stage | None = None


@dataclass(frozen=True)
class ReplayReport:
    event: str
    template: str
    dry_run: bool
    to_customer: bool
    deliveries: tuple[Delivery, ...]
    sent: int
    failed: int
    connections: int
    duration_ms: int


#: One order to mail: its id as asked, the order when found, else why not.
Found: TypeAlias = "tuple[str, Object | None, StorectlError | None]"


@dataclass(frozen=True)
class _Plan:
    """What every delivery of one replay shares."""

    event: str
    template: str
    tpl: mail.Templates
    name: str
    from_addr: str
    envelope_from: str
    to: str | None
    dry_run: bool


def replay(
    env: Env,
    *,
    event: str,
    order_ids: Sequence[str],
    since: str | None,
    sample: bool,
    to: str | None,
    to_customer: bool,
    dry_run: bool,
    tpl: mail.Templates,
    timeout: float,
    guard: Callable[[Action], None],
    progress: Callable[[Delivery], None] | None = None,
) -> ReplayReport:
    """Render the event's template for each order and send it over one SMTP session."""
    started = time.monotonic()
    canonical = mail.event_name(event)
    template = mail.EVENTS[canonical]
    _check_choice(order_ids, since, sample, to, to_customer)
    since_iso = parse_since(since) if since is not None else None  # a usage error comes first
    from_addr = sender(env)
    plan = _Plan(
        canonical,
        template,
        tpl,
        store_name(env),
        from_addr,
        smtp_session.parseaddr_address(from_addr),
        to,
        dry_run,
    )
    orders = _load_orders(env, order_ids, since_iso, sample, timeout)
    if to_customer and not dry_run:
        # asked once the orders are known, so the question shows who would get mail; their
        # inboxes are never on this machine, whatever the backend's address
        question = f"Send replayed mail to {len(orders)} REAL customer(s)?"
        guard(Action.of(env, question, recipient_lines(orders), customers=True))
    deliveries, connections = _send_all(env, timeout, orders, plan, progress)
    return ReplayReport(
        event=canonical,
        template=template,
        dry_run=dry_run,
        to_customer=to_customer,
        deliveries=tuple(deliveries),
        sent=sum(d.status == "sent" for d in deliveries),
        failed=sum(d.status == "failed" for d in deliveries),
        connections=connections,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


def _check_choice(
    order_ids: Sequence[str], since: str | None, sample: bool, to: str | None, to_customer: bool
) -> None:
    """Exactly one way to choose the orders, and exactly one recipient rule."""
    if sum([bool(order_ids), since is not None, sample]) != 1:
        raise UsageError(
            "choose the orders", hint="pass --order ID (repeatable), --since DATE or --sample"
        )
    if to and to_customer:
        raise UsageError("--to and --to-customer exclude each other", hint="use one of them")
    if not to and not to_customer:
        raise UsageError(
            "no recipient: replayed mail goes to --to only",
            hint="pass --to you@example.com (or --to-customer to mail each order's customer)",
        )


def _load_orders(
    env: Env, order_ids: Sequence[str], since_iso: str | None, sample: bool, timeout: float
) -> list[Found]:
    """The sample order, or the orders since `since_iso` and then each --order (an unknown or
    unusable id is kept as a failure of its own, so the others still go)."""
    if sample:
        example = mail.sample_order()
        return [(str(example["id"]), example, None)]
    orders: list[Found] = []
    with admin_api(env, timeout) as admin:
        if since_iso is not None:
            found = admin.orders_since(since_iso, mail.ORDER_FIELDS)
            orders += [(str(o.get("id")), o, None) for o in found]
        for order_id in order_ids:
            bad = unusable(order_id, "id")
            if bad is not None:
                orders.append((order_id, None, UsageError(bad)))
                continue
            try:
                orders.append((order_id, admin.order(order_id, mail.ORDER_FIELDS), None))
            except NetworkError as exc:
                if exc.stage is not Stage.NOT_FOUND:
                    raise
                orders.append((order_id, None, exc))
    return orders


def _send_all(
    env: Env,
    timeout: float,
    orders: Sequence[Found],
    plan: _Plan,
    progress: Callable[[Delivery], None] | None,
) -> tuple[list[Delivery], int]:
    """Every order over one mailer: (the deliveries, the connections it opened)."""
    deliveries: list[Delivery] = []
    with smtp_mailer.SmtpMailer(env, timeout) as mailer:
        for order_id, found, problem in orders:
            if found is None:
                assert problem is not None
                item = Delivery(
                    clean_peer_text(order_id),
                    None,
                    plan.to,
                    None,
                    "failed",
                    error=problem.message,
                    stage=problem.stage or Stage.CONFIG,
                )
            else:
                item = _deliver(mailer, found, plan)
            deliveries.append(item)
            if progress is not None:
                progress(item)
        return deliveries, mailer.connections


def recipient_lines(
    orders: Sequence[Found],
) -> list[str]:
    """What `replay --to-customer` shows before it asks: each order and who would get its mail."""
    lines = ["will send to:"]
    for order_id, found, _problem in orders:
        if found is None:
            lines.append(f"  {clean_peer_text(order_id)}: not found, nothing sent")
            continue
        email = clean_peer_text(str(found.get("email") or "")) or "no email, nothing sent"
        lines.append(f"  #{found.get('display_id')} {clean_peer_text(order_id)} → {email}")
    return lines


def _deliver(mailer: smtp_mailer.Mailer, order: Object, plan: _Plan) -> Delivery:
    """One order's mail: planned (dry run), sent, or failed for this order alone; a server that
    is unusable raises, since every other order would fail the same way."""
    order_id = str(order.get("id"))
    display_id = order.get("display_id")
    recipient = plan.to or str(order.get("email") or "")
    refused = _refused(order_id, display_id, recipient, plan.to)
    if refused is not None:
        return refused
    rendered = plan.tpl.render(plan.template, order, plan.name)
    if plan.dry_run:
        return Delivery(order_id, display_id, recipient, rendered.subject, "planned")

    def failed(error: str, stage: Stage | None) -> Delivery:
        return Delivery(
            order_id, display_id, recipient, rendered.subject, "failed", error=error, stage=stage
        )

    try:
        msg = mail.message(
            rendered, sender=plan.from_addr, to=recipient, event=plan.event, order_id=order_id
        )
    except ValueError as exc:  # a header the email package refuses (this order's data)
        return failed(f"the message cannot be built: {clean_peer_text(str(exc))}", Stage.PROTOCOL)
    try:
        reply = mailer.send(msg, plan.envelope_from, recipient)
    except NetworkError as exc:
        if exc.unusable or exc.stage in (Stage.AUTH, Stage.CONFIG):
            raise  # the server is unusable: every other order would fail the same way
        return failed(exc.message, exc.stage)
    return Delivery(order_id, display_id, recipient, rendered.subject, "sent", reply=reply)


def _refused(order_id: str, display_id: JSON, recipient: str, to: str | None) -> Delivery | None:
    """The failure of an order whose id or email cannot go into a header, or that has no email."""
    bad = unusable(order_id, "id") or (None if to else unusable(recipient, "email"))
    if bad is not None:  # this order only: the others are still sent
        return Delivery(
            clean_peer_text(order_id),
            display_id,
            clean_peer_text(recipient) or None,
            None,
            "failed",
            error=bad,
            stage=Stage.PROTOCOL,
        )
    if not recipient:
        return Delivery(
            order_id,
            display_id,
            None,
            None,
            "failed",
            error="the order has no email",
            stage=Stage.CONFIG,
        )
    return None
