"""`storectl smoke`'s report as a step table, JSON, JUnit (one testcase per step) or GitHub
(annotations and a step-summary table), through the shared renderers and the one sanitiser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import assert_never

from storectl.model import Status
from storectl.output import DoctorFormat, Painter, deliver, sanitize, to_json, use_color
from storectl.output.color import STATUS_MARK
from storectl.output.github import append_step_summary, workflow_commands
from storectl.output.junit import junit
from storectl.output.table import hanging, row_lines
from storectl.redact import scrub_data
from storectl.smoke.plan import SmokeReport


def summary_line(report: SmokeReport) -> str:
    t = report.timing
    failed = sum(c.status in (Status.FAIL, Status.ERROR) for c in report.steps)
    verdict = (
        "plan only (--dry-run)"
        if report.dry_run
        else "interrupted"
        if report.interrupted
        else "ok"
        if report.ok
        else "failed"
    )
    return (
        f"{len(report.steps)} steps, {failed} failed in {t.total_ms / 1000:.1f} s "
        f"(checkout {t.checkout_ms / 1000:.1f} s, store and Stripe {t.requests_ms / 1000:.1f} s "
        f"over {t.requests} requests) · {verdict}"
    )


def plan_lines(report: SmokeReport, paint: Painter) -> list[str]:
    p = report.plan
    rows = [
        ("backend", p.backend),
        ("region", f"{p.region} ({p.currency}), address in {p.country}" if p.region else None),
        ("variant", f"{p.variant} at {p.price:g} {p.currency}" if p.price is not None else None),
        ("shipping", p.shipping_option or "the cheapest the store offers (needs a cart)"),
        ("payment", f"{p.provider}: {p.payment_reason}" if p.provider else None),
        ("email", p.email),
        ("marker", f"metadata storectl_smoke={p.run_id}"),
    ]
    out = [paint("plan", "bold")]
    out += [f"  {name:<9} {value}" for name, value in rows if value]
    subs = ", ".join(p.subscribers) if p.subscribers else "none found in backend/src/subscribers"
    out.append(f"  {'order.placed':<9} also runs the store's subscribers: {subs}")
    if report.dry_run:
        out += [paint("left behind after a run", "bold"), *(f"  - {x}" for x in p.left_behind)]
    return out


def step_lines(report: SmokeReport, paint: Painter) -> list[str]:
    rows: list[list[tuple[str, tuple[str, ...]]]] = []
    notes: dict[int, list[str]] = {}
    for step in report.steps:
        mark, style = STATUS_MARK[step.status]
        stage = f"{step.stage.value} " if step.stage else ""
        rows.append(
            [
                (mark, (style,)),
                (step.check, ()),
                (f"{step.duration_ms} ms", ("dim",)),
                (stage + step.summary, (style,) if step.status is not Status.OK else ()),
            ]
        )
        if step.hint and step.status in (Status.WARN, Status.FAIL, Status.ERROR):
            notes[len(rows) - 1] = hanging("      hint: ", step.hint, paint, "dim")
    out = [paint("steps", "bold")]
    for index, lines in enumerate(row_lines(rows, paint, indent=2)):
        out += lines + notes.get(index, [])
    return out


def table(report: SmokeReport, paint: Painter) -> str:
    out = plan_lines(report, paint) + [""] + step_lines(report, paint)
    if not report.dry_run:
        out += ["", paint("cleanup", "bold"), f"  {report.cleanup}"]
        if report.left_in_admin:
            out.append(paint("left in the admin", "bold"))
            out += [f"  - {line}" for line in report.left_in_admin]
    out += [f"note: {n}" for n in report.notes]
    style = ("green",) if report.ok else ("bold", "red")
    out += ["", paint(summary_line(report), *style)]
    return "\n".join(out)


def render(report: SmokeReport, fmt: DoctorFormat, output: Path | None = None) -> None:
    """The report on stdout, or in `output` (atomically) with the summary line on stdout."""
    report = scrub_data(report)
    if fmt is not DoctorFormat.JSON:  # JSON keeps the real values (sanitize.json_text)
        report = sanitize.values(report)
    match fmt:
        case DoctorFormat.TABLE:
            text = table(report, Painter(output is None and use_color(sys.stdout)))
        case DoctorFormat.JSON:
            text = to_json(report)
        case DoctorFormat.JUNIT:
            text = junit("storectl smoke", report.steps, False, report.timing.total_ms)
        case DoctorFormat.GITHUB:
            text = workflow_commands(report.steps, summary_line(report))
            append_step_summary("storectl smoke", report.steps, summary_line(report))
        case _:
            assert_never(fmt)
    structured = fmt is not DoctorFormat.TABLE
    deliver(text, structured=structured, output=output, done=summary_line(report))


def fleet_lines(report: SmokeReport, paint: Painter, verbose: bool) -> list[str]:
    """One store's steps inside a fleet report: what failed, or every step with -v."""
    out = []
    for step in report.steps:
        if not verbose and step.status in (Status.OK, Status.SKIP):
            continue
        mark, style = STATUS_MARK[step.status]
        stage = f"{step.stage.value} " if step.stage else ""
        out.append(
            f"    {paint(mark, style)} {step.check} {step.duration_ms} ms: {stage}{step.summary}"
        )
        if step.hint and step.status in (Status.FAIL, Status.ERROR):
            out += hanging("        hint: ", step.hint, paint, "dim")
    return out
