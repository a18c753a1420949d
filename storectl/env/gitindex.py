"""Whether git tracks a file, read from the repository's index file without running git.

Running git inside a store folder runs what that folder's `.git/config` names (core.fsmonitor,
hooks, includeIf'd aliases and pagers, filter and diff drivers: issue 20 A), so storectl reads
the index itself. The format is git's `Documentation/gitformat-index.txt`: a 12-byte header
("DIRC", version 2, 3 or 4, entry count), the entries sorted by path, extensions, and a
trailing hash of everything before it (SHA-1 or SHA-256; all zeros under index.skipHash).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

#: The largest index read (a 100k-file monorepo's index is ~10 MiB); beyond it: unknown.
MAX_INDEX = 64 * 1024 * 1024
#: The largest `.git` file (a worktree's "gitdir: <path>" line) read.
MAX_GITFILE = 4096
#: ctime, mtime (2 x 8), dev, ino, mode, uid, gid, size (6 x 4) before the object id.
_STAT = 40
_EXTENDED = 0x4000
_SPARSE_DIR_MODE = 0o040000


@dataclass(frozen=True)
class Tracked:
    """The answer: `tracked` is None when it cannot be told, and `reason` then says why."""

    tracked: bool | None
    reason: str = ""


class _Garbled(Exception):
    """The index does not follow the documented format."""


def is_tracked(path: Path) -> Tracked:
    """Whether the index of the repository holding `path` lists it; no repository: False."""
    try:
        folder = path.parent.resolve()
    except (OSError, RuntimeError):
        return Tracked(None, f"cannot resolve {path.parent}")
    found = _find_repository(folder)
    if found is None:
        return Tracked(False)
    worktree, gitdir = found
    if gitdir is None:
        return Tracked(None, f"{worktree / '.git'} names no readable git directory")
    relative = (
        (folder / path.name).relative_to(worktree).as_posix().encode("utf-8", "surrogateescape")
    )
    index = gitdir / "index"
    try:
        with index.open("rb") as handle:
            data = handle.read(MAX_INDEX + 1)
    except FileNotFoundError:
        return Tracked(False)  # a fresh `git init`: nothing is tracked yet
    except OSError as exc:
        return Tracked(None, f"cannot read {index}: {exc.strerror or exc}")
    if len(data) > MAX_INDEX:
        return Tracked(None, f"{index} is larger than {MAX_INDEX // (1024 * 1024)} MiB")
    try:
        paths = index_paths(data)
    except _Garbled as exc:
        return Tracked(None, f"{index} is not a git index storectl can read ({exc})")
    return Tracked(_listed(relative, paths))


def _listed(relative: bytes, paths: set[bytes]) -> bool:
    """The path itself, or a sparse-index directory entry ("dir/") that holds it."""
    if relative in paths:
        return True
    parts = relative.split(b"/")
    return any(b"/".join(parts[:end]) + b"/" in paths for end in range(1, len(parts)))


def _find_repository(folder: Path) -> tuple[Path, Path | None] | None:
    """(work tree, git directory) of the nearest `.git` above `folder`, as git would find it."""
    for candidate in (folder, *folder.parents):
        dotgit = candidate / ".git"
        try:
            if dotgit.is_dir():
                return candidate, dotgit
            if dotgit.is_file():
                return candidate, _gitfile_target(dotgit)
        except OSError:
            return candidate, None
    return None


def _gitfile_target(dotgit: Path) -> Path | None:
    """A worktree's or submodule's `.git` file: "gitdir: <path>", relative to the file."""
    try:
        with dotgit.open("rb") as handle:
            text = handle.read(MAX_GITFILE).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    first = text.splitlines()[0] if text else ""
    if not first.startswith("gitdir:"):
        return None
    target = Path(first.removeprefix("gitdir:").strip())
    target = target if target.is_absolute() else dotgit.parent / target
    return target if target.is_dir() else None


def index_paths(data: bytes) -> set[bytes]:
    """Every path an index lists (raises _Garbled for anything off the documented format)."""
    if len(data) < 12 or data[:4] != b"DIRC":
        raise _Garbled("too short, or no DIRC signature")
    version = int.from_bytes(data[4:8], "big")
    if version not in (2, 3, 4):
        raise _Garbled(f"version {version}")
    count = int.from_bytes(data[8:12], "big")
    hash_size = _hash_size(data)
    paths, offset = _entries(data, version, count, hash_size)
    _check_extensions(data, offset, hash_size)
    return paths


def _hash_size(data: bytes) -> int:
    """20 (SHA-1) or 32 (SHA-256), told by which one the trailing checksum is."""
    for size, algorithm in ((20, hashlib.sha1), (32, hashlib.sha256)):
        if len(data) > 12 + size and algorithm(data[:-size]).digest() == data[-size:]:
            return size
    if data[-20:] == bytes(20):  # index.skipHash: no checksum; SHA-1 unless the parse says not
        return 20 if _parses(data, 20) or not _parses(data, 32) else 32
    raise _Garbled("checksum mismatch")


def _parses(data: bytes, hash_size: int) -> bool:
    """Whether the entries and extensions fit exactly with object ids of `hash_size` bytes."""
    try:
        version = int.from_bytes(data[4:8], "big")
        _, offset = _entries(data, version, int.from_bytes(data[8:12], "big"), hash_size)
        _check_extensions(data, offset, hash_size)
    except _Garbled:
        return False
    return True


def _entries(data: bytes, version: int, count: int, hash_size: int) -> tuple[set[bytes], int]:
    """Walk `count` entries from offset 12; (their paths, the offset after the last one)."""
    end = len(data) - hash_size
    if count > end // (_STAT + hash_size + 3):
        raise _Garbled(f"{count} entries cannot fit")
    paths: set[bytes] = set()
    offset = 12
    previous = b""
    for _ in range(count):
        start = offset
        flags_at = start + _STAT + hash_size
        if flags_at + 2 > end:
            raise _Garbled("entry past the end")
        mode = int.from_bytes(data[start + 24 : start + 28], "big")
        flags = int.from_bytes(data[flags_at : flags_at + 2], "big")
        offset = flags_at + 2
        if flags & _EXTENDED:
            if version < 3:
                raise _Garbled("extended flags in a version 2 index")
            offset += 2
        if version == 4:
            strip, offset = _varint(data, offset, end)
            if strip > len(previous):
                raise _Garbled("prefix longer than the previous path")
            name, offset = _cstring(data, offset, end)
            name = previous[: len(previous) - strip] + name
        else:
            name, offset = _cstring(data, offset, end)
            offset = start + ((offset - start + 7) // 8) * 8  # 1 to 8 NULs pad to 8 bytes
            if offset > end:
                raise _Garbled("padding past the end")
        if mode & 0o170000 == _SPARSE_DIR_MODE and not name.endswith(b"/"):
            raise _Garbled("directory entry without a trailing slash")
        paths.add(name)
        previous = name
    return paths, offset


def _varint(data: bytes, offset: int, end: int) -> tuple[int, int]:
    """git's offset encoding (varint.c): 7 bits a byte, each continuation adds one."""
    value = -1
    for _ in range(10):
        if offset >= end:
            break
        byte = data[offset]
        offset += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, offset
    raise _Garbled("bad prefix length")


def _cstring(data: bytes, offset: int, end: int) -> tuple[bytes, int]:
    """A NUL-terminated path; (the path, the offset just after its NUL). It may be empty: a
    v4 suffix repeating the previous path (a conflict's stages), a split index's replacement."""
    nul = data.find(b"\0", offset, end)
    if nul < 0:
        raise _Garbled("unterminated path")
    return data[offset:nul], nul + 1


def _check_extensions(data: bytes, offset: int, hash_size: int) -> None:
    """Extensions fill the gap to the checksum exactly; a split index is not read (unknown)."""
    end = len(data) - hash_size
    while offset < end:
        if offset + 8 > end:
            raise _Garbled("truncated extension header")
        signature = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "big")
        if signature == b"link":
            raise _Garbled("a split index (core.splitIndex)")
        offset += 8 + size
    if offset != end:
        raise _Garbled("extensions overrun the checksum")
