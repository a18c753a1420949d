"""README's first command from a fresh clone on Debian's own python3 (EXTERNALLY-MANAGED, PEP 668):
scripts/demo makes .venv/, installs into it, runs green, and a second run reuses it.

Run as nobody (uid 65534) when the suite runs as root, so the unprivileged path is the one tested:
no apt-get, no writable HOME of its own, a checkout it owns. Installs come from the wheelhouse
scripts/test builds (no package index). The slowest test of the suite: ~25 s (BENCHMARKS.md).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import REPO
from tests.servers.procs import require_binary
from tests.wheelhouse import Wheelhouse, others_can_read, unavailable, unprivileged, wheelhouse


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
    shared = REPO.parent / "shared"
    prefix = unprivileged()
    if prefix and not (others_can_read(house.folder / "STAMP") and others_can_read(shared)):
        prefix = None  # nobody could not read them: run as ourselves
    folder = Path(tempfile.mkdtemp(prefix="storectl-clone-"))
    try:
        clone = folder / "storectl"
        copy_checkout(REPO, clone)
        # TEMP: remove once testing/ fixtures land (issue 9)
        (folder / "shared").symlink_to(shared.resolve())
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
        assert "21 checks, 0 failed, 0 warnings, 0 errors" in first.stdout, output
        venv = clone / ".venv"
        assert (venv / "bin" / "storectl").exists()
        assert venv.stat().st_uid == (65534 if prefix else os.geteuid())

        second = run_demo(argv, env)
        output = f"as {who}:\n{second.stdout[-3000:]}{second.stderr[-3000:]}"
        assert second.returncode == 0, output
        assert "scripts/demo: using .venv" in second.stderr, output
        assert "storectl[demo] already installed in .venv" in second.stderr, output
        assert "created" not in second.stderr and "installing" not in second.stderr, output
        assert "demo: every command succeeded" in second.stdout, output
    finally:
        shutil.rmtree(folder)
