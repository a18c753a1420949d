"""The CLI surface: help on every command, version, completion, and a lean start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from storectl import __version__
from storectl.cli import app
from tests.conftest import REPO, run

HEAVY = ("stripe", "boto3", "botocore", "redis", "jinja2", "httpx")


def _commands() -> list[list[str]]:
    """Every command path, e.g. ['status'] or ['webhooks', 'list'] (groups load lazily)."""
    root = get_command(app)
    paths: list[list[str]] = []

    def walk(command: Any, prefix: list[str]) -> None:
        names = command.list_commands(None) if hasattr(command, "list_commands") else []
        if not names:
            paths.append(prefix)
            return
        for name in names:
            walk(command.get_command(None, name), [*prefix, name])

    walk(root, [])
    return paths


def test_there_are_commands() -> None:
    assert ["status"] in _commands()


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert "Example:" in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"storectl {__version__}"


def test_no_arguments_shows_help() -> None:
    result = run()
    assert "Usage:" in result.stdout + result.stderr


def test_shell_completion_is_available() -> None:
    result = run("--show-completion", env={"SHELL": "/bin/bash"})
    assert result.exit_code == 0
    assert "complete" in result.stdout


def _modules_after(args: list[str], tmp_path: Path) -> set[str]:
    """Run storectl in a fresh interpreter and return the top-level modules it imported."""
    out = tmp_path / "modules.json"
    script = (
        "import json, sys\n"
        f"sys.argv = ['storectl', *{args!r}]\n"
        "from storectl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, check=True)
    return {name.split(".")[0] for name in json.loads(out.read_text())}


@pytest.mark.parametrize(
    "args",
    [["--help"], ["status", "--help"], ["status", "--project", str(REPO / "examples/store")]],
    ids=["help", "status-help", "status"],
)
def test_start_up_imports_no_heavy_sdk(args: list[str], tmp_path: Path) -> None:
    loaded = _modules_after(args, tmp_path)
    assert "storectl" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_python_dash_m(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "storectl", "--version"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"storectl {__version__}"


def test_user_mistake_has_no_traceback() -> None:
    result = run("status", "--format", "xml")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "xml" in result.stderr


def test_a_reader_that_leaves_early_is_no_error() -> None:
    """`storectl doctor --list-checks | head -1`: the pipe closes under the writer, nothing to say
    (it said `internal error: BrokenPipeError`)."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "storectl", "doctor", "--list-checks"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before storectl writes: its first write fails
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
