"""The repository stands alone: a clone with no sibling shared/ folder runs the demo green
(the peers' fixtures live in testing/fixtures/, nothing reads ../shared)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testing.procs import require_binary
from tests.conftest import REPO

WHERE = "import storectl, testing; print(storectl.__file__, testing.__file__)"


def test_a_clone_without_shared_runs_the_demo(tmp_path: Path) -> None:
    require_binary("redis-server")
    clone = tmp_path / "elsewhere" / "storectl"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    assert not (clone.parent / "shared").exists()
    assert (clone / "testing" / "fixtures" / "medusa-2.21-admin-order-default.json").is_file()
    # The clone's own code, not this checkout's: its folder comes first on the path.
    env = dict(os.environ, PYTHONPATH=str(clone))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import storectl, testing; print(storectl.__file__, testing.__file__)",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.count(str(clone)) == 2, probe.stdout
    demo = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        start_new_session=True,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "demo: every command succeeded" in demo.stdout
    assert "FileNotFoundError" not in demo.stderr
