"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from storectl.errors import ConfigError


def atomic_write(
    path: Path, data: bytes, *, mode: int | None = None, owner: tuple[int, int] | None = None
) -> None:
    """Write `data` to a temp file beside `path`, fsync it, and rename it over `path`.

    `owner` (uid, gid) is given to the temp file before the rename, so a file owned by a
    service user stays that user's even when root rewrites it."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        prefix = f"{path.name}." if path.name.startswith(".") else f".{path.name}."
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror}",
            hint=f"check that {folder} exists and is writable",
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if owner is not None:
            os.chown(tmp, *owner)
        if mode is not None:
            os.chmod(tmp, mode)  # after chown, which may clear set-id bits
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_parent(path: Path) -> None:
    """Create the folders a report or preview goes into (`-o reports/today/doctor.json`), so a
    missing folder is not an error; a parent that cannot be made is a ConfigError with a hint."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {path.parent}: {exc.strerror}",
            hint="choose a folder you can write to",
        ) from None
