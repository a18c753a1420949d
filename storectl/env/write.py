"""Setting one variable in a dotenv file: atomic, locked, every other byte of the file kept."""

from __future__ import annotations

import fcntl
import io
import os
import re
import stat
import threading
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


#: Folders this thread holds locked (by device and inode), with how deep: `locked` is
#: reentrant within a thread, so `webhooks register` can hold the folder from list to write and
#: still call `set_value` (a second flock on a new descriptor would wait for ourselves). Other
#: threads take the flock like any other process.
_HELD = threading.local()


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the file's folder: the env file itself is replaced, its inode with it,
    so a lock on the file would not stop a second storectl that opened the old one."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise ConfigError(f"cannot lock {folder}: {exc.strerror}") from None
    info = os.fstat(fd)
    ident = (info.st_dev, info.st_ino)
    held: dict[tuple[int, int], int] = _HELD.__dict__.setdefault("folders", {})
    if held.get(ident):
        os.close(fd)
        held[ident] += 1
        try:
            yield
        finally:
            held[ident] -= 1
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held[ident] = 1
        yield
    finally:
        held.pop(ident, None)
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


def check_writable(path: Path) -> Path:
    """Fail before anything irreversible (a Stripe endpoint whose secret is shown once) when
    `path` cannot be written: its folder must exist and be writable, the path must not be a
    symlink loop, and an existing file must be a writable regular file. A full disk is not
    knowable in advance; `set_value` reports it when it happens. Returns the path to write."""
    try:
        target = path.resolve(strict=False) if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on Python < 3.13
        reason = getattr(exc, "strerror", None) or "a symlink loop"
        raise ConfigError(
            f"cannot write {path}: {reason}", hint=f"point {path} at a real file, or use --write-to"
        ) from None
    folder = target.parent if str(target.parent) else Path(".")
    hint = "fix the permissions, or pass --write-to with a file storectl can write"
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", hint=hint) from None
    if info is None and path.is_symlink():
        raise ConfigError(
            f"cannot write {path}: it is a symlink to {target}, which does not exist", hint=hint
        )
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: {folder} is not a folder", hint=hint)
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"cannot write {path}: it is not a regular file", hint=hint)
        if not os.access(target, os.R_OK | os.W_OK):
            raise ConfigError(f"cannot write {path}: permission denied", hint=hint)
    # the file is replaced by rename: the folder must take a new entry
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write {path}: {folder} is not writable", hint=hint)
    return target
