"""The console: results to stdout, everything else (errors, notes, progress) to stderr,
every human string scrubbed of secrets as it is written."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TypeVar, assert_never

from storectl.fsutil import atomic_write, ensure_parent
from storectl.output import sanitize
from storectl.output.color import Painter, use_color
from storectl.output.formats import StatusFormat
from storectl.output.json import to_json
from storectl.output.wrap import terminal_width, width, wrap
from storectl.redact import scrub, scrub_data

T = TypeVar("T")


def write(text: str, stream: IO[str] | None = None, *, structured: bool = False) -> None:
    """Write text and a final newline; human text is scrubbed and guarded here (`sanitize.lines`:
    no control character, no line that starts a workflow command), structured text (JSON, XML,
    workflow commands) was built from scrubbed, sanitised values and is left byte for byte."""
    target = stream if stream is not None else sys.stdout
    if not structured:
        text = sanitize.lines(scrub(text))
    target.write(text if text.endswith("\n") else text + "\n")
    target.flush()


def deliver(text: str, *, structured: bool, output: Path | None, done: str) -> None:
    """A report to stdout, or into `output` (--output: its folder made, written atomically,
    human text scrubbed and guarded as on stdout), then a line: `done` and where it went."""
    if output is None:
        write(text, structured=structured)
        return
    ensure_parent(output)
    if not structured:
        text = sanitize.lines(scrub(text))
    atomic_write(output, (text if text.endswith("\n") else text + "\n").encode())
    write(f"{done} · report written to {output}")


def write_bytes(data: bytes) -> None:
    """Bytes to stdout exactly as given (`mail preview --eml -`: a message with CRLF lines)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream: the message is 7-bit, so ASCII is exact
        sys.stdout.write(data.decode("ascii", "replace"))
        sys.stdout.flush()
        return
    buffer.write(data)
    buffer.flush()


def error(message: str, hint: str | None = None, stage: str | None = None) -> None:
    """`Error: ...`, `stage: ...` (where a network failure broke) and `hint: ...` on stderr,
    each one line: a message may quote a value from a store, a fleet file or a peer."""
    lines = [f"Error: {sanitize.text(message)}"]
    if stage:
        lines.append(f"stage: {stage}")
    if hint:
        lines.append(f"hint: {sanitize.text(hint)}")
    write("\n".join(lines), sys.stderr)


def note(message: str) -> None:
    """A remark for the person running the command: stderr, never mixed into results; one line,
    whatever value it quotes."""
    write(f"note: {sanitize.text(message)}", sys.stderr)


def render(
    result: T,
    fmt: StatusFormat,
    text: Callable[[T, Painter], str],
    stream: IO[str] | None = None,
) -> None:
    """A result as JSON, or as the human text `text` makes of it (on stdout unless `stream`:
    stderr when stdout carries something else, like `mail preview --eml -`). The table is built
    from sanitised values (`sanitize.values`); JSON keeps the real values (`to_json`)."""
    result = scrub_data(result)
    target = stream if stream is not None else sys.stdout
    match fmt:
        case StatusFormat.TABLE:
            write(text(sanitize.values(result), Painter(use_color(target))), target)
        case StatusFormat.JSON:
            write(to_json(result), target, structured=True)
        case _:
            assert_never(fmt)


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal: what is still
    running, never wider than the terminal, and nothing once all is done."""

    def __init__(self, names: Sequence[str]) -> None:
        self.pending = [sanitize.text(name) for name in names]  # a fleet file's store names
        self.total = len(names)
        self.enabled = bool(names) and sys.stderr.isatty()
        self._show()

    def _show(self) -> None:
        if not self.enabled:
            return
        done = self.total - len(self.pending)
        line = f"checking {' '.join(self.pending)} ({done}/{self.total})" if self.pending else ""
        total = terminal_width() - 1  # a full last column makes some terminals wrap
        if width(line) > total:  # the names shortened: the count always shows
            count = f" … ({done}/{self.total})"
            line = wrap(line, max(total - width(count), 1))[0] + count
        sys.stderr.write(f"\r\x1b[2K{line}")
        sys.stderr.flush()

    def done(self, name: str) -> None:
        name = sanitize.text(name)
        if name in self.pending:
            self.pending.remove(name)
        self._show()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
