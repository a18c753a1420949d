"""Where the store options meet a command: ONE typed selection of stores (`Selection`), and
`run_per_store(selection, body, view)`, which runs a command's per-store body on one store
(today's output) or over a fleet (storectl/fleet/): no command holds that fork."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import typer

from storectl import config, output
from storectl.commands._options import (
    DEFAULT_JOBS,
    AllowEmptyOpt,
    EnvFileOpt,
    EnvironmentOpt,
    EnvironmentsOpt,
    FailFastOpt,
    FleetOpt,
    IgnoreEnvironmentOpt,
    JobsOpt,
    ProjectOpt,
    ProjectsOpt,
    StoreOpt,
    TagOpt,
    VerboseOpt,
)
from storectl.env import Env
from storectl.errors import ExitCode, UsageError
from storectl.fleet import spec
from storectl.fleet.spec import Store
from storectl.output import DoctorFormat, StatusFormat
from storectl.providers.registry import PROVIDERS

if TYPE_CHECKING:  # the runner and views load only when a run has several stores (start-up)
    from storectl.fleet import view

R = TypeVar("R")

#: Told as each step of one store's run ends (doctor: each provider), for the progress line.
Tick = Callable[[str], None]
#: A command's work on one store: its env in, its result out (`on_done` None in a fleet,
#: where the fleet shows its own progress).
Body = Callable[[Env, Tick | None], R]


@dataclass(frozen=True)
class Selection:
    """Which stores this run covers, as the command line gives them, and how to run several
    (--jobs, --fail-fast, -v): one typed value every command hands to `run_per_store`."""

    fleet: Path | None
    projects: tuple[Path, ...]
    env_files: tuple[Path, ...]
    environments: tuple[str, ...]
    ignore_environment: bool
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: --allow-empty: a store with no configuration is checked anyway, not failed
    allow_empty: bool = False
    jobs: int = DEFAULT_JOBS
    fail_fast: bool = False
    verbose: bool = False

    def options(self, store: Store) -> config.EnvOptions:
        """One store's env options."""
        return config.EnvOptions(
            store.project,
            store.env_files,
            store.environment,
            self.ignore_environment,
            self.allow_empty,
        )


def selected(
    project: ProjectsOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentsOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    allow_empty: AllowEmptyOpt = False,
    fleet: FleetOpt = None,
    store: StoreOpt = None,
    tag: TagOpt = None,
    jobs: JobsOpt = DEFAULT_JOBS,
    fail_fast: FailFastOpt = False,
    verbose: VerboseOpt = False,
) -> Selection:
    """The store options of every command that reads stores, declared once: a command
    decorated with `@takes(selected)` gets them in its --help and a `Selection` as its first
    argument."""
    return Selection(
        fleet,
        tuple(project or ()),
        tuple(env_file or ()),
        tuple(environment or ()),
        ignore_environment,
        tuple(store or ()),
        tuple(tag or ()),
        allow_empty,
        jobs,
        fail_fast,
        verbose,
    )


def one_store(
    project: ProjectOpt = None,
    env_file: EnvFileOpt = None,
    environment: EnvironmentOpt = None,
    ignore_environment: IgnoreEnvironmentOpt = False,
    allow_empty: AllowEmptyOpt = False,
) -> config.EnvOptions:
    """The options of a command that works on exactly one store (a mutation, a send): with
    `@takes(one_store)` it gets them in its --help and that store's `EnvOptions`."""
    return config.EnvOptions.of(project, env_file, environment, ignore_environment, allow_empty)


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


class View(Generic[R]):
    """How a command shows its per-store result. `single` renders one store's result (the store
    names its folder); `ok` decides the exit code; `adapter` makes the fleet report's rows
    (loaded only for several stores); `fmt`, `strict`, `output` are the fleet report's;
    `timeout` is each store's budget; `steps` names what one store's progress line counts;
    `one_store` says why the run cannot cover this many stores (a mutation without --dry-run).
    (A plain class, not a dataclass: `status` builds one on its start-up path.)"""

    __slots__ = (
        "adapter", "fmt", "ok", "one_store", "output", "shared", "single", "steps", "strict",
        "timeout",
    )  # fmt: skip

    def __init__(
        self,
        single: Callable[[R, Store], None],
        adapter: Callable[[], view.Adapter[R]],
        fmt: StatusFormat | DoctorFormat,
        *,
        ok: Callable[[R], bool] = lambda _result: True,
        timeout: float = 10.0,
        strict: bool = False,
        output: Path | None = None,
        shared: Callable[[], int] = lambda: 0,
        steps: Callable[[Env], list[str]] | None = None,
        one_store: Callable[[int], UsageError | None] | None = None,
    ) -> None:
        self.single = single
        self.adapter = adapter
        self.fmt = fmt
        self.ok = ok
        self.timeout = timeout
        self.strict = strict
        self.output = output
        self.shared = shared
        self.steps = steps
        self.one_store = one_store


def run_per_store(selection: Selection, body: Body[R], shown: View[R]) -> None:
    """`body` on the selected store, rendered by `shown.single`; or over the fleet, one report.
    Exits 1 when the result (any store's) is not ok."""
    chosen = stores(selection)
    if is_fleet(chosen):
        refused = shown.one_store(len(chosen)) if shown.one_store is not None else None
        if refused is not None:
            raise refused
        run(selection, chosen, lambda _store, env: body(env, None), shown)
        return
    env = config.load(selection.options(chosen[0]))
    progress = output.Progress(shown.steps(env) if shown.steps is not None else [])
    try:
        result = body(env, progress.done if shown.steps is not None else None)
    finally:
        progress.close()
    shown.single(result, chosen[0])
    if not shown.ok(result):
        raise typer.Exit(ExitCode.FAILED)


def fleet_format(fmt: StatusFormat | DoctorFormat) -> DoctorFormat:
    """The fleet report's format for a command's --format (table and JSON are both's)."""
    match fmt:
        case StatusFormat.TABLE | DoctorFormat.TABLE:
            return DoctorFormat.TABLE
        case StatusFormat.JSON | DoctorFormat.JSON:
            return DoctorFormat.JSON
        case DoctorFormat.JUNIT | DoctorFormat.GITHUB:
            return fmt


def run(
    selection: Selection,
    chosen: Sequence[Store],
    work: Callable[[Store, Env], R],
    shown: View[R],
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
            shown.ok,
            jobs=selection.jobs,
            timeout=shown.timeout,
            fail_fast=selection.fail_fast,
            shared=shown.shared,
            on_done=progress.done,
        )
    finally:
        progress.close()
    view.render(
        report,
        shown.adapter(),
        fleet_format(shown.fmt),
        verbose=selection.verbose,
        strict=shown.strict,
        output=shown.output,
    )
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)
