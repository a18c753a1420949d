"""The fleet report as a table (one line per store, then its failures and warnings; everything
with -v), JSON, JUnit (one testsuite per store) or GitHub (annotations prefixed with the store
name, one step-summary row per store). What a store's report holds is the command's business:
it hands in an `Adapter` that summarises one report, lists its lines and its checks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, assert_never

from storectl.fleet.report import FleetReport, StoreResult
from storectl.fsutil import atomic_write
from storectl.model import Check, Status
from storectl.output import DoctorFormat, Painter, sanitize, to_json, use_color, write
from storectl.output.color import STATUS_MARK
from storectl.output.github import append_fleet_summary, workflow_commands
from storectl.output.junit import junit_suites
from storectl.output.table import hanging, label
from storectl.redact import scrub, scrub_data

R = TypeVar("R")


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
    """Checks as indented lines: the ones that did not pass, or all of them when verbose."""
    out = []
    for check in checks:
        if not verbose and check.status in (Status.OK, Status.SKIP):
            continue
        mark, style = STATUS_MARK[check.status]
        stage = f"{check.stage.value} " if check.stage else ""
        out.append(
            f"    {paint(mark, style)} {check.provider} {label(check)}: {stage}{check.summary}"
        )
        if check.hint and check.status in (Status.WARN, Status.FAIL, Status.ERROR):
            out += hanging("        hint: ", check.hint, paint, "dim")
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
    out: list[str] = []
    for result in report.stores:
        shown = Status.OK if result.ok else Status.FAIL if result.checked else Status.SKIP
        mark, style = STATUS_MARK[shown]
        environment = f" ({result.environment})" if result.environment else ""
        head = f"{paint(mark, style)} {paint(result.name, 'bold')}{environment}"
        out.append(f"{head}  {_store_summary(result, adapter)}")
        out += check_lines(problem_checks(result), paint, verbose)
        if result.report is not None:
            out += adapter.lines(result.report, paint, verbose)
    verdict_style = ("green",) if report.ok else ("bold", "red")
    out += ["", paint(summary_line(report), *verdict_style)]
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
    if output is None:
        write(text, structured=structured)
        return

    if not structured:
        text = sanitize.lines(scrub(text))
    atomic_write(output, (text if text.endswith("\n") else text + "\n").encode())
    write(f"{summary_line(report)} · report written to {output}")
