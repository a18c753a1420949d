"""The out-of-sync payments report: what `storectl payments` shows (its fields are the JSON keys).

Read-only. Ids, amounts and times only: never a customer's name or email.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from storectl.env import Env
from storectl.output.sanitize import shell
from storectl.providers import sync

#: Stripe's documented id shape: a type prefix, `_`, then letters and digits only.
_STRIPE_ID = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Unsynced:
    """One payment to redeliver: the intent, what Medusa lacks, and the resend command (null,
    with `resend_refused` saying why, when an id Stripe sent is not of its documented shape)."""

    intent_id: str
    status: str
    amount: int
    currency: str
    created: str
    session_id: str
    payment_id: str | None
    problem: str
    event_type: str
    event_id: str | None
    resend: str | None
    resend_refused: str | None = None


@dataclass(frozen=True)
class PaymentsReport:
    since: str
    intents: int
    compared: int
    processing: int
    truncated: bool
    webhook_url: str | None
    webhook_endpoint: str | None
    total_out_of_sync: int
    out_of_sync: tuple[Unsynced, ...]
    ok: bool
    #: intents not compared, by why: made outside Medusa (no `metadata.session_id`), and not
    #: settled (neither succeeded nor waiting for capture, nor processing): issue 21 C
    without_session: int = 0
    not_settled: int = 0


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resend_line(event_id: str | None, endpoint_id: str | None) -> tuple[str | None, str | None]:
    """(the `stripe events resend` line to copy, None) or (None, why it is not printed): the
    line holds only ids of Stripe's documented shape, shell-quoted, so a peer's answer can
    never put a substitution, a `;` or a second command into what a person pastes and runs.
    An unknown id stays a placeholder for the person to fill in."""
    for value, prefix, what in ((event_id, "evt_", "event"), (endpoint_id, "we_", "endpoint")):
        if value is not None and not _is_stripe_id(value, prefix):
            return None, f"Stripe sent a malformed {what} id (not {prefix}[A-Za-z0-9]+): {value}"
    event = shell([event_id]) if event_id else "<evt_id>"
    endpoint = shell([endpoint_id]) if endpoint_id else "<we_id>"
    return f"stripe events resend {event} --webhook-endpoint {endpoint}", None


def _is_stripe_id(value: str, prefix: str) -> bool:
    return value.startswith(prefix) and bool(_STRIPE_ID.fullmatch(value[len(prefix) :]))


def build(env: Env, since_seconds: float, limit: int, timeout: float) -> PaymentsReport:
    """Compare, then name each out-of-sync payment's event and its resend line (newest first)."""
    result, endpoint, events = sync.out_of_sync(env, since_seconds, timeout)
    rows = []
    for item in result.out_of_sync[:limit]:
        event_id = events.get((item.intent_id, item.event_type))
        resend, refused = resend_line(event_id, endpoint.id)
        rows.append(
            Unsynced(
                intent_id=item.intent_id,
                status=item.status,
                amount=item.amount,
                currency=item.currency,
                created=_iso(item.created),
                session_id=item.session_id,
                payment_id=item.payment_id,
                problem=item.problem,
                event_type=item.event_type,
                event_id=event_id,
                resend=resend,
                resend_refused=refused,
            )
        )
    return PaymentsReport(
        since=_iso(result.since),
        intents=result.intents,
        compared=result.compared,
        processing=result.processing,
        truncated=result.truncated,
        webhook_url=endpoint.url,
        webhook_endpoint=endpoint.id,
        total_out_of_sync=len(result.out_of_sync),
        out_of_sync=tuple(rows),
        ok=not result.out_of_sync,
        without_session=result.without_session,
        not_settled=max(
            0, result.intents - result.compared - result.processing - result.without_session
        ),
    )
