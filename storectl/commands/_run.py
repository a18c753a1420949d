"""The options the error boundary (cli.py) needs, typed and consumed once: the root's --debug,
and the command's --format and --output, recorded as Typer parses them (so an error under
--format json is a JSON document too, where the report would have gone)."""

from __future__ import annotations

from pathlib import Path

import typer

from storectl.output.formats import DoctorFormat, StatusFormat


class RunOptions:
    """Set once each: --debug by the root, --format and --output by the command's options.
    (A plain class: this module is on every command's start-up path.)"""

    __slots__ = ("debug", "fmt", "output")

    def __init__(self) -> None:
        self.debug = False
        self.fmt: StatusFormat | DoctorFormat | None = None
        self.output: Path | None = None

    @property
    def json(self) -> bool:
        return self.fmt is StatusFormat.JSON or self.fmt is DoctorFormat.JSON


def of(ctx: typer.Context) -> RunOptions:
    """This run's options, on the root context (every command's context shares it)."""
    root = ctx.find_root()
    if not isinstance(root.obj, RunOptions):
        root.obj = RunOptions()
    found: RunOptions = root.obj
    return found
