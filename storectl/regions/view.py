"""The regions commands' human text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storectl.output import Painter, Row, columns

if TYPE_CHECKING:
    from storectl.regions.admin import RegionList
    from storectl.regions.plan import RegionsReport


def regions_text(result: RegionList, paint: Painter) -> str:
    rows: list[Row] = [
        [(h, ("bold",)) for h in ("stripe", "name", "id", "currency", "countries", "providers")]
    ]
    for r in result.regions:
        rows.append(
            [
                ("✓", ("green",)) if r.stripe else ("✗", ("red",)),
                (r.name, ()),
                (r.id, ("dim",)),
                (r.currency_code, ()),
                (",".join(r.countries), ()),
                (", ".join(r.payment_providers) or "none", ()),
            ]
        )
    with_stripe = sum(r.stripe for r in result.regions)
    return "\n".join(
        [
            *columns(rows, paint),
            "",
            f"Stripe enabled in {with_stripe} of {len(result.regions)} regions",
        ]
    )


def region_changes_text(result: RegionsReport, paint: Painter) -> str:
    head = f"{result.action} {', '.join(result.providers)}" + (
        " (dry run: nothing changed)" if result.dry_run else ""
    )
    lines = [paint(head, "bold")]
    for change in result.changes:
        if not change.changed:
            lines.append(f"  = {change.name}: already {', '.join(change.after) or 'none'}")
            continue
        verb = "would change" if result.dry_run else "changed"
        lines.append(f"  {paint('~', 'yellow')} {change.name}: {verb}")
        lines.append(f"      before: {', '.join(change.before) or 'none'}")
        lines.append(f"      after:  {', '.join(change.after) or 'none'}")
    lines += [paint(f"note: {n}", "yellow") for n in result.notes]
    return "\n".join(lines)
