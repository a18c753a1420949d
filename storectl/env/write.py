"""Setting one variable in a dotenv file: atomic, locked, every other byte of the file kept."""

from __future__ import annotations

import fcntl
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from storectl.errors import ConfigError
from storectl.fsutil import atomic_write

_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:@+=,-]*$")


@dataclass(frozen=True)
class Written:
    """What `set_value` did: the file, whether the key was replaced or appended, and its line."""

    path: Path
    replaced: bool
    line: int


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the file's folder: the env file itself is replaced, its inode with it,
    so a lock on the file would not stop a second storectl that opened the old one."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def quote(value: str) -> str:
    """The value as dotenv reads it back: bare when safe, single-quoted when it holds a `$`
    (dotenv-expand would expand it otherwise), else double-quoted with escapes."""
    if _PLAIN_VALUE.match(value):
        return value
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("$", "\\$")  # dotenv-expand's escape: no expansion
    return f'"{escaped}"'


def _chunks(text: str) -> list[tuple[str, str | None]]:
    """The file as consecutive chunks (each binding's original text) with the key each defines."""
    from dotenv.parser import parse_stream

    return [
        (binding.original.string, binding.key if not binding.error else None)
        for binding in parse_stream(io.StringIO(text))
    ]


def set_value(path: Path, key: str, value: str) -> Written:
    """Set `key` in the dotenv file at `path` (created 0600 if absent); replace its last
    definition in place, or append it; keep every other byte; leave the file mode 0600.

    A symlinked env file (a deploy's shared/.env, say) is written through: the link stays."""
    path = path.resolve() if path.is_symlink() else path
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: {folder} is not a folder")
    with locked(folder):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = b""
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        text = raw.decode("utf-8", errors="surrogateescape")
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        text = text.removeprefix(bom)
        newline = "\r\n" if "\r\n" in text else "\n"
        chunks = _chunks(text)
        if "".join(chunk for chunk, _ in chunks) != text:  # the parser lost bytes: don't edit
            raise ConfigError(
                f"cannot edit {path} safely: the dotenv parser does not account for every byte",
                hint=f"set {key} by hand",
            )
        last = max((i for i, (_, name) in enumerate(chunks) if name == key), default=None)
        line = f"{key}={quote(value)}"
        if last is not None:
            chunk = chunks[last][0]
            stripped = chunk.lstrip()
            lead = chunk[: len(chunk) - len(stripped)]
            export = "export " if re.match(r"export\s", stripped) else ""
            ending = newline if chunk.endswith(("\n", "\r")) else ""
            before = "".join(c for c, _ in chunks[:last]) + lead
            new_text = before + export + line + ending + "".join(c for c, _ in chunks[last + 1 :])
            number = before.count("\n") + 1
        else:
            sep = newline if text and not text.endswith(("\n", "\r")) else ""
            new_text = text + sep + line + newline
            number = (text + sep).count("\n") + 1
        atomic_write(path, (bom + new_text).encode("utf-8", errors="surrogateescape"), mode=0o600)
    return Written(path, last is not None, number)
