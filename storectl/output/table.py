"""Plain aligned columns (rich costs ~22 ms of start-up: BENCHMARKS.md), and check labels."""

from __future__ import annotations

from collections.abc import Sequence

from storectl.model import Check, Status
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


#: The check name doctor's JSON gives an inactive provider's row (kept for consumers); people
#: read that row as "skipped", with its reason in the summary.
INACTIVE_CHECK = "active"


def label(check: Check) -> str:
    """A check's name, with its target when it has one (`connect [host:6379]`); an inactive
    provider's row reads `skipped`, not as a check named `active`."""
    if check.check == INACTIVE_CHECK and check.status is Status.SKIP:
        return "skipped"
    return f"{check.check} [{check.target}]" if check.target else check.check


def is_lint(check: Check) -> bool:
    """A lint finding shown as a check: lint codes are namespaced by their provider
    (`redis.x`, `env.duplicate-key`), probe checks are not; its target is `file:line`."""
    return check.check.startswith(f"{check.provider}.")


def is_info(check: Check) -> bool:
    """An info-level lint finding shown as a check: its status is ok (JSON stays so), but a
    table marks it `i`, not ✓."""
    return check.status is Status.OK and is_lint(check)
