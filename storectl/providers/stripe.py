"""Stripe payments: active when STRIPE_API_KEY is set (Medusa's payment-stripe provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net.deadline import Deadline
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps
from storectl.providers.shape import Object, dig, texts
from storectl.providers.stripe_api import (
    DEFAULT_API_BASE,
    LIVE_KEY_IN_CLEAR_HINT,
    call,
    classify,
    client,
    list_endpoints,
    live_key_in_clear,
    plain,
)

# re-exported: the webhooks room and command read stripe.MEDUSA_EVENTS
from storectl.providers.stripe_api import MEDUSA_EVENTS as MEDUSA_EVENTS
from storectl.providers.values import (
    DEFAULT_WEBHOOK_PATH,
    DOCUMENT_PATH_FIX,
    is_document_path,
    path_fix,
    same_url,
    stripe_mode,
    webhook_url,
)

if TYPE_CHECKING:
    from stripe import StripeClient

NAME = "stripe"

ENV_VARS = (
    EnvVar("STRIPE_API_KEY", "secret or restricted API key (sk_/rk_)", required=True, secret=True),
    EnvVar("STRIPE_WEBHOOK_SECRET", "signing secret of the webhook endpoint (whsec_)", secret=True),
    EnvVar(
        "STRIPE_WEBHOOK_ENDPOINT_ID",
        "the webhook endpoint (we_) whose secret STRIPE_WEBHOOK_SECRET holds; written by "
        "'storectl webhooks register', which never deletes that endpoint",
    ),
    EnvVar("NEXT_PUBLIC_STRIPE_KEY", "publishable key the storefront uses (pk_)"),
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
    if not env.value("STRIPE_API_KEY"):
        return
    yield from _lint_keys(env)
    yield from _lint_key_environment(env)
    yield from _lint_api_base(env)
    yield from _lint_webhook_secret(env)
    yield from _stray_webhook_secret(env)
    yield from _lint_publishable(env)


def _lint_api_base(env: Env) -> Iterator[Finding]:
    """A live key goes to Stripe over https only (loopback mocks excepted): issue 20 F."""
    reason = live_key_in_clear(env)
    if reason is not None:
        yield finding(
            NAME,
            "api-base-plaintext",
            Severity.ERROR,
            reason,
            hint=LIVE_KEY_IN_CLEAR_HINT,
            source=env.source("STRIPE_API_BASE") or env.source("STRIPE_API_KEY"),
        )


def _lint_keys(env: Env) -> Iterator[Finding]:
    """STRIPE_API_KEY is a secret or restricted key, of the same mode as the publishable key."""
    key = env.value("STRIPE_API_KEY")
    publishable = env.value("NEXT_PUBLIC_STRIPE_KEY")
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


#: The key prefixes of each mode a store may hold (secret, restricted, publishable).
_KEY_NAMES = ("STRIPE_API_KEY", "NEXT_PUBLIC_STRIPE_KEY")


def _are(names: list[str], what: str) -> str:
    """`X is a test key` / `X and Y are test keys`."""
    if len(names) == 1:
        return f"{names[0]} is {what}"
    return f"{' and '.join(names)} are {what.removeprefix('a ')}s"


def environment_verdict(env: Env) -> tuple[Severity, str, str] | None:
    """Whether the keys' mode fits the environment: a test key in a run declared production
    fails; in one only NODE_ENV calls production it warns (staging deployments run
    NODE_ENV=production with test keys) and says how to declare it; a live key outside
    production warns. None when the keys fit (or say nothing)."""
    modes = {name: stripe_mode(env.value(name)) for name in _KEY_NAMES}
    test = [name for name, mode in modes.items() if mode == "test"]
    live = [name for name, mode in modes.items() if mode == "live"]
    if test and env.declared_production:
        return (
            Severity.ERROR,
            f"{_are(test, 'a test key')}, but this run is declared production "
            "(--environment production): no real payment can be taken",
            "put the live keys (sk_live_/rk_live_, pk_live_) in production's env file, or "
            "declare the run what it is (--environment staging)",
        )
    if test and env.is_production:
        return (
            Severity.WARNING,
            f"{_are(test, 'a test key')} while NODE_ENV is production (inferred, not "
            "declared: staging deployments often run NODE_ENV=production with test keys)",
            "declare it: --environment production makes a test key a failure, --environment "
            "staging (or environment = ... in storectl.toml) says test keys are meant",
        )
    if live and not env.is_production:
        return (
            Severity.WARNING,
            f"{_are(live, 'a live key')} in environment {env.environment!r}: real "
            "cards are charged outside production",
            "use test keys (sk_test_, pk_test_) outside production, or declare the run "
            "production (--environment production)",
        )
    return None


def _lint_key_environment(env: Env) -> Iterator[Finding]:
    verdict = environment_verdict(env)
    if verdict is not None:
        severity, message, hint = verdict
        yield finding(
            NAME,
            "key-environment",
            severity,
            message,
            hint=hint,
            source=env.source("STRIPE_API_KEY"),
        )


def register_hint(env: Env, hint: str) -> str:
    """`hint` (which runs `webhooks register`), unless the webhook URL is the store document's
    path: register refuses that on a stock backend, so the one fix comes first (issue 21 B)."""
    url, _origin = webhook_url(env)
    return path_fix(env, DOCUMENT_PATH_FIX) or hint if url and is_document_path(url) else hint


def _lint_webhook_secret(env: Env) -> Iterator[Finding]:
    """STRIPE_WEBHOOK_SECRET is set and is a signing secret (whsec_)."""
    secret = env.value("STRIPE_WEBHOOK_SECRET")
    src = env.source
    if not secret:
        yield finding(
            NAME,
            "webhook-secret-missing",
            Severity.WARNING,
            "STRIPE_WEBHOOK_SECRET is not set: Medusa cannot verify Stripe webhooks, "
            "so payments are never marked captured",
            hint=register_hint(
                env, "run 'storectl webhooks register', or copy the endpoint's signing secret"
            ),
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


def _lint_publishable(env: Env) -> Iterator[Finding]:
    """NEXT_PUBLIC_STRIPE_KEY is set and is a publishable key."""
    publishable = env.value("NEXT_PUBLIC_STRIPE_KEY")
    src = env.source
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


def _stray_webhook_secret(env: Env) -> Iterator[Finding]:
    """STRIPE_WEBHOOK_SECRET in a storefront file: the backend, which verifies webhooks, never
    reads it (and a signing secret has no business beside the storefront's public keys)."""
    for env_file in env.files:
        if env_file.role != "storefront":
            continue
        for entry in env_file.entries:
            if entry.name != "STRIPE_WEBHOOK_SECRET":
                continue
            item = env.values.get("STRIPE_WEBHOOK_SECRET")
            only_here = item is not None and item.path == env_file.path
            yield finding(
                NAME,
                "webhook-secret-in-storefront",
                Severity.WARNING,
                "STRIPE_WEBHOOK_SECRET is defined in a storefront file, which the backend never "
                "reads" + (": Medusa has no webhook secret" if only_here else " (a stray copy)"),
                hint="move it to the backend env file ('storectl webhooks register --rotate' "
                "writes a new one there) and delete it from the storefront file",
                source=env_file.source(entry.line),
            )


# --- webhook URL and live probe ---------------------------------------------------------------

#: The two that change Medusa's state: without them payments are never marked authorized/captured.
STATE_EVENTS = ("payment_intent.amount_capturable_updated", "payment_intent.succeeded")


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    steps = Steps(NAME)
    deadline = Deadline(options.timeout)
    refusal = live_key_in_clear(env)
    if refusal is not None:  # before any connection: nothing may carry the key in clear
        steps.fail("key", Stage.CONFIG, refusal, LIVE_KEY_IN_CLEAR_HINT)
        return steps.checks
    stripe_client = client(env, deadline.remaining(), deadline)
    step = "key"
    try:
        account = _key(stripe_client, steps, deadline)
        if account is False:
            return steps.checks
        step = "mode"
        live = _mode(stripe_client, env, steps, deadline)
        if live and isinstance(account, dict) and account.get("charges_enabled") is False:
            steps.warn(
                "charges",
                Stage.CONFIG,
                "charges_enabled is false: this live account cannot take payments yet",
                "finish the account's activation in Stripe's dashboard",
            )
        step = "webhook"
        _webhook(stripe_client, env, steps, deadline)
    except Exception as exc:  # noqa: BLE001 - SDK errors end here, as a result
        stage, summary, hint = classify(exc)
        steps.fail(step, stage, summary, hint)
        return steps.checks
    secret = env.value("STRIPE_WEBHOOK_SECRET")
    if secret.startswith("whsec_"):
        steps.ok(
            "webhook-secret",
            "STRIPE_WEBHOOK_SECRET is set (Stripe shows a secret only once: it cannot be "
            "compared; 'storectl webhooks test' proves the route)",
        )
    else:
        steps.fail(
            "webhook-secret",
            Stage.CONFIG,
            "STRIPE_WEBHOOK_SECRET is " + ("not a whsec_ secret" if secret else "not set"),
            register_hint(
                env,
                "run 'storectl webhooks register' (it writes the secret), or copy the "
                "endpoint's signing secret from Stripe's dashboard",
            ),
        )
    return steps.checks


def _key(stripe_client: StripeClient, steps: Steps, deadline: Deadline) -> Object | None | bool:
    """GET /v1/account. False: the key does not work; None: a restricted key without the right."""
    import stripe

    try:
        account = call(stripe_client.v1.accounts.retrieve_current, deadline)
    except stripe.PermissionError as exc:
        message = getattr(exc, "user_message", None) or str(exc)
        wanted = _permission(message)
        steps.warn(
            "key",
            Stage.PERMISSION,
            "the restricted key works but may not read the account"
            + (f" (needs {wanted})" if wanted else ""),
            "not needed by Medusa; grant it to let storectl check charges_enabled",
        )
        return None
    except stripe.AuthenticationError as exc:
        stage, summary, hint = classify(exc)
        steps.fail("key", stage, summary, hint)
        return False
    data = plain(account)
    name = dig(data, "settings", "dashboard", "display_name")
    label = f"{data.get('id')}" + (f" ({name}, {data.get('country')})" if name else "")
    steps.ok("key", f"authenticated as {label}")
    return data


def _permission(message: str) -> str | None:
    """The permission named in Stripe's 403 message ("Having the 'rak_..._read' permission")."""
    import re

    match = re.search(r"'(rak_[a-z_]+)'", message)
    return match.group(1) if match else None


def _mode(stripe_client: StripeClient, env: Env, steps: Steps, deadline: Deadline) -> bool:
    """GET /v1/balance for livemode; compare with both keys' prefixes. Returns livemode."""
    live = bool(plain(call(stripe_client.v1.balance.retrieve, deadline)).get("livemode"))
    mode = "live" if live else "test"
    key_mode = stripe_mode(env.value("STRIPE_API_KEY"))
    public_mode = stripe_mode(env.value("NEXT_PUBLIC_STRIPE_KEY"))
    if key_mode and key_mode != mode:
        steps.fail(
            "mode",
            Stage.CONFIG,
            f"the key says {key_mode} but Stripe answered in {mode} mode",
            "check STRIPE_API_BASE: it may point at a proxy or mock for another mode",
        )
    elif public_mode and public_mode != mode:
        steps.fail(
            "mode",
            Stage.CONFIG,
            f"Stripe is in {mode} mode but NEXT_PUBLIC_STRIPE_KEY is a {public_mode} key",
            f"use the {mode} publishable key (pk_{mode}_...) in storefront/.env.local",
        )
    elif (verdict := environment_verdict(env)) is not None:
        severity, message, hint = verdict
        status = Status.FAIL if severity is Severity.ERROR else Status.WARN
        steps.add("mode", status, f"{mode} mode: {message}", hint=hint, stage=Stage.CONFIG)
    else:
        also = " and NEXT_PUBLIC_STRIPE_KEY agrees" if public_mode else ""
        steps.ok("mode", f"{mode} mode{also} in environment {env.environment!r}")
    return live


def _webhook(stripe_client: StripeClient, env: Env, steps: Steps, deadline: Deadline) -> None:
    expected, origin = webhook_url(env)
    if expected is None:
        steps.add(
            "webhook",
            Status.SKIP,
            f"cannot tell which webhook URL to look for: {origin}",
            hint="set MEDUSA_BACKEND_URL (or STRIPE_WEBHOOK_URL)",
        )
        return
    endpoints = list_endpoints(stripe_client, deadline)
    matches = [e for e in endpoints if same_url(str(e.get("url", "")), expected)]
    if not matches:
        others = ", ".join(str(e.get("url")) for e in endpoints[:3])
        steps.fail(
            "webhook",
            Stage.NOT_FOUND,
            f"no webhook endpoint for {expected}"
            + (
                f" (the account has: {others}{', …' if len(endpoints) > 3 else ''})"
                if others
                else ""
            ),
            # the document's path: register would refuse it on a stock backend (issue 21 B)
            register_hint(env, "run 'storectl webhooks register'"),
        )
        return
    if len(matches) > 1:
        steps.warn(
            "webhook",
            Stage.CONFIG,
            f"{len(matches)} endpoints for {expected}: Medusa receives every event "
            f"{len(matches)} times, and only one signing secret can be in STRIPE_WEBHOOK_SECRET",
            "run 'storectl webhooks register --prune-duplicates'",
        )
        return
    _judge_endpoint(matches[0], expected, steps)


def _judge_endpoint(endpoint: Object, expected: str, steps: Steps) -> None:
    """The one endpoint for the webhook URL: enabled, with every event Medusa handles."""
    enabled = set(texts(endpoint.get("enabled_events")))
    missing = [] if "*" in enabled else [e for e in MEDUSA_EVENTS if e not in enabled]
    if endpoint.get("status") != "enabled":
        steps.fail(
            "webhook",
            Stage.CONFIG,
            f"endpoint {endpoint.get('id')} for {expected} is disabled: Stripe sends it nothing",
            "run 'storectl webhooks register' to enable it",
        )
    elif any(e in missing for e in STATE_EVENTS):
        steps.fail(
            "webhook",
            Stage.CONFIG,
            f"endpoint {endpoint.get('id')} lacks {', '.join(missing)}: payments are never "
            "marked authorized or captured in Medusa",
            "run 'storectl webhooks register' to add the missing events",
        )
    elif missing:
        steps.warn(
            "webhook",
            Stage.CONFIG,
            f"endpoint {endpoint.get('id')} lacks {', '.join(missing)}",
            "run 'storectl webhooks register' to add the missing events",
        )
    else:
        steps.ok("webhook", f"endpoint {endpoint.get('id')} for {expected} is enabled, all events")


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("key", "the secret key is accepted by Stripe (GET /v1/account)"),
    ProbeCheck(
        "mode",
        "Stripe's livemode matches the key prefixes (STRIPE_API_KEY, NEXT_PUBLIC_STRIPE_KEY); a "
        "test key fails in a run declared production (--environment production, a fleet "
        "store's environment) and warns when only NODE_ENV says production; a live key warns "
        "outside production",
    ),
    ProbeCheck("charges", "the account can take charges (charges_enabled)"),
    ProbeCheck("webhook", "an endpoint for the webhook URL has every event Medusa handles"),
    ProbeCheck("webhook-secret", "STRIPE_WEBHOOK_SECRET is set and looks like a signing secret"),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="Stripe payments",
    activation="STRIPE_API_KEY",
    env_vars=ENV_VARS,
    modules=("@medusajs/medusa/payment-stripe",),
    fallback="no Stripe: only the system payment provider (manual payments)",
    lint=lint,
    probe=probe,
    endpoint=Endpoint("STRIPE_API_BASE"),
)


# --- webhook endpoint API (for `storectl webhooks`) --------------------------------------------
