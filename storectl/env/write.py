"""Setting one variable in a dotenv file: atomic, locked, every other byte of the file kept."""

from __future__ import annotations

import fcntl
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from storectl.env import grammar
from storectl.env.quoting import quote_value
from storectl.errors import ConfigError
from storectl.fsutil import atomic_write

_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_./:@+=,-]*")


@dataclass(frozen=True)
class Written:
    """What `set_value` did: the file, whether the key was replaced or appended, its line, and
    `note` when it had to change the file's permissions (others could read it)."""

    path: Path
    replaced: bool
    line: int
    note: str | None = None


#: What others (not the owner, not the group) may do with a file of secrets: nothing.
_OTHERS = stat.S_IRWXO
_NEW_FILE_MODE = 0o600


def _permissions(path: Path) -> tuple[int, tuple[int, int] | None, str | None]:
    """(mode, owner, note) for the rewritten file: the existing file's owner, group and mode,
    minus what others may do (said in `note`); a new file is 0600 and the writer's."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return _NEW_FILE_MODE, None, None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    mode = stat.S_IMODE(info.st_mode)
    note = None
    if mode & _OTHERS:
        note = (
            f"{path} could be read by others (mode {mode:04o}): it holds secrets, so storectl "
            f"removed their access (now {mode & ~_OTHERS:04o})"
        )
        mode &= ~_OTHERS
    owner: tuple[int, int] | None = (info.st_uid, info.st_gid)
    if not _may_chown(info.st_uid, info.st_gid):
        # Not root, and the file is another user's (or a group we are not in): the rewritten
        # file will be ours, so the group it names is not the file's group: no access for it.
        owner = None
        mode &= ~stat.S_IRWXG
        note = (note + "; " if note else "") + (
            f"{path} belonged to uid {info.st_uid} gid {info.st_gid}, which storectl cannot "
            f"give it back as this user: it is now yours, mode {mode:04o}"
        )
    return mode, owner, note


def _may_chown(uid: int, gid: int) -> bool:
    """Whether this process may give a file it creates this owner and group."""
    if os.geteuid() == 0:
        return True
    return uid == os.geteuid() and (gid == os.getegid() or gid in os.getgroups())


@dataclass(frozen=True)
class Held:
    """Proof that this process holds `folder`'s lock (only `locked` makes one): a caller that
    must keep other writers out across several steps (`webhooks register`: from reading
    Stripe's list to writing the secret) writes through it, under the one lock it holds."""

    folder: Path
    ident: tuple[int, int]

    def set_value(self, path: Path, key: str, value: str) -> Written:
        """`set_value` for a file in this folder, under the lock already held."""
        path = _target(path)
        info = os.stat(_folder(path))
        if (info.st_dev, info.st_ino) != self.ident:
            raise ValueError(f"{path} is not in the locked folder {self.folder}")
        return _write(path, key, value)


def lock_folder(path: Path) -> Path | None:
    """The folder whose lock guards writes to `path` (symlinks followed), or None when there
    is none to lock (no such folder, a symlink loop: `check_writable` says why)."""
    try:
        folder = _folder(_target(path))
    except (OSError, RuntimeError):
        return None
    return folder if folder.is_dir() else None


@contextmanager
def locked(folder: Path) -> Iterator[Held]:
    """An exclusive lock on the file's folder: the env file itself is replaced, its inode with it,
    so a lock on the file would not stop a second storectl that opened the old one. One lock per
    write, not re-entrant: a caller that holds it writes through the `Held` it gets."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise ConfigError(f"cannot lock {folder}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield Held(folder, (info.st_dev, info.st_ino))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _target(path: Path) -> Path:
    """A symlinked env file (a deploy's shared/.env, say) is written through: the link stays."""
    return path.resolve() if path.is_symlink() else path


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def quote(value: str) -> str:
    """The value as node's dotenv 16 + dotenv-expand 11 read it back: bare when safe, else
    `quoting.quote_value` (every `$` escaped: quotes do not stop dotenv-expand 11)."""
    if _PLAIN_VALUE.fullmatch(value):  # whole: a `$`-anchored match lets a final "\n" through
        return value

    try:
        return quote_value(value)
    except ValueError as exc:
        raise ConfigError(
            f"cannot write this value to an env file: {exc}",
            hint="node's dotenv could not read it back unchanged; set it in the process "
            "environment instead",
        ) from None


#: Readings where a `#` right after the value cut it short: what follows was meant as part of
#: the value, not as a comment, so the writer drops it with the old value.
_CUT_AT_HASH = frozenset({"hash-cut", "empty-before-hash"})


def _replace(text: str, key: str, line: str) -> tuple[str, int] | None:
    """``text`` with the last binding of ``key`` (the one node reads) replaced by ``line``,
    using the grammar's span for it, and that binding's line number; None when it has none.

    Everything outside the span stays: an ``export`` prefix and indentation before it, the
    blanks, inline ``# comment`` and line ending after it (a comment glued to a bare value
    was part of the value to the author, and goes; see `_CUT_AT_HASH`)."""
    found = [b for b in grammar.parse(text) if b.name == key]
    if not found:
        return None
    last = found[-1]
    end = last.end
    if _CUT_AT_HASH.intersection(last.notes):
        end = _line_end(text, end)
    return text[: last.start] + line + text[end:], last.line


def _line_end(text: str, at: int) -> int:
    """Where the line holding offset ``at`` ends (before its CR/LF), or the text's end."""
    ends = [i for i in (text.find("\n", at), text.find("\r", at)) if i != -1]
    return min(ends, default=len(text))


def _check(before: str, after: str, key: str, line: str, path: Path) -> None:
    """Refuse the edit unless node's grammar reads ``after`` as ``before`` with only ``key``'s
    value changed: a rewrite must never shift what another name (or this one) owns."""
    old = [(b.name, b.value) for b in grammar.parse(before)]
    new = [(b.name, b.value) for b in grammar.parse(after)]
    value = grammar.parse(line)[0].value
    last = max((i for i, (name, _) in enumerate(old) if name == key), default=None)
    if last is None:
        old.append((key, value))
    else:
        old[last] = (key, value)
    if old != new:
        raise ConfigError(
            f"cannot edit {path} safely: the new line would change how the rest of the file "
            "is read",
            hint=f"set {key} by hand",
        )


def set_value(path: Path, key: str, value: str) -> Written:
    """Set `key` in the dotenv file at `path` (created 0600 if absent); replace its last
    definition in place (its inline `# comment` kept), or append it; keep every other byte,
    and the file's owner, group and mode (less any access for others, said in `note`).

    Which bytes the definition owns is what node's grammar (`grammar.parse`) says, the same
    parse the reader uses. A symlinked env file (a deploy's shared/.env, say) is written
    through: the link stays. Takes the folder's lock for the write (`Held.set_value` writes
    under a lock the caller already holds)."""
    path = _target(path)
    folder = _folder(path)
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: {folder} is not a folder")
    with locked(folder):
        return _write(path, key, value)


def _write(path: Path, key: str, value: str) -> Written:
    """The write itself; the caller holds the folder's lock."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    # One character per undecodable byte (the reader's U+FFFD reads the same to the
    # grammar: neither blank, quote, '#', '=' nor a name character), written back as it was.
    text = raw.decode("utf-8", errors="surrogateescape")
    newline = "\r\n" if "\r\n" in text else "\n"
    line = f"{key}={quote(value)}"
    replaced = _replace(text, key, line)
    if replaced is not None:
        new_text, number = replaced
    else:
        body = text.removeprefix("\ufeff")
        sep = newline if body and not body.endswith(("\n", "\r")) else ""
        new_text = text + sep + line + newline
        number = (body + sep).count("\n") + 1
    _check(text, new_text, key, line, path)
    mode, owner, note = _permissions(path)
    data = new_text.encode("utf-8", errors="surrogateescape")
    atomic_write(path, data, mode=mode, owner=owner)
    return Written(path, replaced is not None, number, note)


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
