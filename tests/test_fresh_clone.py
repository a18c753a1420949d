"""README's first command from a fresh clone on Debian's own python3 (EXTERNALLY-MANAGED, PEP 668):
scripts/demo makes .venv/, installs into it, runs green, and a second run reuses it. The clone has
no sibling shared/ folder: this is also the proof that the repository stands alone (the peers'
fixtures live in testing/fixtures/, nothing outside the clone is read).

Run as nobody (uid 65534) when the suite runs as root, so the unprivileged path is the one tested:
no apt-get, no writable HOME of its own, a checkout it owns. Installs come from the wheelhouse
scripts/test builds (no package index). The slowest test of the suite: ~25 s (BENCHMARKS.md).
Without a wheelhouse (outside CI) a cheaper test runs the clone's demo on this interpreter instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from testing.procs import require_binary
from tests.conftest import REPO
from tests.wheelhouse import (
    Wheelhouse,
    locate,
    others_can_read,
    unavailable,
    unprivileged,
    wheelhouse,
)

WHERE = "import storectl, testing; print(storectl.__file__, testing.__file__)"


def copy_checkout(source: Path, target: Path) -> None:
    """What a clone of the working tree holds: tracked and untracked-but-not-ignored files."""
    listed = subprocess.run(
        ["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
    )
    if listed.returncode:
        unavailable(f"{source} is not a git checkout: {listed.stderr.decode().strip()}")
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = source / name
        if path.is_file() or path.is_symlink():  # a file deleted but not yet committed is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name, follow_symlinks=False)


def chown_tree(root: Path, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.chown(name, uid, uid, follow_symlinks=False)


def run_demo(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run scripts/demo in its own process group; fail if anything of that group outlives it."""
    demo = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = demo.communicate(timeout=600)
    try:
        os.killpg(demo.pid, signal.SIGKILL)
    except ProcessLookupError:
        return subprocess.CompletedProcess(argv, demo.returncode, stdout, stderr)
    raise AssertionError("the demo left processes running")


def demo_env(house: Wheelhouse, folder: Path, redis: str) -> dict[str, str]:
    """A bare environment: Debian's PATH, a HOME of its own, pip limited to the wheelhouse."""
    return {
        "PATH": os.pathsep.join([os.path.dirname(redis), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]),
        "HOME": str(folder / "home"),
        "TMPDIR": str(folder / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHON": house.python,
        **house.pip_env(),
    }


def test_demo_from_a_fresh_clone_makes_and_reuses_a_venv() -> None:
    house = wheelhouse()
    redis = require_binary("redis-server")
    prefix = unprivileged()
    if prefix and not others_can_read(house.folder / "STAMP"):
        prefix = None  # nobody could not read it: run as ourselves
    folder = Path(tempfile.mkdtemp(prefix="storectl-clone-"))
    try:
        clone = folder / "storectl"
        copy_checkout(REPO, clone)
        assert not (folder / "shared").exists()
        assert (clone / "testing" / "fixtures" / "medusa-2.21-admin-order-default.json").is_file()
        (folder / "home").mkdir()
        (folder / "tmp").mkdir()
        if prefix:
            chown_tree(folder, 65534)
        argv = [*(prefix or []), str(clone / "scripts" / "demo")]
        env = demo_env(house, folder, redis)
        who = "nobody" if prefix else "the current user"

        first = run_demo(argv, env)
        output = f"as {who}:\n{first.stdout[-3000:]}{first.stderr[-3000:]}"
        assert first.returncode == 0, output
        assert f"scripts/demo: created .venv with {house.python}" in first.stderr, output
        assert "scripts/demo: installing storectl[demo] (editable)" in first.stderr, output
        assert "demo: every command succeeded" in first.stdout, output
        assert re.search(r"\d+ checks, 0 failed, 0 warnings, 0 errors", first.stdout), output
        venv = clone / ".venv"
        assert (venv / "bin" / "storectl").exists()
        assert venv.stat().st_uid == (65534 if prefix else os.geteuid())
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", WHERE],
            cwd=clone / "scripts",  # as scripts/demo.py runs: the checkout is not the cwd
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert where.stdout.split() == [
            str(clone / "storectl" / "__init__.py"),
            str(clone / "testing" / "__init__.py"),
        ], where.stdout

        second = run_demo(argv, env)
        output = f"as {who}:\n{second.stdout[-3000:]}{second.stderr[-3000:]}"
        assert second.returncode == 0, output
        assert "scripts/demo: using .venv" in second.stderr, output
        assert "storectl[demo] already installed in .venv" in second.stderr, output
        assert "created" not in second.stderr and "installing" not in second.stderr, output
        assert "demo: every command succeeded" in second.stdout, output
    finally:
        shutil.rmtree(folder)


def test_demo_from_a_clone_without_shared_on_this_python(tmp_path: Path) -> None:
    """The cheap path, for when the test above cannot run (no wheelhouse, outside CI): the clone's
    own code, with no sibling shared/, runs the demo green on the current interpreter."""
    if not isinstance(locate(), str):
        pytest.skip("the fresh-clone test above proves this and more (a wheelhouse exists)")
    require_binary("redis-server")
    clone = tmp_path / "elsewhere" / "storectl"
    copy_checkout(REPO, clone)
    assert not (clone.parent / "shared").exists()
    assert (clone / "testing" / "fixtures" / "medusa-2.21-admin-order-default.json").is_file()
    env = dict(os.environ, PYTHONPATH=str(clone))  # the clone's code first, not this checkout's
    where = subprocess.run(
        [sys.executable, "-c", WHERE],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.split() == [
        str(clone / "storectl" / "__init__.py"),
        str(clone / "testing" / "__init__.py"),
    ], where.stdout
    demo = run_demo([sys.executable, str(clone / "scripts" / "demo.py")], env)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "demo: every command succeeded" in demo.stdout
    assert "FileNotFoundError" not in demo.stderr
