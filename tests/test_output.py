"""Colour rules of the plain-text renderer: only on a TTY, never with NO_COLOR."""

from __future__ import annotations

import io

import pytest

from storectl.output import Painter, columns, use_color


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(FakeTTY()) is True
    assert use_color(io.StringIO()) is False


@pytest.mark.parametrize(("name", "value"), [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_no_colour_when_asked(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv(name, value)
    assert use_color(FakeTTY()) is False


def test_an_empty_no_color_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """no-color.org: NO_COLOR counts when present *and not empty*."""
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(FakeTTY()) is True


def test_painter_and_columns() -> None:
    assert Painter(False)("x", "red") == "x"
    assert Painter(True)("x", "bold", "red") == "\x1b[1;31mx\x1b[0m"
    rows = [[("a", ()), ("bb", ()), ("c", ())], [("aaa", ()), ("b", ()), ("", ())]]
    assert columns(rows, Painter(False), indent=2) == ["  a    bb  c", "  aaa  b"]


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from storectl.output import Progress

    tty = FakeTTY()
    monkeypatch.setattr("sys.stderr", tty)
    progress = Progress(["stripe", "redis"])
    progress.done("stripe")
    progress.close()
    shown = tty.getvalue()
    assert "checking stripe redis (0/2)" in shown and "checking redis (1/2)" in shown
    assert shown.endswith("\r\x1b[2K")  # the line is cleared: nothing left in the way


def test_progress_never_shows_an_empty_name_nor_overflows(monkeypatch: pytest.MonkeyPatch) -> None:
    from storectl.output import Progress

    tty = FakeTTY()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("COLUMNS", "40")
    names = [f"store-{i:02d}" for i in range(12)]
    progress = Progress(names)
    for name in names:
        progress.done(name)
    progress.close()
    shown = [part.removeprefix("\x1b[2K") for part in tty.getvalue().split("\r")]
    assert "checking  (" not in tty.getvalue()  # issue 21: `checking  (2/2)`
    assert all(len(line) < 40 for line in shown)
    assert shown[1].startswith("checking store-00 ") and shown[1].endswith("… (0/12)")
    assert "checking store-11 (11/12)" in shown

    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    quiet = Progress(["stripe"])
    quiet.done("stripe")
    quiet.close()
    assert pipe.getvalue() == ""
