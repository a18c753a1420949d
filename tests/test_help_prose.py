"""Every command's `--help` reads as prose at 80 and 120 columns (issue 21 E): no word split
across lines (`<table|json|junit|githu b>`), no line broken inside a sentence before the
terminal's edge (`... unless` / `--ignore-environment; then ...`)."""

from __future__ import annotations

import pytest
import typer

from storectl.cli import GROUPS, app
from tests.conftest import run

_BOX = "│╭╮╰╯─"


def _paths() -> list[tuple[str, ...]]:
    """Every command and group of the CLI, as argv prefixes (the root's own too)."""
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]
    for name in GROUPS:
        command = root.get_command(typer.Context(root), name)  # type: ignore[attr-defined]
        paths.append((name,))
        paths += [(name, sub) for sub in getattr(command, "commands", {})]
    return paths


def _help(path: tuple[str, ...], columns: int) -> str:
    result = run(*path, "--help", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _words(text: str) -> set[str]:
    return {w.strip(_BOX) for w in text.split()} - {""}


def test_every_command_is_covered() -> None:
    paths = _paths()
    assert ("doctor",) in paths and ("webhooks", "register") in paths and ("mail", "test") in paths


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "storectl")
@pytest.mark.parametrize("columns", [80, 120])
def test_help_splits_no_word_and_no_sentence(path: tuple[str, ...], columns: int) -> None:
    wide = _words(_help(path, 400))
    text = _help(path, columns)
    lines = text.splitlines()
    assert all(len(line) <= columns for line in lines), text
    split = sorted(_words(text) - wide)
    assert not split, f"words split across lines at {columns} columns: {split}\n{text}"
    prose = lines[: next((i for i, x in enumerate(lines) if x.startswith("╭")), len(lines))]
    for line, after in zip(prose, prose[1:], strict=False):
        if line.strip() and after.strip() and not after.strip().startswith("Usage:"):
            room = columns - 2  # rich's padding on either side
            assert len(line.rstrip()) + 1 + len(after.split()[0]) > room, (
                f"a line broken before the edge at {columns} columns:\n{line}\n{after}"
            )
