"""`storectl catalog` rendered: the text report, and JSON, JUnit and GitHub of the same data."""

from __future__ import annotations

import sys
from typing import assert_never

from storectl.catalog.report import CatalogReport, checks
from storectl.output import DoctorFormat, Painter, sanitize, to_json, use_color, write
from storectl.output.github import append_step_summary, workflow_commands
from storectl.output.junit import junit
from storectl.redact import scrub_data

#: Gaps shown per kind in the text view (JSON has every one).
SHOWN = 20
TITLES = {
    "price": "no price in the region's currency (add to cart fails)",
    "shipping": "no shipping option for the product's profile (paid, then refused)",
    "stock": "no stock at any location of the channel, no backorder",
    "tax": "no tax region or default rate (no tax charged)",
    "reservation": "stock still reserved for canceled orders",
}


def summary_line(report: CatalogReport) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items() if n) or "no gaps"
    return (
        f"{report.products} products, {report.variants} variants, {len(report.regions)} regions: "
        f"{counts} · {report.requests} requests in {report.duration_ms / 1000:.1f} s · "
        + ("ok" if report.ok else "failed")
    )


def text(report: CatalogReport, paint: Painter) -> str:
    lines = [
        f"key {paint(report.key, 'bold')} · sales channels: {', '.join(report.sales_channels)}"
        f" · regions: {', '.join(report.regions) or 'none'}",
    ]
    for kind, title in TITLES.items():
        mine = [g for g in report.gaps if g.kind == kind]
        if not mine:
            continue
        style = "red" if mine[0].status == "fail" else "yellow"
        lines += ["", paint(f"{len(mine)} × {title}", style)]
        for gap in mine[:SHOWN]:
            lines += [f"  {gap.summary}", f"    fix: {gap.fix}"]
        if len(mine) > SHOWN:
            lines.append(f"  … and {len(mine) - SHOWN} more (--format json lists every one)")
    lines += ["", paint(summary_line(report), "green" if report.ok else "red")]
    return "\n".join(lines)


def render(report: CatalogReport, fmt: DoctorFormat, strict: bool = False) -> None:
    """Every format from the same report; outside text made safe first (the sanitiser)."""
    report = scrub_data(report)
    if fmt is not DoctorFormat.JSON:
        report = sanitize.values(report)
    match fmt:
        case DoctorFormat.TABLE:
            out = text(report, Painter(use_color(sys.stdout)))
        case DoctorFormat.JSON:
            out = to_json(report)
        case DoctorFormat.JUNIT:
            out = junit("storectl catalog", checks(report), strict, report.duration_ms)
        case DoctorFormat.GITHUB:
            out = workflow_commands(checks(report), summary_line(report))
            append_step_summary("storectl catalog", checks(report), summary_line(report))
        case _:
            assert_never(fmt)
    write(out, structured=fmt is not DoctorFormat.TABLE)
