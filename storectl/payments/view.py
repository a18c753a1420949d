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


def text(report: PaymentsReport, paint: Painter) -> str:
    cap = " (the newest 1000 intents only)" if report.truncated else ""
    head = f"since {report.since}: {report.compared} settled Stripe payments compared{cap}"
    if report.ok:
        lines = [head, paint("all in sync with Medusa", "green")]
        if report.processing:
            lines.append(paint(f"{report.processing} still processing in Stripe", "yellow"))
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
    lines = [head, paint(f"{report.total_out_of_sync} out of sync:", "red"), *columns(rows, paint)]
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
