"""The out-of-sync payments report: what `storectl payments` shows (its fields are the JSON keys).

Read-only. Ids, amounts and times only: never a customer's name or email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storectl.env import Env
from storectl.providers import sync


@dataclass(frozen=True)
class Unsynced:
    """One payment to redeliver: the intent, what Medusa lacks, and the resend command."""

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
    resend: str


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


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(env: Env, since_seconds: float, limit: int, timeout: float) -> PaymentsReport:
    """Compare, then name each out-of-sync payment's event and its resend line (newest first)."""
    result, endpoint, events = sync.out_of_sync(env, since_seconds, timeout)
    rows = []
    for item in result.out_of_sync[:limit]:
        event_id = events.get((item.intent_id, item.event_type))
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
                resend=sync.resend_line(event_id, endpoint.id),
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
    )
