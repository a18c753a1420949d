"""The registry: every provider storectl knows, in display order; a new one is one line here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from storectl.errors import UsageError
from storectl.providers import medusa, redis, s3, smtp, stripe
from storectl.providers.base import Provider

PROVIDERS: tuple[Provider, ...] = (
    stripe.PROVIDER,
    s3.PROVIDER,
    smtp.PROVIDER,
    redis.PROVIDER,
    medusa.PROVIDER,
)


def secret_names() -> frozenset[str]:
    """Every env var a provider declares secret: the redactor masks these wherever they appear."""
    return frozenset(name for p in PROVIDERS for name in p.secret_names)


def suggest(name: str, known: Iterable[str]) -> str | None:
    """The nearest known name to a mistyped one (`strpe` → `stripe`), if one is close."""
    import difflib  # lazy: only a mistake pays for it

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def resolve_names(kind: str, given: Iterable[str], known: Sequence[str]) -> list[str]:
    """Split comma lists of names (`--only stripe,redis`) and check each against `known`;
    an unknown one is a usage error that suggests the nearest (shared by --only, --skip,
    --require and check names)."""
    names = [n.strip() for item in given for n in item.split(",") if n.strip()]
    for name in names:
        if name not in known:
            near = suggest(name, known)
            message = f"unknown {kind} '{name}'" + (f" — did you mean '{near}'?" if near else "")
            raise UsageError(message, hint=f"choose from: {', '.join(known)}")
    return names
