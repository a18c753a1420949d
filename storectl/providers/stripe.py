"""Stripe payments: active when STRIPE_API_KEY is set (Medusa's payment-stripe provider)."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.providers._checks import stripe_mode
from storectl.providers.base import EnvVar, Finding, Provider, Severity, finding

NAME = "stripe"
#: The store document's webhook path; a stock Medusa 2.x serves /hooks/payment/stripe_stripe.
DEFAULT_WEBHOOK_PATH = "/store/webhooks/payment/stripe"
DEFAULT_API_BASE = "https://api.stripe.com"

ENV_VARS = (
    EnvVar("STRIPE_API_KEY", "secret or restricted API key (sk_/rk_)", required=True, secret=True),
    EnvVar("STRIPE_WEBHOOK_SECRET", "signing secret of the webhook endpoint (whsec_)", secret=True),
    EnvVar(
        "NEXT_PUBLIC_STRIPE_KEY",
        "publishable key the storefront uses (pk_)",
        storefront=True,
    ),
    EnvVar("STRIPE_WEBHOOK_URL", "full webhook URL, overriding backend URL + path"),
    EnvVar(
        "STRIPE_WEBHOOK_PATH",
        "webhook path on the backend",
        default=DEFAULT_WEBHOOK_PATH,
    ),
    EnvVar(
        "STRIPE_API_BASE", "Stripe API base URL (stripe-mock, proxies)", default=DEFAULT_API_BASE
    ),
)


def lint(env: Env) -> Iterator[Finding]:
    key = env.value("STRIPE_API_KEY")
    publishable = env.value("NEXT_PUBLIC_STRIPE_KEY")
    secret = env.value("STRIPE_WEBHOOK_SECRET")
    if not key:
        return
    src = env.source
    if key.startswith("pk_"):
        yield finding(
            NAME,
            "key-prefix",
            Severity.ERROR,
            "STRIPE_API_KEY holds a publishable key (pk_); the backend needs a secret key",
            hint="put the sk_ or rk_ key from Stripe's dashboard in STRIPE_API_KEY, "
            "and the pk_ key in NEXT_PUBLIC_STRIPE_KEY in storefront/.env.local",
            source=src("STRIPE_API_KEY"),
        )
    elif not key.startswith(("sk_", "rk_")):
        yield finding(
            NAME,
            "key-prefix",
            Severity.ERROR,
            "STRIPE_API_KEY is not a Stripe secret key (sk_...) or restricted key (rk_...)",
            hint="copy the key from Stripe's dashboard: Developers > API keys",
            source=src("STRIPE_API_KEY"),
        )
    mode = stripe_mode(key)
    public_mode = stripe_mode(publishable)
    if mode and public_mode and mode != public_mode:
        yield finding(
            NAME,
            "live-test-mix",
            Severity.ERROR,
            f"STRIPE_API_KEY is a {mode} key but NEXT_PUBLIC_STRIPE_KEY is a {public_mode} key: "
            "payments created by the storefront will not exist for the backend",
            hint="use keys of one mode: both sk_live_/pk_live_ or both sk_test_/pk_test_",
            source=src("NEXT_PUBLIC_STRIPE_KEY"),
        )
    if not secret:
        yield finding(
            NAME,
            "webhook-secret-missing",
            Severity.WARNING,
            "STRIPE_WEBHOOK_SECRET is not set: Medusa cannot verify Stripe webhooks, "
            "so payments are never marked captured",
            hint="run 'storectl webhooks register', or copy the endpoint's signing secret",
        )
    elif not secret.startswith("whsec_"):
        yield finding(
            NAME,
            "webhook-secret-format",
            Severity.ERROR,
            "STRIPE_WEBHOOK_SECRET does not start with whsec_",
            hint="copy the signing secret of the webhook endpoint, not an API key",
            source=src("STRIPE_WEBHOOK_SECRET"),
        )
    if not publishable:
        yield finding(
            NAME,
            "publishable-key-missing",
            Severity.WARNING,
            "NEXT_PUBLIC_STRIPE_KEY is not set: the storefront cannot show Stripe's payment form",
            hint="add NEXT_PUBLIC_STRIPE_KEY=pk_... to storefront/.env.local",
        )
    elif not publishable.startswith("pk_") and not publishable.startswith(("sk_", "rk_")):
        # A secret key here is reported by env.next-public-secret.
        yield finding(
            NAME,
            "publishable-key-format",
            Severity.ERROR,
            "NEXT_PUBLIC_STRIPE_KEY does not start with pk_",
            hint="use the publishable key (pk_live_/pk_test_) from Stripe's dashboard",
            source=src("NEXT_PUBLIC_STRIPE_KEY"),
        )


PROVIDER = Provider(
    name=NAME,
    title="Stripe payments",
    activation="STRIPE_API_KEY",
    env_vars=ENV_VARS,
    modules=("@medusajs/medusa/payment-stripe",),
    fallback="no Stripe: only the system payment provider (manual payments)",
    lint=lint,
)
