"""`storectl payments` as text (JSON comes from the same dataclasses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storectl.output import Painter, Row, columns

if TYPE_CHECKING:
    from storectl.payments.report import PaymentsReport


def _money(amount: int, currency: str) -> str:
    """Stripe amounts are minor units; two decimals fit every currency storectl has met. The
    code is upper-cased only when it is letters (an escaped value keeps its escapes as shown)."""
    return f"{amount / 100:.2f} {currency.upper() if currency.isalpha() else currency}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def not_compared(report: PaymentsReport) -> list[str]:
    """Why each intent that was not compared was left out (issue 21 C: say what was not)."""
    reasons = [
        (report.processing, "still processing in Stripe (compared once settled)"),
        (report.not_settled, "not settled (not paid, canceled or failed: Medusa holds nothing)"),
        (report.without_session, "made outside Medusa (no metadata.session_id to look up)"),
    ]
    return [f"{count} {why}" for count, why in reasons if count]


def head(report: PaymentsReport) -> str:
    """What was read and what was compared: never "all in sync" over nothing."""
    cap = " (the newest 1000 intents only)" if report.truncated else ""
    read = f"since {report.since}: {_plural(report.intents, 'Stripe payment intent')}{cap}"
    return f"{read}, {report.compared} settled and compared with Medusa"


def text(report: PaymentsReport, paint: Painter) -> str:
    lines = [head(report)]
    lines += [f"  not compared: {why}" for why in not_compared(report)]
    if report.ok:
        verdict = (
            "all compared payments in sync with Medusa"
            if report.compared
            else "nothing to compare: no settled payment in the window"
        )
        lines.append(paint(verdict, "green" if report.compared else "yellow"))
        return "\n".join(lines)
    rows: list[Row] = [
        [
            ("created", ("bold",)),
            ("intent", ("bold",)),
            ("amount", ("bold",)),
            ("medusa", ("bold",)),
            ("event", ("bold",)),
        ]
    ]
    for item in report.out_of_sync:
        rows.append(
            [
                (item.created, ()),
                (item.intent_id, ()),
                (_money(item.amount, item.currency), ()),
                (item.payment_id or "no payment", ("red",)),
                (item.event_id or f"({item.event_type} not found)", ()),
            ]
        )
    lines += [paint(f"{report.total_out_of_sync} out of sync:", "red"), *columns(rows, paint)]
    if report.total_out_of_sync > len(report.out_of_sync):
        lines.append(f"… and {report.total_out_of_sync - len(report.out_of_sync)} more (--limit)")
    lines += ["", "to redeliver (Stripe CLI; storectl changes nothing):"]
    lines += [
        f"  {item.resend}" if item.resend else paint(f"  not printed: {item.resend_refused}", "red")
        for item in report.out_of_sync
    ]
    if report.webhook_endpoint is None:
        lines.append(
            paint(
                f"no webhook endpoint for {report.webhook_url or 'this store'}: run "
                "'storectl webhooks register' first, then resend",
                "yellow",
            )
        )
    return "\n".join(lines)
