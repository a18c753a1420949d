"""Which Medusa release the store's backend runs, read from the project (its package files),
and what storectl knows about that release.

The admin API does not say its version, so the project tells: the installed package
(`node_modules/@medusajs/medusa/package.json`), else the lock file (`package-lock.json`), else
the range `package.json` asks for (its lowest version). storectl is tested against 2.8.x to
2.21.x (README, "Medusa versions"); outside that range a lint finding warns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storectl.model import Finding, Severity, finding
from storectl.providers.shape import Object, dig, obj
from storectl.providers.shape import text as text_of

if TYPE_CHECKING:
    from storectl.env import Env

NAME = "medusa"
#: The packages that carry a backend's Medusa version, the first one found wins.
PACKAGES = ("@medusajs/medusa", "@medusajs/framework")
#: The releases storectl is tested against: 2.8.0 up to (not including) 2.22.0.
TESTED_FROM = (2, 8, 0)
TESTED_BELOW = (2, 22, 0)
TESTED_RANGE = "2.8.x to 2.21.x"
#: From this release on, @medusajs/payment-stripe ignores an event whose intent has no
#: metadata.session_id (core/stripe-base.js getWebhookActionAndData); before it, such an
#: event is processed and the backend logs "payment - id must be defined".
IGNORES_SESSIONLESS_EVENTS = (2, 16, 0)
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
#: A package file larger than this is not a package file (never read a huge file).
_MAX_BYTES = 4 * 1024 * 1024

Version = tuple[int, int, int]


@dataclass(frozen=True)
class BackendVersion:
    """The backend's Medusa version as the project states it."""

    version: Version | None
    #: as written there ("2.8.8", "^2.8.0", "latest")
    text: str
    #: the file it came from, relative to the project where possible
    source: str
    #: True for an installed or locked version, False for a range in package.json
    exact: bool

    @property
    def shown(self) -> str:
        pinned = self.exact or re.fullmatch(r"\d+\.\d+\.\d+", self.text) is not None
        return self.text if pinned else f"{self.text} (a range in package.json)"


def parse(text: str) -> Version | None:
    """The first x.y[.z] in a version or range (`^2.8.0` -> 2.8.0: a range's lowest)."""
    match = _VERSION.search(text)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def tested(version: Version) -> bool:
    return TESTED_FROM <= version < TESTED_BELOW


def processes_sessionless_events(found: BackendVersion | None) -> bool:
    """Whether the backend acts on a Stripe event without metadata.session_id (and logs an
    error for it): releases before 2.16.0. Unknown versions are taken as the current ones."""
    return (
        found is not None
        and found.version is not None
        and (found.version < IGNORES_SESSIONLESS_EVENTS)
    )


def backend_dirs(env: Env) -> list[Path]:
    """The folders that may be the backend: those of its env files, then <root>/backend."""
    dirs: list[Path] = []
    for item in env.files:
        if item.role in ("backend", "env-file") and item.path.parent not in dirs:
            dirs.append(item.path.parent)
    if env.root is not None and (env.root / "backend") not in dirs:
        dirs.append(env.root / "backend")
    return [d for d in dirs if (d / "package.json").is_file()]


def _json(path: Path) -> Object | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return obj(data)


def _in(folder: Path, root: Path | None) -> BackendVersion | None:
    for package in PACKAGES:
        path = folder / "node_modules" / package / "package.json"
        version = text_of(dig(_json(path), "version"))
        if version is not None:
            text = version[:40]
            return BackendVersion(parse(text), text, _show(path, root), exact=True)
    lock = _json(folder / "package-lock.json")
    for package in PACKAGES:
        version = text_of(dig(lock, "packages", f"node_modules/{package}", "version"))
        if version is not None:
            text = version[:40]
            where = _show(folder / "package-lock.json", root)
            return BackendVersion(parse(text), text, where, exact=True)
    manifest = _json(folder / "package.json")
    for section in ("dependencies", "devDependencies"):
        for package in PACKAGES:
            wanted = text_of(dig(manifest, section, package))
            if wanted is not None:
                text = wanted[:40]
                where = f"{_show(folder / 'package.json', root)} ({package})"
                return BackendVersion(parse(text), text, where, exact=False)
    return None


def _show(path: Path, root: Path | None) -> str:
    """A file as the project's other findings show it: relative to the project's root."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except (ValueError, OSError, RuntimeError):
            pass
    return str(path)


def detect(env: Env) -> BackendVersion | None:
    """The backend's Medusa version from the project's files, or None when none says it."""
    for folder in backend_dirs(env):
        found = _in(folder, env.root)
        if found is not None:
            return found
    return None


def lint(env: Env) -> Iterator[Finding]:
    """A backend outside the tested releases: a warning naming what storectl knows."""
    found = detect(env)
    if found is None:
        return
    if found.version is None:
        yield finding(
            NAME,
            "version-unknown",
            Severity.INFO,
            f"the backend's Medusa version is {found.shown!r}: storectl cannot tell which "
            f"release runs (it is tested against {TESTED_RANGE})",
            hint="pin @medusajs/medusa in backend/package.json, or install the backend",
            source=found.source,
        )
    elif not tested(found.version):
        older = found.version < TESTED_FROM
        yield finding(
            NAME,
            "version-untested",
            Severity.WARNING,
            f"the backend's Medusa is {found.shown}; storectl is tested against {TESTED_RANGE}"
            + (" (Medusa v1 is not supported at all)" if found.version[0] < 2 else ""),
            hint="upgrade the backend to a tested release"
            if older
            else "check storectl's results by hand, or use a storectl release that knows it",
            source=found.source,
        )
