"""scripts/lib.sh's refusals: a setup problem is `error:` + `hint:` on stderr and exit 2, before
anything is installed (the happy paths are tests/test_fresh_clone.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.wheelhouse import unprivileged


@pytest.fixture
def checkout() -> Iterator[Path]:
    """The scripts and pyproject.toml in a folder any user can reach (not root's pytest tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="storectl-scripts-"))
    os.chmod(folder, 0o755)
    shutil.copytree(REPO / "scripts", folder / "scripts")
    shutil.copy2(REPO / "pyproject.toml", folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def run_script(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8"}
    return subprocess.run(
        argv, env={**base, **env}, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("script", ["demo", "test"])
def test_a_python_that_does_not_exist_is_named(checkout: Path, script: str) -> None:
    done = run_script([str(checkout / "scripts" / script)], PYTHON="/nonexistent/python3")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"scripts/{script}: error: /nonexistent/python3 not found\nhint: " in done.stderr
    assert not (checkout / ".venv").exists()


def test_a_venv_another_user_owns_is_left_alone(checkout: Path) -> None:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("needs root and setpriv, to run the script as nobody")
    (checkout / ".venv").mkdir()  # root's, 0755
    marker = checkout / ".venv" / "root-was-here"
    marker.touch()
    done = run_script([*prefix, str(checkout / "scripts" / "demo")])
    assert done.returncode == 2, done.stdout + done.stderr
    assert "scripts/demo: error: .venv belongs to root and nobody cannot write it\nhint: " in (
        done.stderr
    )
    assert marker.exists()
