"""The registry: every provider storectl knows, in display order; a new one is one line here.
(The checks that need two providers are `joints.py`.)"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from storectl.errors import UsageError
from storectl.providers import catalog, medusa, redis, s3, smtp, storefront, stripe, workers
from storectl.providers.base import Provider

PROVIDERS: tuple[Provider, ...] = (
    stripe.PROVIDER,
    s3.PROVIDER,
    smtp.PROVIDER,
    redis.PROVIDER,
    medusa.PROVIDER,
    storefront.PROVIDER,
    catalog.PROVIDER,
    workers.PROVIDER,
)


def secret_names() -> frozenset[str]:
    """Every env var a provider declares secret: the redactor masks these wherever they appear."""
    return frozenset(name for p in PROVIDERS for name in p.secret_names)


def credential_pairs() -> tuple[tuple[str, str | None], ...]:
    """Every (user, password) pair of variables a provider sends together: the redactor masks
    the payloads built from them (HTTP Basic, AUTH PLAIN)."""
    return tuple(pair for p in PROVIDERS for pair in p.credential_pairs)


def variable_names() -> frozenset[str]:
    """Every env var some provider reads: one of them set means there is a configuration."""
    return frozenset(v.name for p in PROVIDERS for v in p.env_vars) | {
        p.activation for p in PROVIDERS
    }


def provider_names(items: Iterable[str], option: str) -> list[str]:
    """Provider names from comma-separated option values; an unknown one is a usage error that
    suggests the nearest (`strpe` -> `stripe`)."""
    known = [p.name for p in PROVIDERS]
    names: list[str] = []
    for item in items:
        for raw in item.split(","):
            name = raw.strip().lower()
            if not name:
                continue
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                guess = f" — did you mean {close[0]!r}?" if close else ""
                raise UsageError(
                    f"unknown provider {name!r}{guess}",
                    hint=f"{option} takes a comma-separated list of: {', '.join(known)}",
                )
            if name not in names:
                names.append(name)
    return names
