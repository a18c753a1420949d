"""The Next.js storefront: its publishable key, the backend URL it calls, its own origin.

A provider in three modules: `lint` (its variables and the offline rules, over the storefront's
env files and the backend's CORS), `probe` (the store API as the storefront calls it, and with
admin credentials the key's sales channel, stock location and shipping), `client` (the store
API client). This face declares the provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storectl.providers.base import Endpoint, ProbeCheck, ProbeOptions, Provider
from storectl.providers.storefront.lint import ENV_VARS, KEY, NAME, PUBLIC_URL, lint

if TYPE_CHECKING:
    from storectl.env import Env
    from storectl.model import Check


def _probe(env: Env, options: ProbeOptions) -> list[Check]:
    """The live probe (`probe.py`), loaded on first use: offline commands (`status`, `--help`)
    never import the store API client and its bounded transport."""
    from storectl.providers.storefront.probe import probe

    return probe(env, options)


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("backend-url", "the storefront's env names the backend it talks to"),
    ProbeCheck("health", "that backend answers GET /health"),
    ProbeCheck("same-backend", "the storefront and the backend's own env name one backend"),
    ProbeCheck("publishable-key", "the publishable API key is accepted by the store API"),
    ProbeCheck(
        "cors-store",
        "STORE_CORS lets the storefront's origin call the store API",
        sends="an OPTIONS preflight",
    ),
    ProbeCheck(
        "cors-auth-customer",
        "AUTH_CORS lets the storefront's origin log customers in",
        sends="an OPTIONS preflight",
    ),
    ProbeCheck("product-images", "product image URLs load"),
    ProbeCheck("key-sales-channel", "the key has a sales channel"),
    ProbeCheck("stock-location", "every sales channel of the key has a stock location"),
    ProbeCheck("shipping-options", "each region has a shipping option for the key's channel"),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="Storefront",
    activation=KEY,
    env_vars=ENV_VARS,
    modules=(),
    fallback="no storefront checks (set NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY in the storefront)",
    lint=lint,
    probe=_probe,
    endpoint=Endpoint(PUBLIC_URL),
    companions_need_activation=False,
)
