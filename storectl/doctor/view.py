"""doctor's rendering: the grouped table, and JSON, JUnit and GitHub output of its report."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import assert_never

from storectl.doctor.runner import CheckCatalog, CheckEntry, DoctorReport
from storectl.env import FILES_READ_CODES
from storectl.model import Check, Status
from storectl.output import (
    DoctorFormat,
    Painter,
    columns,
    deliver,
    sanitize,
    to_json,
    use_color,
)
from storectl.output.checks import PROBLEMS, area_lines
from storectl.output.github import append_step_summary, workflow_commands
from storectl.output.junit import junit
from storectl.output.wrap import flow, terminal_width
from storectl.providers.registry import PROVIDERS
from storectl.redact import scrub_data


def _title(provider: str) -> str:
    titles = {p.name: p.title for p in PROVIDERS}
    return titles.get(provider, "Env files" if provider == "env" else provider)


def render(
    report: DoctorReport,
    fmt: DoctorFormat,
    output: Path | None = None,
    root: Path | None = None,
    quiet: bool = False,
    verbose: bool = False,
) -> None:
    """Render to stdout, or to `output` (atomically) with a one-line summary on stdout.
    `root` is the store root the env files' paths are relative to (GitHub annotations);
    `verbose`: the table lists every check, not only what is not ok."""
    report = scrub_data(report)
    if fmt is not DoctorFormat.JSON:  # JSON keeps the real values (output.sanitize.json_text)
        report = sanitize.values(report)
    match fmt:
        case DoctorFormat.TABLE:
            paint = Painter(output is None and use_color(sys.stdout))
            text = doctor_table(report, paint, quiet, verbose)
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
    deliver(text, structured=structured, output=output, done=summary_line(report))


def summary_line(report: DoctorReport) -> str:
    s = report.summary
    verdict = "ok" if report.ok else "failed"
    return (
        f"{s.total} checks, {s.fail} failed, {s.warn} warnings, {s.error} errors, "
        f"{s.skip} skipped in {s.duration_ms / 1000:.1f} s · {verdict}"
        + (" (--strict)" if report.strict else "")
    )


def _by_provider(checks: Sequence[Check]) -> dict[str, list[Check]]:
    grouped: dict[str, list[Check]] = {}
    for check in checks:
        grouped.setdefault(check.provider, []).append(check)
    return grouped


def provider_lines(
    report: DoctorReport, paint: Painter, *, verbose: bool, quiet: bool, indent: int, total: int
) -> list[str]:
    """A verdict line per provider and, under it, what is not ok (`verbose`: every check;
    `quiet`: only the providers that fail the run, and only what fails it)."""
    failing = {Status.FAIL, Status.ERROR} | ({Status.WARN} if report.strict else set())
    shown = set(Status) if verbose else failing if quiet else PROBLEMS
    out: list[str] = []
    for provider, checks in _by_provider(report.checks).items():
        if quiet:  # only what fails the run, and which files were read
            checks = [c for c in checks if c.status in failing or c.check in FILES_READ_CODES]
            shown = set(Status)
        if not checks:
            continue
        out += area_lines(_title(provider), checks, paint, indent=indent, total=total, shown=shown)
    return out


def doctor_table(
    report: DoctorReport, paint: Painter, quiet: bool = False, verbose: bool = False
) -> str:
    """A verdict line per provider, under it only what is not ok (every check with
    `verbose`), then the summary line; `quiet`: only what fails the run and the summary."""
    total = terminal_width()
    out: list[str] = []
    if not quiet:
        loaded = [f.path for f in report.files if f.exists]
        files = ", ".join(loaded) if loaded else "none found (process environment only)"
        head = flow(f"environment: {report.environment} · files: {files}", 0, 2, total)
        out += [head[0].replace(report.environment, paint(report.environment, "bold"), 1)]
        out += head[1:]
        if report.proxies:  # the proxies this run went through (credentials masked)
            out += flow(f"proxies: {' · '.join(report.proxies)}", 0, 2, total)
        out += [""]
    out += provider_lines(report, paint, verbose=verbose, quiet=quiet, indent=0, total=total)
    verdict_style = ("green",) if report.ok else ("bold", "red")
    summary = [paint(line, *verdict_style) for line in flow(summary_line(report), 0, 2, total)]
    return "\n".join([*out, *([""] if out else []), *summary])


def fleet_lines(report: DoctorReport, paint: Painter, verbose: bool) -> list[str]:
    """One store's report inside the fleet report: its providers that are not ok with their
    problems (every provider and check with `verbose`), under the store's line."""
    total = terminal_width()
    if verbose:
        return provider_lines(report, paint, verbose=True, quiet=False, indent=2, total=total)
    troubled = {c.provider for c in report.checks if c.status in PROBLEMS}
    only = replace(report, checks=tuple(c for c in report.checks if c.provider in troubled))
    return provider_lines(only, paint, verbose=False, quiet=False, indent=2, total=total)


def catalog_text(result: CheckCatalog, paint: Painter) -> str:
    """`doctor --list-checks`: per provider, each check, whether it writes (yes), only sends
    something that is not a read (sends), or reads only (no), and what it proves (and what it
    sends)."""
    out: list[str] = []
    by_provider: dict[str, list[CheckEntry]] = {}
    for entry in result.checks:
        by_provider.setdefault(entry.provider, []).append(entry)
    for provider, entries in by_provider.items():
        rows: list[list[tuple[str, tuple[str, ...]]]] = [
            [("check", ("bold",)), ("writes", ("bold",)), ("proves", ("bold",))]
        ]
        for entry in entries:
            writes = (
                ("yes", ("yellow",))
                if entry.writes
                else ("sends", ())
                if entry.sends
                else ("no", ("dim",))
            )
            proves = f"{entry.proves}; sends {entry.sends}" if entry.sends else entry.proves
            rows.append([(entry.check, ()), writes, (proves, ())])
        out += [*([""] if out else []), paint(f"{_title(provider)} ({provider})", "bold")]
        out += columns(rows, paint, indent=2)
    return "\n".join(out)
