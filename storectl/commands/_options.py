"""Options shared by every command that reads a store's configuration (defined once)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Concatenate, ParamSpec, TypeVar

import typer
from typer.models import OptionInfo

from storectl.commands import _run
from storectl.output.formats import DoctorFormat, StatusFormat
from storectl.providers.registry import PROVIDERS

if TYPE_CHECKING:
    from storectl.guard import Action

ENV_PANEL = "Configuration"

B = TypeVar("B")
P = ParamSpec("P")


def takes(
    build: Callable[..., B], *, fixed: Mapping[str, object] | None = None
) -> Callable[[Callable[Concatenate[B, P], None]], Callable[..., None]]:
    """A bundle of options declared once: `build`'s parameters are the options (Annotated,
    with their defaults), its result the one typed value a command receives.

    Typer has no dependency injection, so the decorated command's signature, as Typer reads
    it, is the command's own parameters after its first, with the bundle's options around
    them (less those `fixed`, which the command does not offer: `build` gets the fixed
    value); the command is called with the built value first (every parameter keyword-only,
    as Typer passes them). The bundle's options sit in their own help panels, which Typer
    prints after the default one in the order they first appear: the bundle's first panel
    (Configuration) goes before the command's own, its others (Many stores) after them, as
    every command declared them, so `--help` reads as before.
    """
    pinned = dict(fixed or {})
    shared = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(build, eval_str=True).parameters.values()
        if p.name not in pinned
    ]
    names = [p.name for p in shared]
    make: Callable[..., B] = build

    def decorate(command: Callable[Concatenate[B, P], None]) -> Callable[..., None]:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in list(inspect.signature(command, eval_str=True).parameters.values())[1:]
        ]
        clash = set(names) & {p.name for p in own}
        assert not clash, f"{command.__name__} declares bundled options again: {clash}"
        call: Callable[..., None] = command

        @functools.wraps(command)
        def run(**given: object) -> None:
            bundled = pinned | {name: given.pop(name) for name in names}
            call(make(**bundled), **given)

        front = [p for p in shared if _panel(p) == _panel(shared[0])]
        back = [p for p in shared if p not in front]
        signature = inspect.Signature([*front, *own, *back])
        run.__signature__ = signature  # type: ignore[attr-defined]  # what Typer reads
        run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return run

    return decorate


def _panel(parameter: inspect.Parameter) -> str | None:
    """The help panel an `Annotated` option is shown in (None: the default one)."""
    for info in getattr(parameter.annotation, "__metadata__", ()):
        if isinstance(info, OptionInfo):
            return info.rich_help_panel
    return None


def _record_format(
    ctx: typer.Context, value: StatusFormat | DoctorFormat
) -> StatusFormat | DoctorFormat:
    """Tell the error boundary (cli.py) the chosen --format before the command's work starts,
    so an error under --format json is also a JSON document."""
    _run.of(ctx).fmt = value
    return value


def _record_output(ctx: typer.Context, value: Path | None) -> Path | None:
    """Tell the error boundary where the report goes, so an error document goes there too."""
    _run.of(ctx).output = value
    return value


def complete_providers(incomplete: str) -> list[str]:
    """Shell completion for a comma-separated provider list (--only/--skip/--require): the
    registry's names that start with the word being typed, after the ones already given."""
    done, _, word = incomplete.rpartition(",")
    given = {name.strip() for name in done.split(",")}
    head = f"{done}," if done else ""
    return [head + p.name for p in PROVIDERS if p.name.startswith(word) and p.name not in given]


ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        help="Store root holding backend/ and storefront/, or the backend folder itself "
        "(default: the store the current folder is in, found upward as git does).",
        show_default=False,
        rich_help_panel=ENV_PANEL,
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file",
        "-e",
        help="Read this dotenv file instead of discovering the store's (repeatable; later wins).",
        show_default=False,
        rich_help_panel=ENV_PANEL,
    ),
]
EnvironmentOpt = Annotated[
    str | None,
    typer.Option(
        "--environment",
        help="Medusa environment: production, staging or test also read backend/.env.<env> "
        "(default: $NODE_ENV, else development).",
        show_default=False,
        rich_help_panel=ENV_PANEL,
    ),
]
IgnoreEnvironmentOpt = Annotated[
    bool,
    typer.Option(
        "--ignore-environment",
        help="Ignore the process environment: check the files as they are.",
        rich_help_panel=ENV_PANEL,
    ),
]
StatusFormatOpt = Annotated[
    StatusFormat,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table or json.",
        metavar="<format>",  # the choices are in the help: a metavar of all of them was split
        case_sensitive=False,
        callback=_record_format,
    ),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as failures (exit 1).")]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Table: only failures, warnings about which files were read, and the summary "
        "line (JSON is unchanged).",
    ),
]


DoctorFormatOpt = Annotated[
    DoctorFormat,
    typer.Option(
        "--format",
        "-f",
        help="table; json; junit (JUnit XML, one testcase per check); github (workflow "
        "annotations, and a summary table in $GITHUB_STEP_SUMMARY).",
        metavar="<format>",  # the choices are in the help: `<table|json|junit|githu b>` was split
        case_sensitive=False,
        callback=_record_format,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds the whole command may spend on the network (every provider is checked "
        "at once within it; over a fleet, each store's budget).",
        min=0.1,
        max=600,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to FILE (in --format) instead of stdout; stdout gets a summary.",
        show_default=False,
        dir_okay=False,
        callback=_record_output,
    ),
]


RequestTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Seconds the whole command may spend on the network (over a fleet, each store's "
        "budget).",
        min=0.1,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan; change nothing anywhere.")
]
YesOpt = Annotated[
    bool,
    typer.Option("--yes", "-y", help="Do it without asking (needed when stdin is not a terminal)."),
]
TableJsonOpt = StatusFormatOpt


def guarded(yes: bool) -> Callable[[Action], None]:
    """The guard (storectl/guard.py) as a capability calls it, with this command's --yes: it
    asks on a terminal after showing the plan, and never prompts when stdin is not a TTY."""
    from storectl import guard

    def check(action: Action) -> None:
        guard.require(action, yes)

    return check


SinceOpt = Annotated[
    str,
    typer.Option(
        "--since",
        help="How far back to compare Stripe's payments and events with Medusa: a duration "
        "(30m, 36h, 7d, 2w), today, yesterday or a date (Stripe keeps events 30 days).",
    ),
]


def parse_since(value: str) -> float:
    """--since as seconds back from now, in the one grammar (storectl/since.py)."""
    from storectl.since import seconds_back

    return seconds_back(value)


# --- many stores in one run (storectl/fleet/) ----------------------------------------------

FLEET_PANEL = "Many stores"
#: Stores at once by default: a store waits on the network, not the CPU, and already runs its
#: providers' probes in parallel (bench/fleet.py: 100 stores in 5x one store's time at 32).
DEFAULT_JOBS = 32

ProjectsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--project",
        "-p",
        help="Store root holding backend/ and storefront/, or the backend folder itself "
        "(default: the store the current folder is in). Repeat it to check several stores.",
        show_default=False,
        rich_help_panel=ENV_PANEL,
    ),
]
EnvironmentsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--environment",
        help="Medusa environment: production, staging or test also read backend/.env.<env> "
        "(default: $NODE_ENV, else development). Repeat it to check each environment.",
        show_default=False,
        rich_help_panel=ENV_PANEL,
    ),
]
FleetOpt = Annotated[
    Path | None,
    typer.Option(
        "--fleet",
        help="Fleet file listing the stores (default: ./storectl.toml when no --project or "
        "--env-file is given).",
        show_default=False,
        dir_okay=False,
        rich_help_panel=FLEET_PANEL,
    ),
]
StoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--store", help="Only this store of the fleet (repeatable).", rich_help_panel=FLEET_PANEL
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", help="Only the stores with this tag (repeatable).", rich_help_panel=FLEET_PANEL
    ),
]
JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs", "-j", help="Stores checked at once.", min=1, max=256, rich_help_panel=FLEET_PANEL
    ),
]
FailFastOpt = Annotated[
    bool,
    typer.Option(
        "--fail-fast",
        help="Stop at the first store that fails; the rest are reported as not checked.",
        rich_help_panel=FLEET_PANEL,
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Every check, not only what failed or warned (with several stores: of every store).",
        rich_help_panel=FLEET_PANEL,
    ),
]
AllowEmptyOpt = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="Go on when no env file is found and no provider variable is set "
        "(default: that is an error, exit 2).",
        rich_help_panel=ENV_PANEL,
    ),
]
RequireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--require",
        help="Comma-separated providers that must be active (exit 1 if one is not), "
        "e.g. stripe,s3,smtp,redis.",
        envvar="STORECTL_REQUIRE",
        show_default=False,
        autocompletion=complete_providers,
    ),
]
