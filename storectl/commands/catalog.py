"""`storectl catalog`: will every product sell where it is offered? The sellability audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from storectl.commands._options import (
    DoctorFormatOpt,
    RequestTimeoutOpt,
    StrictOpt,
    takes,
)
from storectl.commands._stores import Selection, View, run_per_store, selected
from storectl.output import DoctorFormat

if TYPE_CHECKING:
    from storectl.catalog.report import CatalogReport
    from storectl.fleet.view import Adapter

app = typer.Typer(add_completion=False)


@app.command("catalog")
@takes(selected)
def audit(
    selection: Selection,
    timeout: RequestTimeoutOpt = 60.0,
    fmt: DoctorFormatOpt = DoctorFormat.TABLE,
    strict: StrictOpt = False,
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

    run_per_store(
        selection,
        lambda env, _: report.build(env, timeout),
        View(
            lambda result, _store: view.render(result, fmt, strict),
            _adapter,
            fmt,
            ok=lambda result: _passes(result, strict),
            timeout=timeout,
            strict=strict,
        ),
    )


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
