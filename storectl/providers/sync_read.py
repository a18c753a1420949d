"""The bounded reads `sync` compares: Stripe's newest-first lists and Medusa's payments by
session, each under the command's one deadline, with page caps (a looping cursor is PROTOCOL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers.medusa_api import Admin
from storectl.providers.stripe_api import call, classify

#: The most PaymentIntents one comparison reads (10 pages of 100, newest first).
MAX_INTENTS = 1000
#: Stripe's largest page.
STRIPE_PAGE = 100
#: Session ids per admin request (repeated `payment_session_id=` keys: ~4 KB of query).
SESSIONS_PER_REQUEST = 100
PAYMENT_FIELDS = "id,payment_session_id,captured_at,canceled_at,amount,currency_code,created_at"


# --- bounded clients ---------------------------------------------------------------------------


def stripe_client(env: Env, deadline: Deadline) -> Any:
    """A StripeClient on the bounded transport: every byte within `deadline`, bodies capped."""
    from storectl.providers import stripe_api

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
    from storectl.providers.probe import chain

    broken = next((e for e in chain(exc) if type(e).__name__ == "RemoteProtocolError"), None)
    if broken is not None:  # the bounded transport's peer closed mid-exchange
        return (
            Stage.PROTOCOL,
            f"the server broke the HTTP exchange ({broken})",
            "check STRIPE_API_BASE: is it Stripe's API (or a proxy to it)?",
        )
    return classify(exc)


# --- reading Stripe ----------------------------------------------------------------------------


def stripe_list(
    client: Any,
    resource: str,
    params: dict[str, Any],
    deadline: Deadline,
    max_items: int = MAX_INTENTS,
) -> tuple[list[dict[str, Any]], bool]:
    """Newest-first Stripe list (`payment_intents`, `events`), at most `max_items`: (items,
    truncated). A cursor that repeats is a PROTOCOL error (limits.pages)."""
    service = getattr(client.v1, resource)
    truncated = False
    wanted_pages = max(1, -(-max_items // STRIPE_PAGE))
    read = 0

    def fetch(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        nonlocal truncated, read
        query = {**params, "limit": STRIPE_PAGE, **({"starting_after": after} if after else {})}
        page = call(lambda: service.list(query), deadline)
        read += 1
        items = [item.to_dict() for item in page.data]
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
) -> dict[str, dict[str, Any]]:
    """Medusa's payments for these sessions: one admin request per SESSIONS_PER_REQUEST ids,
    several values as a repeated key (a comma-separated value matches nothing: contract)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(session_ids), SESSIONS_PER_REQUEST):
        batch = list(session_ids[start : start + SESSIONS_PER_REQUEST])

        def fetch(offset: int | None, batch: list[str] = batch) -> tuple[list[Any], int | None]:
            params: list[tuple[str, str | int]] = [("payment_session_id", s) for s in batch]
            params += [("fields", PAYMENT_FIELDS), ("limit", len(batch)), ("offset", offset or 0)]
            data = client.call("GET", "/admin/payments", params=params)
            page = data.get("payments") or []
            seen = (offset or 0) + len(page)
            return page, seen if page and seen < int(data.get("count") or 0) else None

        for payment in limits.pages(fetch, what="Medusa's payments", deadline=deadline):
            if isinstance(payment, dict) and payment.get("payment_session_id"):
                key = str(payment["payment_session_id"])
                # a captured payment wins over an uncaptured one for the same session
                if key not in found or (
                    payment.get("captured_at") and not found[key].get("captured_at")
                ):
                    found[key] = payment
    return found
