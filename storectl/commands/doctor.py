"""`storectl doctor`: live, concurrent, stage-precise checks of every active provider."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from storectl import config, output
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
    OutputOpt,
    ProjectsOpt,
    QuietOpt,
    RequireOpt,
    SinceOpt,
    StoreOpt,
    StrictOpt,
    TagOpt,
    TimeoutOpt,
    VerboseOpt,
    complete_providers,
    parse_since,
)
from storectl.errors import ExitCode
from storectl.output import DoctorFormat
from storectl.providers import registry
from storectl.providers.base import ProbeOptions
from storectl.providers.registry import PROVIDERS

if TYPE_CHECKING:
    from storectl.doctor.runner import DoctorReport
    from storectl.fleet.spec import Store
    from storectl.providers.base import Provider

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
def run_doctor(
    project: ProjectsOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentsOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    allow_empty: AllowEmptyOpt = False,
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
    fleet: FleetOpt = None,
    store: StoreOpt = None,
    tag: TagOpt = None,
    jobs: JobsOpt = DEFAULT_JOBS,
    fail_fast: FailFastOpt = False,
    verbose: VerboseOpt = False,
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
    # its threads, report model and renderers are not needed at start-up
    from storectl.doctor import runner as doctor
    from storectl.doctor import view

    selection = _fleet.Selection.of(
        fleet, project, env_file, environment, ignore_environment, store, tag, allow_empty
    )
    providers = doctor.select(PROVIDERS, only or (), skip or ())
    if list_checks:
        as_json = fmt is DoctorFormat.JSON
        shown = output.StatusFormat.JSON if as_json else output.StatusFormat.TABLE
        output.render(doctor.catalog(providers), shown, view.catalog_text)
        return
    required = registry.provider_names(require or (), "--require")
    probe_options = ProbeOptions(
        timeout=timeout,
        write=not no_write,
        since=parse_since(since),
        settings=_settings(storefront_url=storefront_url, admin_url=admin_url),
    )
    chosen = _fleet.stores(selection)
    build = partial(
        doctor.build,
        options=probe_options,
        strict=strict,
        include_env_lint=not only,
        required=required,
    )
    if _fleet.is_fleet(chosen):
        _run_fleet(
            selection,
            chosen,
            providers,
            build,
            fmt,
            output_file,
            strict=strict,
            jobs=jobs,
            timeout=timeout,
            fail_fast=fail_fast,
            verbose=verbose,
        )
        return
    env = config.load(selection.options(chosen[0]))
    progress = output.Progress([p.name for p in providers if p.is_active(env) and p.probe])
    try:
        report = build(env, providers, on_done=progress.done)
    finally:
        progress.close()
    view.render(report, fmt, output_file, root=chosen[0].project, quiet=quiet, verbose=verbose)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)


def _run_fleet(
    selection: _fleet.Selection,
    chosen: Sequence[Store],
    providers: Sequence[Provider],
    build: Callable[..., DoctorReport],
    fmt: DoctorFormat,
    output_file: Path | None,
    *,
    strict: bool,
    jobs: int,
    timeout: float,
    fail_fast: bool,
    verbose: bool,
) -> None:
    """Doctor over several stores: probes that are the same for two stores run once."""
    from storectl.fleet.share import SharedProbes

    shared = SharedProbes()
    shared_providers = shared.wrap(providers)
    _fleet.run(
        selection,
        chosen,
        lambda _store, env: build(env, shared_providers),
        lambda report: report.ok,
        _adapter(),
        fmt,
        jobs=jobs,
        timeout=timeout,
        fail_fast=fail_fast,
        verbose=verbose,
        strict=strict,
        output_file=output_file,
        shared=lambda: shared.reused,
    )


def _settings(**given: str | None) -> dict[str, str]:
    """Options passed to the providers by name; an origin must be an http(s) URL."""
    from storectl.errors import UsageError
    from storectl.providers.values import is_http_url

    for name, value in given.items():
        if value is not None and not is_http_url(value):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} {value!r} is not an http(s) URL", hint=f"write {flag} https://host"
            )
    return {name: value for name, value in given.items() if value is not None}


def _adapter() -> Any:
    """How one store's doctor report shows in the fleet report."""
    from storectl.doctor.runner import DoctorReport
    from storectl.doctor.view import fleet_lines
    from storectl.fleet.view import Adapter

    def summary(report: DoctorReport) -> str:
        s = report.summary
        return (
            f"{s.total} checks, {s.fail} failed, {s.warn} warnings, {s.error} errors "
            f"in {s.duration_ms / 1000:.1f} s"
        )

    return Adapter[DoctorReport](
        "doctor",
        summary,
        fleet_lines,
        lambda report: report.checks,
    )
