"""Stripe against Medusa: the payments Stripe settled that Medusa never heard of, and the events
Stripe could not deliver.

A stock Medusa 2.x answers 200 on `/hooks/payment/...` before it checks the signature, so a
wrong STRIPE_WEBHOOK_SECRET looks like a delivered webhook to Stripe. What proves the secret is
the outcome: every PaymentIntent that succeeded (or waits for capture) must have its Medusa
payment, found by `metadata.session_id` = `payment_session_id`. Read-only; what it reports
carries ids, amounts and times only (never a customer's name or email).

Every call goes through the bounded clients (net/transport.py, net/sdk.py) under one deadline,
with page caps (a looping cursor is PROTOCOL). One module: the bounded reads, the comparison,
doctor's `payments-sync` and `deliveries`, and what `storectl payments` shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storectl.env import Env
from storectl.errors import ConfigError, NetworkError
from storectl.model import Check, Stage, Status
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.net.errors import broken_exchange
from storectl.providers import stripe_api
from storectl.providers.base import ProbeOptions
from storectl.providers.medusa_api import Admin
from storectl.providers.probe import Steps
from storectl.providers.shape import Object, obj, objects, whole
from storectl.providers.stripe_api import (
    MEDUSA_EVENTS,
    Params,
    call,
    classify,
    list_endpoints,
    plain,
)
from storectl.providers.values import MEDUSA_HOOK_PATH, same_url, webhook_url

if TYPE_CHECKING:
    from stripe import StripeClient

#: The most PaymentIntents one comparison reads (10 pages of 100, newest first).
MAX_INTENTS = 1000
#: Stripe's largest page.
STRIPE_PAGE = 100
#: Session ids per admin request (repeated `payment_session_id=` keys: ~4 KB of query).
SESSIONS_PER_REQUEST = 100
PAYMENT_FIELDS = "id,payment_session_id,captured_at,canceled_at,amount,currency_code,created_at"


# --- bounded clients ---------------------------------------------------------------------------


def stripe_client(env: Env, deadline: Deadline) -> StripeClient:
    """A StripeClient on the bounded transport: every byte within `deadline`, bodies capped."""
    return stripe_api.client(env, deadline.remaining(), deadline)


def admin(env: Env, deadline: Deadline) -> Admin:
    """An admin client whose HTTP goes through the bounded transport, under `deadline`."""
    return Admin(env, deadline.remaining(), deadline)


def has_admin_credentials(env: Env) -> bool:
    """Whether the admin API can be read at all (an API key, or an email and password)."""
    return env.is_set("MEDUSA_ADMIN_API_KEY") or (
        env.is_set("MEDUSA_ADMIN_EMAIL") and env.is_set("MEDUSA_ADMIN_PASSWORD")
    )


def failure(exc: Exception) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for whatever a Stripe or admin call raised."""
    if isinstance(exc, NetworkError):
        return exc.stage, exc.message, exc.hint or "see the message"
    if isinstance(exc, limits.LimitExceeded):
        return (
            Stage.TIMEOUT if exc.stage == limits.TIMEOUT else Stage.PROTOCOL,
            exc.message,
            "raise --timeout, or check what answers at STRIPE_API_BASE / MEDUSA_BACKEND_URL",
        )
    broken = broken_exchange(exc)
    if broken is not None:  # the bounded transport's peer closed mid-exchange
        return (
            Stage.PROTOCOL,
            f"the server broke the HTTP exchange ({broken})",
            "check STRIPE_API_BASE: is it Stripe's API (or a proxy to it)?",
        )
    return classify(exc)


# --- reading Stripe ----------------------------------------------------------------------------


def stripe_list(
    client: StripeClient,
    resource: str,
    params: Params,
    deadline: Deadline,
    max_items: int = MAX_INTENTS,
) -> tuple[list[Object], bool]:
    """Newest-first Stripe list (`payment_intents`, `events`), at most `max_items`: (items,
    truncated). A cursor that repeats is a PROTOCOL error (limits.pages)."""
    service = getattr(client.v1, resource)
    truncated = False
    wanted_pages = max(1, -(-max_items // STRIPE_PAGE))
    read = 0

    def fetch(after: str | None) -> tuple[list[Object], str | None]:
        nonlocal truncated, read
        query = {**params, "limit": STRIPE_PAGE, **({"starting_after": after} if after else {})}
        page = call(lambda: service.list(query), deadline)
        read += 1
        items = [plain(item) for item in page.data]
        if not page.has_more or not items:
            return items, None
        if read >= wanted_pages:
            truncated = True
            return items, None
        return items, str(items[-1]["id"])

    items = limits.pages(fetch, what=f"Stripe's {resource}", deadline=deadline)
    return items[:max_items], truncated or len(items) > max_items


# --- reading Medusa ----------------------------------------------------------------------------


def payments_by_session(
    client: Admin, session_ids: Sequence[str], deadline: Deadline
) -> dict[str, Object]:
    """Medusa's payments for these sessions: one admin request per SESSIONS_PER_REQUEST ids,
    several values as a repeated key (a comma-separated value matches nothing: contract)."""
    found: dict[str, Object] = {}
    for start in range(0, len(session_ids), SESSIONS_PER_REQUEST):
        batch = list(session_ids[start : start + SESSIONS_PER_REQUEST])

        def fetch(offset: int | None, batch: list[str] = batch) -> tuple[list[Object], int | None]:
            params: list[tuple[str, str | int]] = [("payment_session_id", s) for s in batch]
            params += [("fields", PAYMENT_FIELDS), ("limit", len(batch)), ("offset", offset or 0)]
            data = client.call("GET", "/admin/payments", params=params)
            raw = data.get("payments")
            page = objects(raw)
            # the next offset counts what Medusa sent, objects or not (a stray item is skipped)
            seen = (offset or 0) + (len(raw) if isinstance(raw, list) else 0)
            return page, seen if page and seen < whole(data.get("count")) else None

        for payment in limits.pages(fetch, what="Medusa's payments", deadline=deadline):
            if payment.get("payment_session_id"):
                key = str(payment["payment_session_id"])
                # a captured payment wins over an uncaptured one for the same session
                if key not in found or (
                    payment.get("captured_at") and not found[key].get("captured_at")
                ):
                    found[key] = payment
    return found


# --- the comparison ----------------------------------------------------------------------------

#: Events older than this and still undelivered mean the route is broken, not just slow.
DELIVERY_GRACE = 3600
#: The two Stripe states Medusa must have heard of, and the event that tells it.
SETTLED = {
    "succeeded": "payment_intent.succeeded",
    "requires_capture": "payment_intent.amount_capturable_updated",
}


@dataclass(frozen=True)
class OutOfSync:
    """One payment Stripe settled that Medusa does not show as settled. Ids, amounts, times."""

    intent_id: str
    status: str
    amount: int
    currency: str
    created: int
    session_id: str
    payment_id: str | None
    problem: str
    #: the event Medusa should have processed, and (filled by `storectl payments`) its id
    event_type: str
    event_id: str | None = None


@dataclass(frozen=True)
class Comparison:
    since: int
    intents: int
    compared: int
    processing: int
    without_session: int
    truncated: bool
    out_of_sync: tuple[OutOfSync, ...]


def compare(stripe: StripeClient, client: Admin, since: int, deadline: Deadline) -> Comparison:
    """Stripe's intents since `since` (unix) against Medusa's payments for their sessions."""
    intents, truncated = stripe_list(
        stripe, "payment_intents", {"created": {"gte": since}}, deadline
    )
    # what was asked for, re-checked: stripe-mock and proxies answer every object
    intents = [i for i in intents if whole(i.get("created")) >= since]
    with_session = [i for i in intents if _session(i)]
    settled = [i for i in with_session if i.get("status") in SETTLED]
    sessions = list(dict.fromkeys(_session(i) for i in settled))
    payments = payments_by_session(client, sessions, deadline)
    wrong: list[OutOfSync] = []
    for intent in settled:
        session = _session(intent)
        payment = payments.get(session)
        status = str(intent.get("status"))
        if payment is None:
            problem = (
                "captured in Stripe, no payment in Medusa"
                if status == "succeeded"
                else "authorized in Stripe, no payment in Medusa"
            )
        elif status == "succeeded" and not payment.get("captured_at"):
            problem = "captured in Stripe, not captured in Medusa"
        else:
            continue
        wrong.append(
            OutOfSync(
                intent_id=str(intent.get("id")),
                status=status,
                amount=whole(intent.get("amount_received") or intent.get("amount")),
                currency=str(intent.get("currency") or ""),
                created=whole(intent.get("created")),
                session_id=session,
                payment_id=str(payment["id"]) if payment else None,
                problem=problem,
                event_type=SETTLED[status],
            )
        )
    wrong.sort(key=lambda o: o.created, reverse=True)
    return Comparison(
        since=since,
        intents=len(intents),
        compared=len(settled),
        processing=sum(1 for i in with_session if i.get("status") == "processing"),
        without_session=len(intents) - len(with_session),
        truncated=truncated,
        out_of_sync=tuple(wrong),
    )


def _session(intent: Object) -> str:
    """The Medusa payment session an intent was made for (`metadata.session_id`), or ""."""
    found = (obj(intent.get("metadata")) or {}).get("session_id")
    return str(found) if found else ""


def ago(seconds: float) -> str:
    """'40 min', '2 h', '3 d': how long ago, roughly."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def window(since_seconds: float) -> str:
    return f"the last {ago(since_seconds)}"


def secret_hint(env: Env) -> str:
    url, _origin = webhook_url(env)
    route = url or f"<backend>{MEDUSA_HOOK_PATH}"
    return (
        "Medusa's webhook handler never accepted these events: check that STRIPE_WEBHOOK_SECRET "
        f"is the signing secret of the endpoint for {route} (a stock backend serves "
        f"{MEDUSA_HOOK_PATH}), and look in the backend's log for 'No signatures found matching "
        "the expected signature'; 'storectl payments' prints the resend command for each"
    )


def payments_check(
    env: Env, options: ProbeOptions, steps: Steps, deadline: Deadline
) -> Comparison | None:
    """doctor's `payments-sync` check; skipped (with the reason) without admin access."""
    if not env.is_set("MEDUSA_BACKEND_URL") or not has_admin_credentials(env):
        steps.add(
            "payments-sync",
            Status.SKIP,
            "Stripe's payments were not compared with Medusa's: "
            + (
                "MEDUSA_BACKEND_URL is not set"
                if not env.is_set("MEDUSA_BACKEND_URL")
                else "no admin credentials"
            ),
            hint="set MEDUSA_BACKEND_URL and MEDUSA_ADMIN_API_KEY (or MEDUSA_ADMIN_EMAIL and "
            "MEDUSA_ADMIN_PASSWORD)",
        )
        return None
    since = int(time.time() - options.since)
    try:
        with admin(env, deadline) as client:
            client.login()
            result = compare(stripe_client(env, deadline), client, since, deadline)
    except Exception as exc:  # noqa: BLE001 - SDK, admin and limit errors end as a result
        stage, summary, hint = failure(exc)
        steps.fail("payments-sync", stage, f"payments not compared: {summary}", hint)
        return None
    span = window(options.since)
    cap = f" (the newest {MAX_INTENTS} intents only)" if result.truncated else ""
    if result.out_of_sync:
        _out_of_sync(env, result, steps, f"{span}{cap}")
    elif result.processing:
        steps.warn(
            "payments-sync",
            Stage.CONFIG,
            f"{result.compared} payments compared, all in sync; {result.processing} still "
            f"processing in Stripe ({span}{cap})",
            "rerun later: a processing intent settles within minutes to days (bank debits)",
        )
    elif not result.compared:  # nothing was proven: a skip that says what was read (issue 21 C)
        steps.add(
            "payments-sync",
            Status.SKIP,
            f"no settled payment to compare ({_read(result)}; {span}{cap})",
        )
    else:
        steps.ok(
            "payments-sync",
            f"{result.compared} payments compared, all in sync ({span}{cap})",
        )
    return result


def _read(result: Comparison) -> str:
    """What the intents read were, when none was compared."""
    others = result.intents - result.processing - result.without_session
    parts = [
        f"{result.intents} intent{'s' if result.intents != 1 else ''} read",
        f"{others} not settled" if others else "",
        f"{result.without_session} made outside Medusa" if result.without_session else "",
    ]
    head, *rest = [p for p in parts if p]
    return head + (": " + ", ".join(rest) if rest else "")


def _out_of_sync(env: Env, result: Comparison, steps: Steps, scope: str) -> None:
    """The failed `payments-sync` check: how many payments Medusa missed, and which events."""
    newest = ago(time.time() - result.out_of_sync[0].created)
    captured = [o for o in result.out_of_sync if o.status == "succeeded"]
    authorized = [o for o in result.out_of_sync if o.status != "succeeded"]
    parts = []
    if captured:
        parts.append(
            f"{len(captured)} payment{'s' if len(captured) != 1 else ''} captured in Stripe "
            "but not in Medusa"
        )
    if authorized:
        parts.append(f"{len(authorized)} authorized in Stripe but unknown to Medusa")
    never = " and ".join(dict.fromkeys(o.event_type for o in result.out_of_sync))
    steps.fail(
        "payments-sync",
        Stage.CONFIG,
        f"{'; '.join(parts)} (newest {newest} ago, {scope}): Medusa never processed {never}",
        secret_hint(env),
    )


def deliveries_check(
    env: Env,
    options: ProbeOptions,
    steps: Steps,
    deadline: Deadline,
    stripe: StripeClient | None = None,
) -> None:
    """doctor's `deliveries` check: Medusa's events that Stripe has not delivered after an hour."""
    since = int(time.time() - options.since)
    params: Params = {
        "created": {"gte": since},
        "types": list(MEDUSA_EVENTS),
        "delivery_success": False,
    }
    try:
        events, truncated = stripe_list(
            stripe or stripe_client(env, deadline), "events", params, deadline
        )
    except Exception as exc:  # noqa: BLE001
        stage, summary, hint = failure(exc)
        steps.fail("deliveries", stage, f"events not read: {summary}", hint)
        return
    answered = len(events)
    events = [e for e in events if _asked_for(e, since)]
    outside = _outside_note(answered - len(events))
    now = time.time()
    late = [e for e in events if now - whole(e.get("created")) > DELIVERY_GRACE]
    span = window(options.since) + outside
    if late:
        oldest = min(late, key=lambda e: whole(e.get("created")))
        url, _origin = webhook_url(env)
        steps.fail(
            "deliveries",
            Stage.CONFIG,  # the endpoint exists; Stripe cannot deliver to where it points
            f"{len(late)}{'+' if truncated else ''} payment event{'s' if len(late) != 1 else ''} "
            f"undelivered for over an hour ({span}); oldest {oldest.get('id')} "
            f"({oldest.get('type')}, {ago(now - whole(oldest.get('created')))} ago, "
            f"pending_webhooks {oldest.get('pending_webhooks')})",
            "Stripe cannot deliver to the webhook endpoint: "
            + (f"check that {url} is served by the backend" if url else "check its URL")
            + f" (a stock backend serves {MEDUSA_HOOK_PATH}; /store/* refuses Stripe) — see "
            "'storectl webhooks list' and the endpoint's attempts in Stripe's dashboard",
        )
    elif events:
        steps.warn(
            "deliveries",
            Stage.CONFIG,
            f"{len(events)} payment event{'s' if len(events) != 1 else ''} from the last hour "
            "not yet delivered (Stripe is still retrying)",
            "rerun in an hour; if they stay undelivered, the webhook route is wrong",
        )
    else:
        steps.ok("deliveries", f"every payment event delivered ({span})")


def _asked_for(event: Object, since: int) -> bool:
    """Whether an event is one the list asked for: in the window, of a type Medusa's Stripe
    provider maps (`delivery_success` cannot be re-checked: an event does not carry it).
    An API that ignores the filters (stripe-mock answers `plan.created` from 2009) must not
    turn other events into Medusa's problem."""
    return whole(event.get("created")) >= since and event.get("type") in MEDUSA_EVENTS


def _outside_note(count: int) -> str:
    """What the summary says about events the API returned against the filters asked for."""
    if not count:
        return ""
    return (
        f"; {count} event{'s' if count != 1 else ''} the API returned outside the filters "
        "asked for (window, Medusa's event types) left out: not Medusa's"
    )


def doctor_checks(env: Env, options: ProbeOptions, deadline: Deadline) -> list[Check]:
    """The Stripe probe's extra checks: payments in sync, and deliveries."""
    steps = Steps("stripe")
    payments_check(env, options, steps, deadline)
    deliveries_check(env, options, steps, deadline)
    return steps.checks


# --- for `storectl payments` -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    id: str | None
    url: str | None


def event_ids(
    stripe: StripeClient, since: int, wanted: Iterable[OutOfSync], deadline: Deadline
) -> dict[tuple[str, str], str]:
    """(intent id, event type) -> the newest event of that type about the intent."""
    wanted = list(wanted)
    if not wanted:
        return {}
    types = sorted({o.event_type for o in wanted})
    events, _truncated = stripe_list(
        stripe, "events", {"created": {"gte": since}, "types": types}, deadline
    )
    found: dict[tuple[str, str], str] = {}
    for event in events:
        about = obj((obj(event.get("data")) or {}).get("object")) or {}
        key = (str(about.get("id")), str(event.get("type")))
        found.setdefault(key, str(event.get("id")))
    return found


def webhook_endpoint(env: Env, stripe: StripeClient, deadline: Deadline) -> Endpoint:
    """The account's endpoint for this store's webhook URL (the first enabled one)."""
    url, _origin = webhook_url(env)
    if url is None:
        return Endpoint(None, None)
    endpoints = list_endpoints(stripe, deadline)
    matches = [e for e in endpoints if same_url(str(e.get("url", "")), url)]
    matches.sort(key=lambda e: e.get("status") != "enabled")
    return Endpoint(str(matches[0]["id"]) if matches else None, url)


def out_of_sync(
    env: Env, since_seconds: float, timeout: float, on_step: Callable[[str], None] | None = None
) -> tuple[Comparison, Endpoint, dict[tuple[str, str], str]]:
    """Everything `storectl payments` shows; errors are NetworkError/ConfigError."""
    if not env.is_set("STRIPE_API_KEY"):
        raise ConfigError("STRIPE_API_KEY is not set", hint="pass --env-file or --project")
    if not env.is_set("MEDUSA_BACKEND_URL") or not has_admin_credentials(env):
        raise ConfigError(
            "the Medusa admin API is needed: "
            + (
                "MEDUSA_BACKEND_URL is not set"
                if not env.is_set("MEDUSA_BACKEND_URL")
                else "no admin credentials"
            ),
            hint="set MEDUSA_ADMIN_API_KEY (or MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD)",
        )
    deadline = Deadline(timeout)
    since = int(time.time() - since_seconds)
    try:
        stripe = stripe_client(env, deadline)
        with admin(env, deadline) as client:
            client.login()
            result = compare(stripe, client, since, deadline)
        endpoint = (
            webhook_endpoint(env, stripe, deadline) if result.out_of_sync else Endpoint(None, None)
        )
        events = event_ids(stripe, since, result.out_of_sync, deadline)
    except (ConfigError, NetworkError):
        raise
    except Exception as exc:  # noqa: BLE001 - SDK and limit errors become NetworkError here
        stage, summary, hint = failure(exc)
        raise NetworkError(stage, summary, hint) from None
    return result, endpoint, events
