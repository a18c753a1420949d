"""Plain aligned columns (rich costs ~22 ms of start-up: BENCHMARKS.md), and check labels."""

from __future__ import annotations

from collections.abc import Sequence

from storectl.model import Check
from storectl.output.color import Painter

#: One row of cells: (text, styles).
Row = list[tuple[str, tuple[str, ...]]]


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


def label(check: Check) -> str:
    """A check's name, with its target when it has one (`connect [host:6379]`)."""
    return f"{check.check} [{check.target}]" if check.target else check.check
