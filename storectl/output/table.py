"""Plain aligned columns (rich costs ~22 ms of start-up: BENCHMARKS.md) that fit the terminal,
and check labels."""

from __future__ import annotations

from collections.abc import Sequence

from storectl.model import Check, Status
from storectl.output.color import Painter
from storectl.output.wrap import MIN_ROOM, flow, terminal_width, width, wrap

#: One row of cells: (text, styles).
Row = list[tuple[str, tuple[str, ...]]]


def columns(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]],
    paint: Painter,
    indent: int = 0,
    room: int | None = None,
) -> list[str]:
    """Align cells (text, styles) into columns; the last column is never padded, and wraps at
    the terminal width with a hanging indent under its own start."""
    return [line for lines in row_lines(rows, paint, indent, room) for line in lines]


def row_lines(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]],
    paint: Painter,
    indent: int = 0,
    room: int | None = None,
) -> list[list[str]]:
    """`columns`, one list of lines per row (a wrapped row has several), so a caller can put
    notes under a row."""
    total = room if room is not None else terminal_width()
    widths: list[int] = []
    for row in rows:
        for i, (text, _styles) in enumerate(row[:-1]):
            if i == len(widths):
                widths.append(0)
            widths[i] = max(widths[i], width(text))
    lines: list[list[str]] = []
    for row in rows:
        cells = [
            paint(text + " " * (widths[i] - width(text)), *styles)
            for i, (text, styles) in enumerate(row[:-1])
        ]
        start = indent + sum(widths[: len(row) - 1]) + 2 * (len(row) - 1)
        text, styles = row[-1] if row else ("", ())
        if start > total and len(row) > 2:  # the cells alone are too wide: all but the first
            rest = "  ".join([*(t for t, _ in row[1:-1]), text]).rstrip()  # under it, plain
            lines.append([cells[0].rstrip(), *flow(rest, indent + 4, indent + 4, total)])
            continue
        if width(text) <= total - start:
            parts, below = [text], start
        elif total - start >= MIN_ROOM:
            parts, below = wrap(text, total - start), start
        else:  # too little room beside the cells: the text goes under them, further left
            below = indent + 4
            parts = ["", *wrap(text, total - below)]
        first = " " * indent + "  ".join([*cells, paint(parts[0], *styles)])
        lines.append(
            [first.rstrip(), *((" " * below + paint(p, *styles)).rstrip() for p in parts[1:])]
        )
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


def hanging(
    lead: str, text: str, paint: Painter, *styles: str, room: int | None = None
) -> list[str]:
    """`lead` + `text` wrapped at the terminal width (or `room`) like a table's last column:
    continuation lines start under the text (a hanging indent); a word longer than the room is
    broken, never left to overflow."""
    total = room if room is not None else terminal_width()
    pad = " " * width(lead)
    if width(lead) + width(text) <= total:
        parts = [text]
    elif total - width(lead) >= MIN_ROOM:
        parts = wrap(text, total - width(lead))
    else:  # a lead as wide as the room: the text under it
        pad = "    "
        parts = ["", *wrap(text, total - len(pad))]
    first = paint((lead + parts[0]).rstrip(), *styles)
    return [first, *(paint(pad + part, *styles) for part in parts[1:])]
