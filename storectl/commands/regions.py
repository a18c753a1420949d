"""`storectl regions`: list regions and enable or disable Stripe on them via the admin API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from storectl import config, output
from storectl.commands._options import (
    DryRunOpt,
    RequestTimeoutOpt,
    TableJsonOpt,
    YesOpt,
    guarded,
    takes,
)
from storectl.commands._stores import Selection, View, one_store, run_per_store, selected
from storectl.config import EnvOptions
from storectl.fleet.view import Adapter
from storectl.output import Painter, StatusFormat
from storectl.regions import admin as region_admin
from storectl.regions import view

if TYPE_CHECKING:  # the fleet's views load only for several stores (start-up)
    from storectl.fleet.view import Adapter
    from storectl.regions.admin import RegionList

app = typer.Typer(
    add_completion=False,
    name="regions",
    help="Regions and their payment providers, through the Medusa admin API.",
    no_args_is_help=True,
)

RegionOpt = Annotated[
    list[str] | None,
    typer.Option("--region", "-r", help="Region name or id (repeatable).", show_default=False),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every region.")]
ProviderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--provider",
        help="Payment provider id (repeatable) [default: pp_stripe_stripe; for disable-stripe, "
        "every pp_stripe* id].",
        show_default=False,
    ),
]


@app.command("list")
@takes(selected)
def list_regions(
    selection: Selection,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """List regions with their currency, countries, payment providers and Stripe.

    Over several stores (a fleet): one line per store, its regions with -v.

    Example: storectl regions list --project ./my-store
    """
    run_per_store(
        selection,
        lambda env, _: region_admin.list_regions(env, timeout),
        View(
            lambda regions, _store: output.render(regions, fmt, view.regions_text),
            _list_adapter,
            fmt,
            timeout=timeout,
        ),
    )


def _list_adapter() -> Adapter[RegionList]:
    """One store's regions in the fleet report: a count, and the region table with -v."""

    def summary(result: RegionList) -> str:
        regions = result.regions
        with_stripe = sum(r.stripe for r in regions)
        return f"{len(regions)} regions, {with_stripe} with Stripe"

    def lines(result: RegionList, paint: Painter, verbose: bool) -> list[str]:
        if not verbose:
            return []
        return ["    " + line for line in view.regions_text(result, paint).splitlines()]

    return Adapter("regions list", summary, lines)


@app.command("enable-stripe")
@takes(one_store)
def enable_stripe(
    options: EnvOptions,
    region: RegionOpt = None,
    every: AllOpt = False,
    provider: ProviderOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Add Stripe to regions' payment providers, keeping the ones they have.

    Regions that already have it get no write. Checks first that the backend has the provider.

    Example: storectl regions enable-stripe --all --dry-run
    """
    _change(options, region, every, provider, False, dry_run, yes, timeout, fmt, enable=True)


@app.command("disable-stripe")
@takes(one_store)
def disable_stripe(
    options: EnvOptions,
    region: RegionOpt = None,
    every: AllOpt = False,
    provider: ProviderOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Allow leaving a region with no payment provider.")
    ] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Remove Stripe from regions' payment providers, keeping the others.

    Refuses to leave a region with no provider unless --force.

    Example: storectl regions disable-stripe --region Europe --dry-run
    """
    _change(options, region, every, provider, force, dry_run, yes, timeout, fmt, enable=False)


def _change(
    options: config.EnvOptions,
    region: list[str] | None,
    every: bool,
    provider: list[str] | None,
    force: bool,
    dry_run: bool,
    yes: bool,
    timeout: float,
    fmt: StatusFormat,
    *,
    enable: bool,
) -> None:
    """The body both enable-stripe and disable-stripe share."""
    request = region_admin.Request(
        regions=tuple(region or ()),
        every=every,
        providers=tuple(provider or ()),
        dry_run=dry_run,
        force=force,
        timeout=timeout,
    )
    report = region_admin.change(
        config.load(options),
        request,
        enable=enable,
        guard=guarded(yes),
        warn=output.note,
    )
    output.render(report, fmt, view.region_changes_text)
