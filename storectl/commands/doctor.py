"""`storectl doctor`: live, concurrent, stage-precise checks of every active provider."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl import output
from storectl.commands import _stores
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
from storectl.commands._stores import Tick, View, run_per_store
from storectl.doctor import runner as doctor
from storectl.doctor import view
from storectl.doctor.runner import DoctorReport
from storectl.env import Env
from storectl.errors import UsageError
from storectl.fleet.share import SharedProbes
from storectl.fleet.spec import Store
from storectl.fleet.view import Adapter
from storectl.output import DoctorFormat, StatusFormat
from storectl.providers import registry
from storectl.providers.base import ProbeOptions
from storectl.providers.registry import PROVIDERS
from storectl.providers.values import is_http_url

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
    providers = doctor.select(PROVIDERS, only or (), skip or ())
    if list_checks:
        shown = StatusFormat.JSON if fmt is DoctorFormat.JSON else StatusFormat.TABLE
        output.render(doctor.catalog(providers), shown, view.catalog_text)
        return
    selection = _stores.Selection.of(
        fleet,
        project,
        env_file,
        environment,
        ignore_environment,
        store,
        tag,
        allow_empty,
        jobs=jobs,
        fail_fast=fail_fast,
        verbose=verbose,
    )
    options = ProbeOptions(
        timeout=timeout,
        write=not no_write,
        since=parse_since(since),
        settings=_settings(storefront_url=storefront_url, admin_url=admin_url),
    )
    required = registry.provider_names(require or (), "--require")
    shared = SharedProbes()  # over several stores, a probe that is the same for two runs once
    checked = shared.wrap(providers)

    def body(env: Env, on_done: Tick | None) -> DoctorReport:
        return doctor.build(
            env,
            checked,
            options,
            strict=strict,
            include_env_lint=not only,
            on_done=on_done,
            required=required,
        )

    def single(report: DoctorReport, chosen: Store) -> None:
        view.render(report, fmt, output_file, root=chosen.project, quiet=quiet, verbose=verbose)

    run_per_store(
        selection,
        body,
        View(
            single,
            _adapter,
            fmt,
            ok=lambda report: report.ok,
            timeout=timeout,
            strict=strict,
            output=output_file,
            shared=lambda: shared.reused,
            steps=lambda env: [p.name for p in providers if p.is_active(env) and p.probe],
        ),
    )


def _settings(**given: str | None) -> dict[str, str]:
    """Options passed to the providers by name; an origin must be an http(s) URL."""
    for name, value in given.items():
        if value is not None and not is_http_url(value):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} {value!r} is not an http(s) URL", hint=f"write {flag} https://host"
            )
    return {name: value for name, value in given.items() if value is not None}


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
