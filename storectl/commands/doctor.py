"""`storectl doctor`: live, concurrent, stage-precise checks of every active provider."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl import config, output
from storectl.commands._options import (
    DoctorFormatOpt,
    EnvFileOpt,
    EnvironmentOpt,
    IgnoreEnvironmentOpt,
    OutputOpt,
    ProjectOpt,
    QuietOpt,
    StrictOpt,
    TimeoutOpt,
)
from storectl.errors import ExitCode
from storectl.output import DoctorFormat
from storectl.providers.base import ProbeOptions
from storectl.providers.registry import PROVIDERS

app = typer.Typer(add_completion=False)

ProvidersOpt = Annotated[
    list[str] | None,
    typer.Option(
        help=f"Comma-separated providers: {', '.join(p.name for p in PROVIDERS)}.",
        show_default=False,
    ),
]


@app.command("doctor")
def run_doctor(
    project: ProjectOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    only: ProvidersOpt = None,
    skip: ProvidersOpt = None,
    timeout: TimeoutOpt = 10.0,
    no_write: Annotated[
        bool,
        typer.Option(
            "--no-write", help="Skip the S3 write probe (it puts and deletes one object)."
        ),
    ] = False,
    fmt: DoctorFormatOpt = DoctorFormat.TABLE,
    output_file: OutputOpt = None,
    strict: StrictOpt = False,
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

    Read-only except the S3 write probe (one object under storectl-probe/, always deleted).
    Exit 0 when nothing failed, 1 when a check failed, 2 on a usage or config error.

    Example: storectl doctor --project ./my-store --only stripe,redis --format json
    """
    # its threads, report model and renderers are not needed at start-up
    from storectl.doctor import runner as doctor
    from storectl.doctor import view

    providers = doctor.select(PROVIDERS, only or (), skip or ())
    if list_checks:
        text_fmt = (
            output.StatusFormat.JSON if fmt is DoctorFormat.JSON else output.StatusFormat.TABLE
        )
        output.render(doctor.catalog(providers), text_fmt, view.catalog_text)
        return
    options = config.EnvOptions.of(project, env_file, environment, ignore_environment)
    env = config.load(options)
    progress = output.Progress([p.name for p in providers if p.is_active(env) and p.probe])
    try:
        report = doctor.build(
            env,
            providers,
            ProbeOptions(timeout=timeout, write=not no_write),
            strict=strict,
            include_env_lint=not only,
            on_done=progress.done,
        )
    finally:
        progress.close()
    view.render(report, fmt, output_file, root=project, quiet=quiet)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)
