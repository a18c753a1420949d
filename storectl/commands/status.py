"""`storectl status`: which providers are active, what falls back, and the offline lint."""

from __future__ import annotations

import typer

from storectl import config
from storectl.commands._options import (
    EnvFileOpt,
    EnvironmentOpt,
    IgnoreEnvironmentOpt,
    ProjectOpt,
    QuietOpt,
    StatusFormatOpt,
    StrictOpt,
)
from storectl.errors import ExitCode
from storectl.output import StatusFormat
from storectl.providers.registry import PROVIDERS
from storectl.status import build_status, render

app = typer.Typer(add_completion=False)


@app.command("status")
def status(
    project: ProjectOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    fmt: StatusFormatOpt = StatusFormat.TABLE,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Show which providers are active, what falls back, and lint the env offline.

    Reads the store's env files the way Medusa does; makes no network call.

    Example: storectl status --project ./my-store --environment production
    """
    options = config.EnvOptions.of(project, env_file, environment, ignore_environment)
    report = build_status(config.load(options), PROVIDERS, strict=strict)
    render(report, fmt, quiet=quiet)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)
