"""Rendering: results to stdout, everything else to stderr, every string through `scrub()`.

The human table is plain aligned text with ANSI colour on a TTY (and never with NO_COLOR):
importing rich costs ~22 ms, a fifth of `storectl status`'s whole run (BENCHMARKS.md), so rich
is kept for what needs it (live progress) and imported only there.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, assert_never

from storectl.commands._options import StatusFormat
from storectl.providers.base import Finding, Severity
from storectl.redact import scrub
from storectl.report import StatusReport

_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


def use_color(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Painter:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def columns(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]], paint: Painter, indent: int = 0
) -> list[str]:
    """Align cells (text, styles) into columns; the last column is never padded."""
    widths: list[int] = []
    for row in rows:
        for i, (text, _styles) in enumerate(row[:-1]):
            if i == len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(text))
    lines = []
    for row in rows:
        cells = [
            paint(text.ljust(widths[i]) if i < len(row) - 1 else text, *styles)
            for i, (text, styles) in enumerate(row)
        ]
        lines.append((" " * indent + "  ".join(cells)).rstrip())
    return lines


def write(text: str, stream: IO[str] | None = None) -> None:
    """Write scrubbed text and a final newline."""
    target = stream if stream is not None else sys.stdout
    text = scrub(text)
    target.write(text if text.endswith("\n") else text + "\n")
    target.flush()


def error(message: str, hint: str | None = None) -> None:
    """`Error: ...` and `hint: ...` on stderr, for the CLI boundary."""
    lines = [f"Error: {message}"]
    if hint:
        lines.append(f"hint: {hint}")
    write("\n".join(lines), sys.stderr)


def to_json(value: Any) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings."""
    import json  # lazy: only --format json pays for it

    is_instance = dataclasses.is_dataclass(value) and not isinstance(value, type)
    data = dataclasses.asdict(value) if is_instance else value
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_status(report: StatusReport, fmt: StatusFormat) -> None:
    match fmt:
        case StatusFormat.TABLE:
            write(status_table(report, Painter(use_color(sys.stdout))))
        case StatusFormat.JSON:
            write(to_json(report))
        case _:
            assert_never(fmt)


def status_table(report: StatusReport, paint: Painter) -> str:
    loaded = [f.path for f in report.files if f.exists]
    out = [
        f"environment: {paint(report.environment, 'bold')}  ·  files: "
        + (", ".join(loaded) if loaded else "none found (process environment only)"),
        "",
    ]
    rows: list[list[tuple[str, tuple[str, ...]]]] = [
        [("provider", ("bold",)), ("state", ("bold",)), ("activated by / falls back to", ("bold",))]
    ]
    for p in report.providers:
        if p.active:
            rows.append(
                [
                    (p.title, ()),
                    ("active", ("green",)),
                    (f"{p.activated_by} ({p.activation_source})", ()),
                ]
            )
        else:
            rows.append(
                [
                    (p.title, ()),
                    ("inactive", ("dim",)),
                    (f"{p.activated_by} unset → {p.fallback}", ()),
                ]
            )
    out += columns(rows, paint)

    for p in report.providers:
        shown = [
            v for v in p.variables if p.active or (v.value is not None and v.source != "default")
        ]
        if not shown:
            continue
        heading = paint(p.title, "bold")
        if p.active and p.modules:
            heading += "  " + paint(", ".join(p.modules), "dim")
        out += ["", heading]
        var_rows: list[list[tuple[str, tuple[str, ...]]]] = []
        for v in shown:
            if v.value is None:
                var_rows.append([(v.name, ()), ("unset", ("dim",)), ("", ())])
            elif v.default_from:
                var_rows.append(
                    [(v.name, ()), (v.value, ()), (f"→ {v.default_from} ({v.source})", ("dim",))]
                )
            else:
                var_rows.append([(v.name, ()), (v.value, ()), (v.source or "", ("dim",))])
        out += columns(var_rows, paint, indent=2)

    if report.findings:
        out += ["", paint("findings", "bold")]
        for f in report.findings:
            out += finding_lines(f, paint)
    s = report.summary
    verdict = paint("ok", "green") if report.ok else paint("failed", "bold", "red")
    out += [
        "",
        f"{s.active} active, {s.inactive} inactive · {s.errors} errors, "
        f"{s.warnings} warnings, {s.info} info · {verdict}"
        + (" (--strict)" if report.strict else ""),
    ]
    return "\n".join(out)


def finding_lines(f: Finding, paint: Painter) -> list[str]:
    head = "  " + paint(
        f"{_SEVERITY_MARK[f.severity]} {f.severity.value:<7}", _SEVERITY_STYLE[f.severity]
    )
    head += " " + paint(f.code, "bold")
    if f.source:
        head += "  " + paint(f.source, "dim")
    lines = [head, f"      {f.message}"]
    if f.hint:
        lines.append(paint(f"      hint: {f.hint}", "dim"))
    return lines
