"""Rendering: the only module that imports rich. Results go to stdout, everything else to stderr.

Every string leaves through `scrub()`, so a secret that reached a message is still masked.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sys
from typing import Any, assert_never

from rich.console import Console
from rich.table import Table
from rich.text import Text

from storectl.commands._options import StatusFormat
from storectl.providers.base import Finding, Severity
from storectl.redact import scrub
from storectl.report import StatusReport

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


def _console(stream: io.TextIOBase | Any) -> Console:
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(
        file=io.StringIO(),
        force_terminal=is_tty,
        no_color="NO_COLOR" in os.environ or not is_tty,
        width=None if is_tty else int(os.environ.get("COLUMNS", "0") or 0) or 100,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def _flush(console: Console, stream: Any) -> None:
    buffer = console.file
    assert isinstance(buffer, io.StringIO)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    stream.write(scrub(text) + "\n")
    stream.flush()


def write_stdout(text: str) -> None:
    sys.stdout.write(scrub(text))
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def error(message: str, hint: str | None = None) -> None:
    """`Error: ...` and `hint: ...` on stderr, for the CLI boundary."""
    lines = [f"Error: {message}"]
    if hint:
        lines.append(f"hint: {hint}")
    sys.stderr.write(scrub("\n".join(lines)) + "\n")
    sys.stderr.flush()


def to_json(value: Any) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings."""
    is_instance = dataclasses.is_dataclass(value) and not isinstance(value, type)
    data = dataclasses.asdict(value) if is_instance else value
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_status(report: StatusReport, fmt: StatusFormat) -> None:
    match fmt:
        case StatusFormat.TABLE:
            _status_table(report)
        case StatusFormat.JSON:
            write_stdout(to_json(report))
        case _:
            assert_never(fmt)


def _status_table(report: StatusReport) -> None:
    # markup=False: values come from env files and must print literally, brackets and all.
    console = _console(sys.stdout)
    loaded = [f.path for f in report.files if f.exists]
    console.print(
        Text.assemble(
            "environment: ",
            (report.environment, "bold"),
            "  ·  files: ",
            ", ".join(loaded) if loaded else "none found (process environment only)",
        )
    )
    overview = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    overview.add_column("provider")
    overview.add_column("state")
    overview.add_column("activated by / falls back to", overflow="fold")
    for p in report.providers:
        if p.active:
            state = Text("active", style="green")
            detail = Text(f"{p.activated_by} ({p.activation_source})")
        else:
            state = Text("inactive", style="dim")
            detail = Text(f"{p.activated_by} unset → {p.fallback}")
        overview.add_row(Text(p.title), state, detail)
    console.print()
    console.print(overview)

    for p in report.providers:
        shown = [
            v for v in p.variables if p.active or (v.value is not None and v.source != "default")
        ]
        if not shown:
            continue
        console.print()
        heading = Text(p.title, style="bold")
        if p.active and p.modules:
            heading.append(f"  {', '.join(p.modules)}", style="dim")
        console.print(heading)
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2, 0, 2))
        table.add_column("name")
        table.add_column("value", overflow="fold")
        table.add_column("source", style="dim", overflow="fold")
        for v in shown:
            if v.value is None:
                table.add_row(Text(v.name), Text("unset", style="dim"), Text(""))
            elif v.default_from:
                table.add_row(Text(v.name), Text(v.value), Text(f"→ {v.default_from} ({v.source})"))
            else:
                table.add_row(Text(v.name), Text(v.value), Text(v.source or ""))
        console.print(table)

    if report.findings:
        console.print()
        console.print(Text("findings", style="bold"))
        for f in report.findings:
            _finding(console, f)
    s = report.summary
    console.print()
    console.print(
        Text.assemble(
            f"{s.active} active, {s.inactive} inactive · {s.errors} errors, "
            f"{s.warnings} warnings, {s.info} info · ",
            ("ok", "green") if report.ok else ("failed", "bold red"),
            " (--strict)" if report.strict else "",
        )
    )
    _flush(console, sys.stdout)


def _finding(console: Console, f: Finding) -> None:
    line = Text("  ")
    line.append(
        f"{_SEVERITY_MARK[f.severity]} {f.severity.value:<7}", style=_SEVERITY_STYLE[f.severity]
    )
    line.append(f" {f.code}", style="bold")
    if f.source:
        line.append(f"  {f.source}", style="dim")
    console.print(line)
    console.print(Text(f"      {f.message}"))
    if f.hint:
        console.print(Text(f"      hint: {f.hint}", style="dim"))
