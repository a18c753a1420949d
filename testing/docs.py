"""Documents the suite generates (the fault matrices): tests compare them with what they
measured, and only `scripts/update-docs` (STORECTL_UPDATE_DOCS=1) writes them, so no ordinary
test run rewrites a tracked file."""

from __future__ import annotations

import os
from pathlib import Path

UPDATE = "STORECTL_UPDATE_DOCS"


def assert_current(path: Path, text: str) -> None:
    """`path` holds `text`; with STORECTL_UPDATE_DOCS=1 it is written instead."""
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    on_disk = path.read_text(encoding="utf-8") if path.is_file() else ""
    assert on_disk == text, (
        f"{path.name} is not what this run measured: if the change is meant, run "
        "scripts/update-docs and commit the file"
    )
