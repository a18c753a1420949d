"""`storectl doctor`: live, concurrent, stage-precise checks of every active provider."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from storectl import output
from storectl.commands._options import (
    DoctorFormatOpt,
    OutputOpt,
    QuietOpt,
    RequireOpt,
    SinceOpt,
    StrictOpt,
    TimeoutOpt,
    complete_providers,
    takes,
)
from storectl.commands._stores import Selection, View, run_per_store, selected
from storectl.doctor import runner as doctor
from storectl.doctor import view
from storectl.doctor.request import Request
from storectl.doctor.runner import DoctorReport
from storectl.fleet.share import SharedProbes
from storectl.fleet.spec import Store
from storectl.fleet.view import Adapter
from storectl.output import DoctorFormat, StatusFormat
from storectl.providers.registry import PROVIDERS

app = typer.Typer(add_completion=False)

ProvidersOpt = Annotated[
    list[str] | None,
    typer.Option(
        help=f"Comma-separated providers: {', '.join(p.name for p in PROVIDERS)}.",
        show_default=False,
        autocompletion=complete_providers,
    ),
]


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("doctor")
@takes(selected)
def run_doctor(
    selection: Selection,
    only: ProvidersOpt = None,
    skip: ProvidersOpt = None,
    timeout: TimeoutOpt = 10.0,
    no_write: Annotated[
        bool,
        typer.Option(
            "--no-write",
            help="Skip the write probes: S3 (one object) and the backend's upload (one file), "
            "each deleted right after.",
        ),
    ] = False,
    since: SinceOpt = "7d",
    storefront_url: Annotated[
        str | None,
        typer.Option(
            "--storefront-url",
            help="The storefront's URL, for the CORS preflights (default: NEXT_PUBLIC_BASE_URL).",
            show_default=False,
        ),
    ] = None,
    admin_url: Annotated[
        str | None,
        typer.Option(
            "--admin-url",
            help="The admin's URL when it is hosted apart from the backend (CORS preflights).",
            show_default=False,
        ),
    ] = None,
    fmt: DoctorFormatOpt = DoctorFormat.TABLE,
    output_file: OutputOpt = None,
    strict: StrictOpt = False,
    require: RequireOpt = None,
    quiet: QuietOpt = False,
    list_checks: Annotated[
        bool,
        typer.Option(
            "--list-checks",
            help="List every live check (provider, check, whether it writes, what it proves); "
            "run nothing.",
        ),
    ] = False,
) -> None:
    """Check every active provider live: credentials, TLS, permissions, webhooks, regions.

    Read-only except the checks --list-checks marks: an S3 object and a backend upload
    (always deleted; --no-write skips both), Redis probe keys, a session in production.
    Exit 0 when nothing failed, 1 when a check failed, 2 on a usage or config error.

    With several stores (storectl.toml, --fleet, or repeated --project/--environment) the
    stores run in parallel (--jobs) and one report covers them all.

    Example: storectl doctor --project ./my-store --only stripe,redis --format json
    """
    providers = doctor.select(PROVIDERS, only or (), skip or ())
    if list_checks:
        listed = StatusFormat.JSON if fmt is DoctorFormat.JSON else StatusFormat.TABLE
        output.render(doctor.catalog(providers), listed, view.catalog_text)
        return
    shared = SharedProbes()  # over several stores, a probe that is the same for two runs once
    request = Request.of(
        shared.wrap(providers),
        timeout=timeout,
        write=not no_write,
        since=since,
        settings={"storefront_url": storefront_url, "admin_url": admin_url},
        strict=strict,
        include_env_lint=not only,
        require=require or (),
    )
    shown = _view(request, shared, fmt, output_file, quiet=quiet, verbose=selection.verbose)
    run_per_store(selection, request.report, shown)


def _view(
    request: Request,
    shared: SharedProbes,
    fmt: DoctorFormat,
    output_file: Path | None,
    *,
    quiet: bool,
    verbose: bool,
) -> View[DoctorReport]:
    """One store's report rendered in --format (to --output), or the fleet's rows of it; the
    run's timeout, --strict and progress steps are the request's."""

    def single(report: DoctorReport, store: Store) -> None:
        view.render(report, fmt, output_file, root=store.project, quiet=quiet, verbose=verbose)

    return View(
        single,
        _adapter,
        fmt,
        ok=lambda report: report.ok,
        timeout=request.options.timeout,
        strict=request.strict,
        output=output_file,
        shared=lambda: shared.reused,
        steps=request.steps,
    )


def _adapter() -> Adapter[DoctorReport]:
    """How one store's doctor report shows in the fleet report."""

    def summary(report: DoctorReport) -> str:
        s = report.summary
        return (
            f"{s.total} checks, {s.fail} failed, {s.warn} warnings, {s.error} errors "
            f"in {s.duration_ms / 1000:.1f} s"
        )

    return Adapter[DoctorReport](
        "doctor",
        summary,
        view.fleet_lines,
        lambda report: report.checks,
    )
