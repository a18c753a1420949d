"""`storectl smoke`: prove the store sells — a real guest checkout, checked and cleaned up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from storectl.commands._options import (
    DoctorFormatOpt,
    DryRunOpt,
    OutputOpt,
    YesOpt,
    guarded,
    takes,
)
from storectl.commands._stores import Selection, View, run_per_store, selected
from storectl.errors import ExitCode
from storectl.output import DoctorFormat

if TYPE_CHECKING:
    from storectl.fleet.spec import Store
    from storectl.fleet.view import Adapter
    from storectl.smoke.plan import SmokeReport

app = typer.Typer(add_completion=False)
PANEL = "Checkout"


def _payment(value: str) -> str:
    if value not in ("auto", "stripe", "system"):
        raise typer.BadParameter("choose auto, stripe or system")
    return value


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("smoke")
@takes(selected, fixed={"allow_empty": False})
def smoke(
    selection: Selection,
    region: Annotated[
        str | None,
        typer.Option(
            help="Region id or name (default: the first one storectl can address).",
            rich_help_panel=PANEL,
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            help="Ship to this country (ISO 2, e.g. de): picks its region.",
            rich_help_panel=PANEL,
            show_default=False,
        ),
    ] = None,
    variant: Annotated[
        str | None,
        typer.Option(
            help="Variant id (default: the first priced, in-stock variant).",
            rich_help_panel=PANEL,
            show_default=False,
        ),
    ] = None,
    product: Annotated[
        str | None,
        typer.Option(
            help="Product id or handle to buy from.", rich_help_panel=PANEL, show_default=False
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            help="Guest email: under example.com with 'storectl-smoke' in it "
            "(default: storectl-smoke+<run>@example.com).",
            rich_help_panel=PANEL,
            show_default=False,
        ),
    ] = None,
    payment: Annotated[
        str,
        typer.Option(
            help="auto (Stripe in test mode if the region offers it, else the system "
            "provider), stripe, or system.",
            callback=_payment,
            rich_help_panel=PANEL,
        ),
    ] = "auto",
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the order open for inspection (no cleanup).")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="The longest the whole run may take, cleanup included.",
            min=5,
            max=900,
        ),
    ] = 90.0,
    cleanup_budget: Annotated[
        float,
        typer.Option(
            "--cleanup-budget",
            help="Seconds of --timeout kept for the cleanup, also after Ctrl-C.",
            min=1,
            max=300,
        ),
    ] = 20.0,
    webhook_wait: Annotated[
        float, typer.Option("--webhook-wait", help="Seconds to wait for Stripe's webhook.", min=0)
    ] = 20.0,
    mail_wait: Annotated[
        float,
        typer.Option("--mail-wait", help="Seconds to wait for the order's mail record.", min=0),
    ] = 10.0,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    fmt: DoctorFormatOpt = DoctorFormat.TABLE,
    output_file: OutputOpt = None,
) -> None:
    """Walk a real guest checkout through the store API as the storefront does, check the
    order, webhook, mail and reservation, then cancel it.

    Reads the backend URL and publishable key from storefront/.env* (as Next.js does), admin
    credentials and the Stripe key from the backend's env. Stripe is used in test mode only
    (pm_card_visa); a live key refuses unless --payment system. Everything it makes carries
    metadata storectl_smoke and a storectl-smoke@example.com address; the canceled order stays
    (Medusa deletes no orders). --timeout is the longest a run can take, cleanup included.
    Exit 0 when the store sold, 1 when a step failed, 2 on a usage or config error.

    Example: storectl smoke --project ./my-store --country de --payment system --dry-run
    """
    from storectl.smoke import run as smoke_run
    from storectl.smoke.plan import Payment, SmokeOptions

    options = SmokeOptions(
        region=region,
        country=country,
        variant=variant,
        product=product,
        email=email,
        payment=Payment(payment),
        keep=keep,
        dry_run=dry_run,
        timeout=timeout,
        cleanup_budget=min(cleanup_budget, timeout / 2),
        webhook_wait=webhook_wait,
        mail_wait=mail_wait,
    )

    run_per_store(
        selection,
        lambda env, _: smoke_run.run(env, options, guarded(yes)),
        _view(fmt, output_file, timeout),
    )


def _view(fmt: DoctorFormat, output_file: Path | None, timeout: float) -> View[SmokeReport]:
    """One store's report in --format (to --output; exit 130 when Ctrl-C cut it short), or
    the fleet's rows of it; a store's budget is --timeout and a little for the report."""
    from storectl.smoke import view

    def single(report: SmokeReport, _store: Store) -> None:
        view.render(report, fmt, output_file)
        if report.interrupted:
            raise typer.Exit(ExitCode.INTERRUPTED)

    return View(
        single,
        _adapter,
        fmt,
        ok=lambda report: report.ok,
        timeout=timeout + 5,
        output=output_file,
    )


def _adapter() -> Adapter[SmokeReport]:
    """How one store's smoke report shows in the fleet report."""
    from storectl.fleet.view import Adapter
    from storectl.smoke import view
    from storectl.smoke.plan import SmokeReport

    def summary(report: SmokeReport) -> str:
        return view.summary_line(report)

    return Adapter[SmokeReport]("smoke", summary, view.fleet_lines, lambda r: r.steps)
