"""Misspelt variable names: `SMPT_HOST` on backend/.env:3 is read by nothing, and SMTP_HOST is
unset. Every known variable of every provider is compared by edit distance (issue 21 B), so
status, doctor and mail can say "rename SMPT_HOST (backend/.env:3) to SMTP_HOST" instead of
"set SMTP_HOST"."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from storectl.env import Env
from storectl.model import Finding, Severity
from storectl.providers.registry import PROVIDERS, variable_names

#: At most this many single-character edits (insert, delete, replace, swap two neighbours).
MAX_EDITS = 2
#: Shorter names are too alike by chance (`PORT` and `HOST` are two edits apart).
MIN_LENGTH = 6


def distance(a: str, b: str) -> int:
    """Edits from a to b, a swap of two neighbours counting one (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@functools.cache
def _close(name: str, known: frozenset[str]) -> str | None:
    """The known name `name` most likely meant, if any is within MAX_EDITS (case ignored).
    Names whose lengths differ by more than MAX_EDITS are never compared (status runs this
    for every entry of every env file, and hints ask again)."""
    if len(name) < MIN_LENGTH:
        return None
    upper = name.upper()
    scored = sorted(
        (distance(upper, k), k)
        for k in known
        if len(k) >= MIN_LENGTH and abs(len(k) - len(upper)) <= MAX_EDITS
    )
    if scored and scored[0][0] <= MAX_EDITS:
        return scored[0][1]
    return None


def known_names() -> frozenset[str]:
    return variable_names()


def misspellings(env: Env) -> Iterator[tuple[str, str, str]]:
    """(name as written, `file:line`, the known name it resembles) for each file entry that no
    provider reads while the name it resembles is unset."""
    known = known_names()
    for env_file in env.files:
        for entry in env_file.entries:
            if entry.name in known:
                continue
            meant = _close(entry.name, known)
            if meant is not None and not env.is_set(meant):
                yield entry.name, env_file.source(entry.line), meant


def owner(name: str) -> str | None:
    for provider in PROVIDERS:
        if name == provider.activation or any(v.name == name for v in provider.env_vars):
            return provider.name
    return None


def findings(env: Env) -> Iterator[Finding]:
    """A warning per misspelt name, under the provider that reads the name it resembles."""
    for written, where, meant in misspellings(env):
        provider = owner(meant)
        yield Finding(
            f"{provider or 'env'}.misspelt-var",
            Severity.WARNING,
            f"{written} ({where}) is read by nothing; it resembles {meant}, which is not set",
            hint=f"rename {written} to {meant} in {where}",
            source=where,
            provider=provider or "env",
        )


def missing_hint(env: Env, name: str, fallback: str) -> str:
    """The hint for an unset `name`: rename the misspelling if a file has one, else fallback."""
    for written, where, meant in misspellings(env):
        if meant == name:
            return f"rename {written} to {name} in {where} (it is misspelt)"
    return fallback
