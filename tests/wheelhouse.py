"""The wheelhouse scripts/test builds (.cache/wheelhouse/), so install tests need no package index.

Its STAMP records the interpreter the wheels were resolved for (Debian's /usr/bin/python3 when
there is one: environment markers differ between interpreters) and the pyproject.toml they match.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests.conftest import REPO

FOLDER = REPO / ".cache" / "wheelhouse"


@dataclass(frozen=True)
class Wheelhouse:
    folder: Path
    python: str  # the interpreter its wheels were resolved for

    def pip_env(self, *more_links: Path) -> dict[str, str]:
        """pip settings that install from these wheels only: no index, no config, no cache."""
        return {
            "PIP_CONFIG_FILE": os.devnull,  # the machine's pip.conf may name an index
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": " ".join(str(p) for p in (self.folder, *more_links)),
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # No .pyc at install time (botocore, moto: ~8 s of CPU); what runs compiles on import.
            "PIP_COMPILE": "0",
        }


def unavailable(reason: str) -> NoReturn:
    """A missing prerequisite (wheelhouse, git checkout) skips locally, fails under CI=true."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


def locate() -> Wheelhouse | str:
    """The current wheelhouse, or why there is none (and how to build it)."""
    stamp = FOLDER / "STAMP"
    if not stamp.is_file():
        return f"no wheelhouse at {FOLDER}: ./scripts/test builds it"
    fields = dict(line.split("=", 1) for line in stamp.read_text().splitlines() if "=" in line)
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if fields.get("pyproject") != digest:
        return f"{FOLDER} was built for another pyproject.toml: ./scripts/test rebuilds it"
    python = fields.get("python", "")
    if not (python and os.access(python, os.X_OK)):
        return f"{FOLDER} was built for {python or '?'}, which is gone: run ./scripts/test"
    return Wheelhouse(FOLDER, python)


def wheelhouse() -> Wheelhouse:
    """The current wheelhouse, or skip (fail under CI) saying how to build it."""
    found = locate()
    if isinstance(found, str):
        unavailable(found)
    return found


def others_can_read(path: Path) -> bool:
    """Whether a user with no relation to the owner can reach `path` (every parent searchable)."""
    path = path.resolve()
    for parent in path.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def unprivileged() -> list[str] | None:
    """The prefix that runs a command as nobody (uid/gid 65534), when we are root and can."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
