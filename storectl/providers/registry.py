"""The registry: every provider storectl knows, in display order; a new one is one line here."""

from __future__ import annotations

from storectl.providers import medusa, redis, s3, smtp, storefront, stripe
from storectl.providers.base import Provider

PROVIDERS: tuple[Provider, ...] = (
    stripe.PROVIDER,
    s3.PROVIDER,
    smtp.PROVIDER,
    redis.PROVIDER,
    medusa.PROVIDER,
    storefront.PROVIDER,
)


def secret_names() -> frozenset[str]:
    """Every env var a provider declares secret: the redactor masks these wherever they appear."""
    return frozenset(name for p in PROVIDERS for name in p.secret_names)
