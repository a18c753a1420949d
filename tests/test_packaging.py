"""The wheel: a non-editable build ships templates/ and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_ships_templates_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("storectl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "storectl = storectl.cli:main" in archive.read(entry_points).decode()
    shipped = {n.removeprefix("storectl/templates/") for n in names if "templates/" in n}
    expected = {p.name for p in (REPO / "templates").iterdir() if p.is_file()}
    assert expected and expected <= shipped
    assert "storectl/cli.py" in names
