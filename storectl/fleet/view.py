"""The fleet report as a table (one line per store, then its failures and warnings; everything
with -v; every line wrapped at the terminal width), JSON, JUnit (one testsuite per store) or
GitHub (annotations prefixed with the store name, one step-summary row per store). What a
store's report holds is the command's business: it hands in an `Adapter`
that summarises one report, lists its lines and its checks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, assert_never

from storectl.fleet.report import FleetReport, StoreResult
from storectl.model import Check, Status
from storectl.output import DoctorFormat, Painter, deliver, sanitize, to_json, use_color
from storectl.output.checks import PROBLEMS
from storectl.output.checks import check_lines as block
from storectl.output.color import STATUS_MARK
from storectl.output.github import append_fleet_summary, workflow_commands
from storectl.output.junit import junit_suites
from storectl.output.wrap import flow, narrowed, terminal_width
from storectl.redact import scrub_data

R = TypeVar("R")
#: How far an adapter may indent a store's lines (the view narrows their width by as much).
NESTED = 4


@dataclass(frozen=True)
class Adapter(Generic[R]):
    """How a command's single-store report shows inside the fleet report."""

    title: str
    #: one line: "12 checks, 0 failed ..." (without the verdict)
    summary: Callable[[R], str]
    #: the store's detail lines: failures and warnings, or everything when verbose
    lines: Callable[[R, Painter, bool], list[str]]
    #: its results as checks, for JUnit and GitHub
    checks: Callable[[R], Sequence[Check]] = lambda _report: ()


def problem_checks(result: StoreResult[R]) -> list[Check]:
    """A store's own problems (unreadable env, inactive required provider, timeout) as checks,
    labelled `store <name>`; a store --fail-fast never finished is skipped, not failed."""
    status = Status.FAIL if result.checked else Status.SKIP
    return [Check("store", result.name, status, p.message, hint=p.hint) for p in result.problems]


def check_lines(checks: Sequence[Check], paint: Painter, verbose: bool) -> list[str]:
    """Checks as indented blocks under a store's line, each named by its provider: the ones that
    did not pass (text beneath, then the fix), or all of them when verbose."""
    total = terminal_width()
    out = []
    for check in checks:
        if verbose or check.status in PROBLEMS:
            out += block(check, paint, indent=2, total=total, prefix=f"{check.provider} ")
    return out


def summary_line(report: FleetReport[R]) -> str:
    s = report.summary
    shared = f", {s.shared_probes} probes shared" if s.shared_probes else ""
    verdict = "ok" if report.ok else "failed"
    unchecked = f", {s.not_checked} not checked" if s.not_checked else ""
    return (
        f"{s.stores} stores: {s.ok} ok, {s.failed} failed{unchecked} in "
        f"{s.duration_ms / 1000:.1f} s "
        f"(--jobs {s.jobs}{shared}) · {verdict}"
    )


def _store_summary(result: StoreResult[R], adapter: Adapter[R]) -> str:
    if result.report is not None:
        text = adapter.summary(result.report)
        if result.problems:
            text += f" · {len(result.problems)} store problem(s)"
        return text
    return result.problems[0].message if result.problems else "no result"


def table(report: FleetReport[R], adapter: Adapter[R], paint: Painter, verbose: bool) -> str:
    total = terminal_width()
    out: list[str] = []
    for result in report.stores:
        shown = Status.OK if result.ok else Status.FAIL if result.checked else Status.SKIP
        mark, style = STATUS_MARK[shown]
        environment = f" ({result.environment})" if result.environment else ""
        head = f"{mark} {result.name}{environment}"
        lines = flow(f"{head} · {_store_summary(result, adapter)}", 0, 4, total)
        if lines[0].startswith(f"{mark} {result.name}"):
            painted = f"{paint(mark, style)} {paint(result.name, 'bold')}"
            lines[0] = painted + lines[0][len(mark) + 1 + len(result.name) :]
        out += lines
        out += check_lines(problem_checks(result), paint, verbose)
        if result.report is not None:
            with narrowed(NESTED):  # adapters indent a store's lines by up to NESTED columns
                out += adapter.lines(result.report, paint, verbose)
    verdict_style = ("green",) if report.ok else ("bold", "red")
    out += ["", *(paint(line, *verdict_style) for line in flow(summary_line(report), 0, 2, total))]
    return "\n".join(out)


def _all_checks(result: StoreResult[R], adapter: Adapter[R]) -> list[Check]:
    checks = problem_checks(result)
    if result.report is not None:
        checks += adapter.checks(result.report)
    return checks


def render(
    report: FleetReport[R],
    adapter: Adapter[R],
    fmt: DoctorFormat,
    *,
    verbose: bool = False,
    strict: bool = False,
    output: Path | None = None,
) -> None:
    """The fleet report on stdout, or in `output` (atomically) with a summary line on stdout."""
    report = scrub_data(report)
    if fmt is not DoctorFormat.JSON:  # JSON keeps the real values (output.sanitize.json_text)
        report = sanitize.values(report)
    match fmt:
        case DoctorFormat.TABLE:
            text = table(
                report, adapter, Painter(output is None and use_color(sys.stdout)), verbose
            )
        case DoctorFormat.JSON:
            text = to_json(report)
        case DoctorFormat.JUNIT:
            suites = [(r.name, _all_checks(r, adapter), r.duration_ms) for r in report.stores]
            text = junit_suites(f"storectl {adapter.title}", suites, strict)
        case DoctorFormat.GITHUB:
            parts = [
                workflow_commands(
                    _all_checks(r, adapter), _store_summary(r, adapter), f"{r.name}: "
                )
                for r in report.stores
            ]
            text = "\n".join([*parts, summary_line(report)])
            rows = [
                (r.ok, r.name, r.environment, _store_summary(r, adapter)) for r in report.stores
            ]
            append_fleet_summary(f"storectl {adapter.title}", rows, summary_line(report))
        case _:
            assert_never(fmt)
    structured = fmt is not DoctorFormat.TABLE
    deliver(text, structured=structured, output=output, done=summary_line(report))
