"""The registry: every provider storectl knows, in display order (a new one is one line here),
and the joint checks that need two of them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from storectl.env import Env
from storectl.errors import UsageError
from storectl.model import Check
from storectl.net.deadline import Deadline
from storectl.providers import medusa, redis, s3, smtp, storefront, stripe
from storectl.providers.base import Joint, ProbeCheck, ProbeOptions, Provider

PROVIDERS: tuple[Provider, ...] = (
    stripe.PROVIDER,
    s3.PROVIDER,
    smtp.PROVIDER,
    redis.PROVIDER,
    medusa.PROVIDER,
    storefront.PROVIDER,
)


def _payments(env: Env, options: ProbeOptions, deadline: Deadline) -> list[Check]:
    """Stripe against Medusa (providers/sync.py), loaded on first use (start-up)."""
    from storectl.providers import sync

    return sync.doctor_checks(env, options, deadline)


#: Checks that need two providers: each runs when all it needs are selected.
JOINTS: tuple[Joint, ...] = (
    Joint(
        name="payments",
        lead=stripe.NAME,
        needs=(stripe.NAME, medusa.NAME),
        after="webhook-secret",  # the Stripe probe got that far: its key works
        probe=_payments,
        checks=(
            ProbeCheck(
                "payments-sync",
                "every PaymentIntent that succeeded since --since has its captured payment in "
                "Medusa (Stripe's intents against GET /admin/payments)",
            ),
            ProbeCheck("deliveries", "Stripe delivered the payment events of the --since window"),
        ),
    ),
)


def joints(providers: Iterable[Provider]) -> tuple[Joint, ...]:
    """The joint checks every provider of which is among `providers`."""
    names = {p.name for p in providers}
    return tuple(j for j in JOINTS if names.issuperset(j.needs))


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
