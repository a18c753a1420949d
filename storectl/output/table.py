"""Plain aligned columns (rich costs ~22 ms of start-up: BENCHMARKS.md), and check labels."""

from __future__ import annotations

from collections.abc import Sequence

from storectl.model import Check, Status
from storectl.output.color import Painter

#: One row of cells: (text, styles).
Row = list[tuple[str, tuple[str, ...]]]


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 80 (what shutil.get_terminal_size does)."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken only between words (a longer word stays
    whole on its own line: a URL or a key is never cut in the middle)."""
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def columns(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]],
    paint: Painter,
    indent: int = 0,
    width: int | None = None,
) -> list[str]:
    """Align cells (text, styles) into columns; the last column is never padded, and wraps at
    the terminal width with a hanging indent under its own start."""
    return [line for lines in row_lines(rows, paint, indent, width) for line in lines]


def row_lines(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]],
    paint: Painter,
    indent: int = 0,
    width: int | None = None,
) -> list[list[str]]:
    """`columns`, one list of lines per row (a wrapped row has several), so a caller can put
    notes under a row."""
    total = width if width is not None else terminal_width()
    widths: list[int] = []
    for row in rows:
        for i, (text, _styles) in enumerate(row[:-1]):
            if i == len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(text))
    lines: list[list[str]] = []
    for row in rows:
        cells = [paint(text.ljust(widths[i]), *styles) for i, (text, styles) in enumerate(row[:-1])]
        start = indent + sum(widths[: len(row) - 1]) + 2 * (len(row) - 1)
        text, styles = row[-1] if row else ("", ())
        room = total - start
        parts = _wrap(text, room) if room >= 20 and len(text) > room else [text]
        first = " " * indent + "  ".join([*cells, paint(parts[0], *styles)])
        lines.append(
            [first.rstrip(), *((" " * start + paint(p, *styles)).rstrip() for p in parts[1:])]
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
    lead: str, text: str, paint: Painter, *styles: str, width: int | None = None
) -> list[str]:
    """`lead` + `text` wrapped at the terminal width like a table's last column: continuation
    lines start under the text (a hanging indent), words stay whole (hint lines, messages)."""
    room = (width if width is not None else terminal_width()) - len(lead)
    parts = _wrap(text, room) if room >= 20 and len(text) > room else [text]
    pad = " " * len(lead)
    return [paint(lead + parts[0], *styles), *(paint(pad + part, *styles) for part in parts[1:])]
