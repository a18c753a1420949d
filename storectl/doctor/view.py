"""doctor's rendering: the grouped table, and JSON, JUnit and GitHub output of its report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import assert_never

from storectl.doctor.runner import CheckCatalog, DoctorReport
from storectl.model import Check, Status
from storectl.output import (
    DoctorFormat,
    Painter,
    columns,
    label,
    sanitize,
    to_json,
    use_color,
    write,
)
from storectl.output.color import INFO_MARK, STATUS_MARK
from storectl.output.github import append_step_summary, workflow_commands
from storectl.output.junit import junit
from storectl.output.table import hanging, is_info, row_lines
from storectl.redact import scrub, scrub_data


def _title(provider: str) -> str:
    from storectl.providers.registry import PROVIDERS

    titles = {p.name: p.title for p in PROVIDERS}
    return titles.get(provider, "Env files" if provider == "env" else provider)


def render(
    report: DoctorReport,
    fmt: DoctorFormat,
    output: Path | None = None,
    root: Path | None = None,
    quiet: bool = False,
) -> None:
    """Render to stdout, or to `output` (atomically) with a one-line summary on stdout.
    `root` is the store root the env files' paths are relative to (GitHub annotations)."""
    report = scrub_data(report)
    if fmt is not DoctorFormat.JSON:  # JSON keeps the real values (output.sanitize.json_text)
        report = sanitize.values(report)
    match fmt:
        case DoctorFormat.TABLE:
            paint = Painter(output is None and use_color(sys.stdout))
            text = doctor_table(report, paint, quiet)
        case DoctorFormat.JSON:
            text = to_json(report)
        case DoctorFormat.JUNIT:
            text = junit(
                "storectl doctor", report.checks, report.strict, report.summary.duration_ms
            )
        case DoctorFormat.GITHUB:
            text = workflow_commands(report.checks, summary_line(report), root=root)
            append_step_summary("storectl doctor", report.checks, summary_line(report))
        case _:
            assert_never(fmt)
    structured = fmt is not DoctorFormat.TABLE
    if output is None:
        write(text, structured=structured)
        return
    from storectl.fsutil import atomic_write, ensure_parent

    ensure_parent(output)
    if not structured:
        text = sanitize.lines(scrub(text))
    atomic_write(output, (text if text.endswith("\n") else text + "\n").encode())
    write(f"{summary_line(report)} · report written to {output}")


def summary_line(report: DoctorReport) -> str:
    s = report.summary
    verdict = "ok" if report.ok else "failed"
    return (
        f"{s.total} checks, {s.fail} failed, {s.warn} warnings, {s.error} errors, "
        f"{s.skip} skipped in {s.duration_ms / 1000:.1f} s · {verdict}"
        + (" (--strict)" if report.strict else "")
    )


def doctor_table(report: DoctorReport, paint: Painter, quiet: bool = False) -> str:
    """Checks grouped by provider, then the summary line; `quiet`: only the failures (and the
    warnings under --strict) and the summary line."""
    loaded = [f.path for f in report.files if f.exists]
    out: list[str] = (
        []
        if quiet
        else [
            f"environment: {paint(report.environment, 'bold')}  ·  files: "
            + (", ".join(loaded) if loaded else "none found (process environment only)"),
            "",
        ]
    )
    header = len(out)
    by_provider: dict[str, list[Check]] = {}
    failing = {Status.FAIL, Status.ERROR} | ({Status.WARN} if report.strict else set())
    from storectl.env import FILES_READ_CODES  # never hidden: they change what was read

    for check in report.checks:
        if quiet and check.status not in failing and check.check not in FILES_READ_CODES:
            continue
        by_provider.setdefault(check.provider, []).append(check)
    for provider, checks in by_provider.items():
        if len(out) > header:
            out.append("")
        out.append(paint(_title(provider), "bold"))
        rows: list[list[tuple[str, tuple[str, ...]]]] = []
        notes: dict[int, list[str]] = {}
        for check in checks:
            mark, style = INFO_MARK if is_info(check) else STATUS_MARK[check.status]
            stage = f"{check.stage.value} " if check.stage else ""
            duration = f"{check.duration_ms} ms" if check.duration_ms else ""
            rows.append(
                [
                    (mark, (style,)),
                    (label(check), ()),
                    (duration, ("dim",)),
                    (stage + check.summary, (style,) if check.status is not Status.OK else ()),
                ]
            )
            if check.hint and check.status in (Status.WARN, Status.FAIL, Status.ERROR):
                notes[len(rows) - 1] = hanging("      hint: ", check.hint, paint, "dim")
        for index, lines in enumerate(row_lines(rows, paint, indent=2)):
            out.extend(lines)
            out.extend(notes.get(index, []))
    verdict_style = ("green",) if report.ok else ("bold", "red")
    out += (
        ["", paint(summary_line(report), *verdict_style)]
        if out
        else [paint(summary_line(report), *verdict_style)]
    )
    return "\n".join(out)


def catalog_text(result: CheckCatalog, paint: Painter) -> str:
    """`doctor --list-checks`: provider, check, whether it writes (yes), only sends something
    that is not a read (sends), or reads only (no), and what it proves (and what it sends)."""
    rows: list[list[tuple[str, tuple[str, ...]]]] = [
        [
            ("provider", ("bold",)),
            ("check", ("bold",)),
            ("writes", ("bold",)),
            ("proves", ("bold",)),
        ]
    ]
    for entry in result.checks:
        writes = (
            ("yes", ("yellow",))
            if entry.writes
            else ("sends", ())
            if entry.sends
            else ("no", ("dim",))
        )
        proves = f"{entry.proves}; sends {entry.sends}" if entry.sends else entry.proves
        rows.append([(entry.provider, ()), (entry.check, ()), writes, (proves, ())])
    return "\n".join(columns(rows, paint))
