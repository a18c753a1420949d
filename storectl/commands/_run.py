"""The options the error boundary (cli.py) needs, typed and consumed once: the root's --debug,
and the command's --format and --output, recorded as Typer parses them (so an error under
--format json is a JSON document too, where the report would have gone)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storectl.output.formats import DoctorFormat, StatusFormat


@dataclass
class RunOptions:
    debug: bool = False
    fmt: StatusFormat | DoctorFormat | None = None
    output: Path | None = None

    @property
    def json(self) -> bool:
        return self.fmt is StatusFormat.JSON or self.fmt is DoctorFormat.JSON


def of(ctx: Any) -> RunOptions:
    """This run's options, on the root context (every command's context shares it)."""
    root = ctx.find_root()
    if not isinstance(root.obj, RunOptions):
        root.obj = RunOptions()
    found: RunOptions = root.obj
    return found
