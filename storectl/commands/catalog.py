"""`storectl catalog`: will every product sell where it is offered? The sellability audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from storectl import config
from storectl.commands import _fleet
from storectl.commands._options import (
    DEFAULT_JOBS,
    AllowEmptyOpt,
    DoctorFormatOpt,
    EnvFileOpt,
    EnvironmentsOpt,
    FailFastOpt,
    FleetOpt,
    IgnoreEnvironmentOpt,
    JobsOpt,
    ProjectsOpt,
    RequestTimeoutOpt,
    StoreOpt,
    StrictOpt,
    TagOpt,
    VerboseOpt,
)
from storectl.errors import ExitCode
from storectl.output import DoctorFormat

if TYPE_CHECKING:
    from storectl.catalog.report import CatalogReport
    from storectl.fleet.view import Adapter

app = typer.Typer(add_completion=False)


@app.command("catalog")
def audit(
    project: ProjectsOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentsOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    allow_empty: AllowEmptyOpt = False,
    timeout: RequestTimeoutOpt = 60.0,
    fmt: DoctorFormatOpt = DoctorFormat.TABLE,
    strict: StrictOpt = False,
    fleet: FleetOpt = None,
    store: StoreOpt = None,
    tag: TagOpt = None,
    jobs: JobsOpt = DEFAULT_JOBS,
    fail_fast: FailFastOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Audit the catalogue for what stops a sale, for the storefront's publishable key and
    every region: variants without a price in the region's currency, products whose shipping
    profile has no option for the region's countries, managed variants with no stock at the
    channel's locations, countries without a tax rate, reservations held for canceled orders.

    Read-only: store API lists (as the storefront sees them) and admin lists, in pages of 100;
    no cart is created. Needs the storefront's key and admin credentials. Exit 0 when nothing
    stops a sale (warnings allowed unless --strict), 1 otherwise.

    Example: storectl catalog --project ./my-store --format json
    """
    from storectl.catalog import report, view

    selection = _fleet.Selection.of(
        fleet, project, env_file, environment, ignore_environment, store, tag, allow_empty
    )
    chosen = _fleet.stores(selection)
    if len(chosen) > 1:
        _fleet.run(
            selection,
            chosen,
            lambda _store, env: report.build(env, timeout),
            lambda result: _passes(result, strict),
            _adapter(),
            fmt,
            jobs=jobs,
            timeout=timeout,
            fail_fast=fail_fast,
            verbose=verbose,
            strict=strict,
        )
        return
    env = config.load(selection.options(chosen[0]))
    result = report.build(env, timeout)
    view.render(result, fmt, strict)
    if not _passes(result, strict):
        raise typer.Exit(ExitCode.FAILED)


def _passes(result: CatalogReport, strict: bool) -> bool:
    return result.ok and not (strict and result.gaps)


def _adapter() -> Adapter[CatalogReport]:
    """One store's audit in the fleet report: its summary line, its gaps as checks."""
    from storectl.catalog import report, view
    from storectl.fleet.view import Adapter, check_lines

    return Adapter(
        "catalog",
        view.summary_line,
        lambda result, paint, verbose: check_lines(report.checks(result), paint, verbose),
        report.checks,
    )
