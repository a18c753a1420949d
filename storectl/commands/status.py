"""`storectl status`: which providers are active, what falls back, and the offline lint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from storectl.commands._options import QuietOpt, RequireOpt, StatusFormatOpt, StrictOpt, takes
from storectl.commands._stores import Selection, View, run_per_store, selected
from storectl.model import Severity
from storectl.output import Painter, StatusFormat
from storectl.providers import registry
from storectl.providers.registry import PROVIDERS
from storectl.status import StatusReport, build_status, finding_lines, render, status_table

#: What `status` reports: the providers medusa-config.ts switches on (doctor checks the rest).
STATUS_PROVIDERS = tuple(p for p in PROVIDERS if p.in_status)

if TYPE_CHECKING:  # the fleet's views load only for several stores (start-up)
    from storectl.fleet.view import Adapter

app = typer.Typer(add_completion=False)


@app.command("status")
@takes(selected)
def status(
    selection: Selection,
    fmt: StatusFormatOpt = StatusFormat.TABLE,
    strict: StrictOpt = False,
    require: RequireOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Show which providers are active, what falls back, and lint the env offline.

    Reads the store's env files the way Medusa does; makes no network call.

    Example: storectl status --project ./my-store --environment production
    """
    required = registry.provider_names(require or (), "--require")
    run_per_store(
        selection,
        lambda env, _: build_status(env, STATUS_PROVIDERS, strict=strict, required=required),
        View(
            lambda report, _store: render(report, fmt, quiet=quiet),
            _adapter,
            fmt,
            ok=lambda report: report.ok,
        ),
    )


def _adapter() -> Adapter[StatusReport]:
    """How one store's status shows in the fleet report: its findings (all of them with -v)."""
    from storectl.fleet.view import Adapter

    def summary(report: StatusReport) -> str:
        s = report.summary
        return (
            f"{s.active} active, {s.inactive} inactive · {s.errors} errors, "
            f"{s.warnings} warnings, {s.info} info"
        )

    def lines(report: StatusReport, paint: Painter, verbose: bool) -> list[str]:
        if verbose:  # everything: the store's whole status table
            return [
                f"    {line}".rstrip()
                for line in status_table(report, paint).rsplit("\n\n", 1)[0].splitlines()
            ]
        out = []
        for f in report.findings:
            if f.severity is not Severity.INFO:
                out += ["  " + line for line in finding_lines(f, paint)]
        return out

    return Adapter("status", summary, lines)
