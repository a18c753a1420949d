"""Where the fleet options meet a command: decide whether this run is one store (today's
output) or a fleet, and run a command's per-store body over it (storectl/fleet/)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from storectl import config, output
from storectl.env import Env
from storectl.errors import ExitCode, UsageError
from storectl.fleet import spec
from storectl.fleet.spec import Store
from storectl.output import DoctorFormat
from storectl.providers.registry import PROVIDERS

if TYPE_CHECKING:  # the runner and views load only when a run has several stores (start-up)
    from storectl.fleet import view

R = TypeVar("R")


@dataclass(frozen=True)
class Selection:
    """The fleet options as given on the command line."""

    fleet: Path | None
    projects: tuple[Path, ...]
    env_files: tuple[Path, ...]
    environments: tuple[str, ...]
    ignore_environment: bool
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: --allow-empty: a store with no configuration is checked anyway, not failed
    allow_empty: bool = False

    @classmethod
    def of(
        cls,
        fleet: Path | None,
        projects: list[Path] | None,
        env_files: list[Path] | None,
        environments: list[str] | None,
        ignore_environment: bool,
        names: list[str] | None = None,
        tags: list[str] | None = None,
        allow_empty: bool = False,
    ) -> Selection:
        return cls(
            fleet,
            tuple(projects or ()),
            tuple(env_files or ()),
            tuple(environments or ()),
            ignore_environment,
            tuple(names or ()),
            tuple(tags or ()),
            allow_empty,
        )

    def options(self, store: Store) -> config.EnvOptions:
        """One store's env options."""
        return config.EnvOptions(
            store.project,
            store.env_files,
            store.environment,
            self.ignore_environment,
            self.allow_empty,
        )


def stores(selection: Selection) -> list[Store]:
    """The stores of this run, selected; one store means today's single-store output."""
    s = selection
    several = len(s.projects) > 1 or len(s.environments) > 1
    if s.fleet is not None and (s.projects or s.env_files):
        raise UsageError(
            "--fleet cannot be combined with --project or --env-file",
            hint="name the stores in the fleet file, or on the command line, not both",
        )
    if several and s.env_files:
        raise UsageError(
            "--env-file names one store's files: it cannot be combined with several "
            "--project or --environment",
            hint="list each store's env_files in a fleet file (storectl.toml)",
        )
    found: list[Store]
    names = [p.name for p in PROVIDERS]
    if s.fleet is not None:
        found = spec.read(s.fleet, names)
    elif several:
        found = spec.ad_hoc(s.projects, s.environments)
    elif not s.projects and not s.env_files and Path(spec.FLEET_FILE).is_file():
        found = spec.read(Path(spec.FLEET_FILE), names)
    else:
        if s.names or s.tags:
            raise UsageError(
                "--store and --tag select stores of a fleet, and there is none",
                hint=f"add a {spec.FLEET_FILE}, pass --fleet FILE, or repeat --project",
            )
        project = s.projects[0] if s.projects else None
        environment = s.environments[0] if s.environments else None
        return [Store(name=SINGLE, project=project, env_files=s.env_files, environment=environment)]
    return spec.select(found, s.names, s.tags)


#: The name of the one store a run without fleet options checks (today's single-store output).
SINGLE = "."


def is_fleet(chosen: Sequence[Store]) -> bool:
    """Whether the stores came from fleet options or a storectl.toml: the output's shape
    follows that, never how many stores matched (issue 21 D: `--tag us` matching one store
    is still a fleet report, so a CI parser reads one shape)."""
    return not (len(chosen) == 1 and chosen[0].name == SINGLE)


def refuse_fleet(command: str, chosen: Sequence[Store]) -> None:
    """Mutations run on one store at a time: over a fleet only their --dry-run is allowed."""
    if len(chosen) > 1:
        raise UsageError(
            f"{command} changes things: it refuses to run over {len(chosen)} stores",
            hint="pass --dry-run to see every store's plan, or --store NAME to pick one",
        )


def run(
    selection: Selection,
    chosen: Sequence[Store],
    work: Callable[[Store, Env], R],
    ok_of: Callable[[R], bool],
    adapter: view.Adapter[R],
    fmt: DoctorFormat,
    *,
    jobs: int,
    timeout: float,
    fail_fast: bool,
    verbose: bool,
    strict: bool = False,
    output_file: Path | None = None,
    shared: Callable[[], int] = lambda: 0,
) -> None:
    """Run `work` over the stores, render the one report, exit 1 when any store failed."""
    from storectl.fleet import run as fleet_run
    from storectl.fleet import view

    progress = output.Progress([store.name for store in chosen])
    try:
        report = fleet_run.run(
            chosen,
            lambda store: config.load(selection.options(store)),
            work,
            ok_of,
            jobs=jobs,
            timeout=timeout,
            fail_fast=fail_fast,
            shared=shared,
            on_done=progress.done,
        )
    finally:
        progress.close()
    view.render(report, adapter, fmt, verbose=verbose, strict=strict, output=output_file)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)
