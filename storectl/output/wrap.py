"""Text that fits the terminal: display widths, and wrapping in which no line is wider than its
room (a word longer than the room, a URL or a key, is broken, after `/`, `.`, `-`... where it can).

A terminal that gets a line wider than itself wraps it at column 1, through the indent that made
a report readable; a CI log does not wrap it at all. So nothing storectl prints for people is
wider than `terminal_width()`.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar

#: Where a long word is broken by preference: just after one of these.
_SOFT = "/.-_?&=,:;@"
#: A room narrower than this is not worth wrapping into: the text goes below instead.
MIN_ROOM = 20


#: Columns taken by an enclosing indent (a fleet report's store): nested text has less room.
_taken: ContextVar[int] = ContextVar("storectl_taken_columns", default=0)


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 80 (what shutil.get_terminal_size does), less
    what an enclosing indent takes (`narrowed`)."""
    import shutil

    return max(shutil.get_terminal_size((80, 24)).columns - _taken.get(), MIN_ROOM)


@contextlib.contextmanager
def narrowed(columns: int) -> Iterator[None]:
    """Text rendered inside is `columns` narrower: its caller indents it by that much."""
    token = _taken.set(_taken.get() + columns)
    try:
        yield
    finally:
        _taken.reset(token)


def width(text: str) -> int:
    """Columns `text` takes on a terminal: wide East Asian characters take two, combining
    marks none (sanitised text holds no control characters)."""
    total = 0
    for char in text:
        if char.isascii():
            total += 1
        elif not unicodedata.combining(char):
            total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _fitting(word: str, room: int) -> int:
    """How many leading characters of `word` fit in `room` columns (at least one)."""
    used = 0
    for index, char in enumerate(word):
        used += width(char)
        if used > room:
            return max(index, 1)
    return len(word)


def _pieces(word: str, room: int) -> list[str]:
    """`word` in pieces of at most `room` columns, each ending after a soft break character
    when one falls in the last third of the piece."""
    pieces = []
    while width(word) > room:
        cut = _fitting(word, room)
        soft = [i + 1 for i in range(cut * 2 // 3, cut) if word[i] in _SOFT]
        cut = soft[-1] if soft and soft[-1] < len(word) else cut
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def wrap(text: str, room: int, later: int | None = None) -> list[str]:
    """`text` in lines of at most `room` columns (`later` for every line after the first),
    broken between words; a longer word is broken too (it is never left to overflow)."""
    rooms = [max(room, 1), max(later if later is not None else room, 1)]
    lines: list[str] = []
    current = ""
    words = text.split()[::-1]
    while words:
        word = words.pop()
        limit = rooms[bool(lines)]
        if current and width(current) + 1 + width(word) <= limit:
            current += " " + word
            continue
        if current:
            lines.append(current)
            current = ""
            limit = rooms[1]
        if width(word) > limit:  # a piece that fills the line, the rest as the next word
            head = _pieces(word, limit)[0]
            lines.append(head)
            words.append(word[len(head) :])
            continue
        current = word
    return [*lines, current]


def flow(text: str, indent: int, hang: int, total: int) -> list[str]:
    """`text` at `indent` columns in, wrapped at `total`; continuation lines at `hang` columns
    in (a hanging indent). A room under MIN_ROOM makes the continuation start further left."""
    if width(text) <= total - indent:
        return [" " * indent + text]
    hang = hang if total - hang >= MIN_ROOM else min(hang, indent, 2)
    head, *tail = wrap(text, total - indent, total - hang)
    return [" " * indent + head, *(" " * hang + part for part in tail)]
