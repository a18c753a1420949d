"""Stripe payments: active when STRIPE_API_KEY is set (Medusa's payment-stripe provider)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from storectl.env import Env
from storectl.errors import ConfigError, NetworkError
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.providers.base import EnvVar, ProbeOptions, Provider
from storectl.providers.probe import Deadline, Steps, network_stage
from storectl.providers.values import stripe_mode

T = TypeVar("T")
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


# --- webhook URL and live probe ---------------------------------------------------------------

#: Events Medusa 2.21's Stripe provider maps (getWebhookActionAndData).
MEDUSA_EVENTS = (
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "payment_intent.partially_funded",
    "payment_intent.succeeded",
)
#: The two that change Medusa's state: without them payments are never marked authorized/captured.
STATE_EVENTS = ("payment_intent.amount_capturable_updated", "payment_intent.succeeded")
#: Where a stock Medusa 2.x serves Stripe webhooks for a provider registered with id "stripe".
MEDUSA_HOOK_PATH = "/hooks/payment/stripe_stripe"


def webhook_url(env: Env) -> tuple[str | None, str]:
    """The webhook URL Stripe should call, and where it came from."""
    if env.is_set("STRIPE_WEBHOOK_URL"):
        return env.value(
            "STRIPE_WEBHOOK_URL"
        ), f"STRIPE_WEBHOOK_URL ({env.source('STRIPE_WEBHOOK_URL')})"
    path = env.value("STRIPE_WEBHOOK_PATH") or DEFAULT_WEBHOOK_PATH
    path_from = (
        f"STRIPE_WEBHOOK_PATH ({env.source('STRIPE_WEBHOOK_PATH')})"
        if env.is_set("STRIPE_WEBHOOK_PATH")
        else "the store document's default path"
    )
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return None, "neither STRIPE_WEBHOOK_URL nor MEDUSA_BACKEND_URL is set"
    base = env.value("MEDUSA_BACKEND_URL").rstrip("/")
    return (
        f"{base}/{path.lstrip('/')}",
        f"MEDUSA_BACKEND_URL ({env.source('MEDUSA_BACKEND_URL')}) + {path_from}",
    )


def same_url(a: str, b: str) -> bool:
    """URLs equal up to a trailing slash and the case of scheme and host."""
    from urllib.parse import urlsplit

    def norm(url: str) -> tuple[str, str, str, str]:
        parts = urlsplit(url.strip())
        return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query)

    return norm(a) == norm(b)


def client(env: Env, timeout: float) -> Any:
    """A StripeClient for the store's key: bounded retries, a timeout, STRIPE_API_BASE honoured."""
    import stripe

    return stripe.StripeClient(
        env.value("STRIPE_API_KEY"),
        base_addresses={"api": env.value("STRIPE_API_BASE") or DEFAULT_API_BASE},
        # Retries are storectl's own (call()), bounded by the command's deadline: the SDK's
        # would wait out its timeout once per attempt and sleep in between.
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def classify(exc: Exception) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for a stripe-python error."""
    import stripe

    message = getattr(exc, "user_message", None) or str(exc)
    if isinstance(exc, stripe.AuthenticationError):
        if error_code(exc) == "api_key_expired":
            return (
                Stage.AUTH,
                f"Stripe says the key has expired: {message}",
                "roll a new key in Stripe's dashboard (Developers > API keys) and update "
                "STRIPE_API_KEY",
            )
        return (
            Stage.AUTH,
            f"Stripe rejected STRIPE_API_KEY: {message}",
            "copy the secret key from Stripe's dashboard (Developers > API keys)",
        )
    if isinstance(exc, stripe.PermissionError):
        return (
            Stage.PERMISSION,
            f"the restricted key lacks a permission: {message}",
            "add that permission to the restricted key in Stripe's dashboard",
        )
    if isinstance(exc, stripe.RateLimitError):
        return Stage.PROTOCOL, f"Stripe kept answering 429: {message}", "try again in a minute"
    if isinstance(exc, stripe.APIConnectionError):
        net = network_stage(exc)
        stage, reason = net if net else (Stage.CONNECT, message)
        base = "STRIPE_API_BASE" if "api.stripe.com" not in message else "the network"
        return stage, f"cannot reach Stripe: {reason}", f"check {base} and outbound HTTPS"
    if isinstance(exc, stripe.InvalidRequestError):
        status = getattr(exc, "http_status", None)
        stage = Stage.NOT_FOUND if status == 404 else Stage.PROTOCOL
        return stage, f"Stripe refused the request: {message}", "see Stripe's error message"
    if isinstance(exc, stripe.StripeError):
        return (
            Stage.PROTOCOL,
            f"Stripe answered with an error: {message}",
            "if Stripe is fine (status.stripe.com), check STRIPE_API_BASE",
        )
    net = network_stage(exc)
    if net:
        return net[0], f"cannot reach Stripe: {net[1]}", "check STRIPE_API_BASE and the network"
    return Stage.PROTOCOL, f"{type(exc).__name__}: {exc}", "check STRIPE_API_BASE"


def error_code(exc: Exception) -> str | None:
    """Stripe's error `code` (stripe-python leaves it unset on some error classes)."""
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = getattr(exc, "json_body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        found = body["error"].get("code")
        return str(found) if found else None
    return None


def retryable(exc: Exception) -> bool:
    """What is worth another try: 409, 429, 5xx, and a refused or reset connection; never a
    timeout (the next try would wait just as long)."""
    import stripe

    if isinstance(exc, stripe.APIConnectionError):
        net = network_stage(exc)
        return net is not None and net[0] is not Stage.TIMEOUT and net[0] is not Stage.DNS
    status = getattr(exc, "http_status", None)
    return isinstance(exc, stripe.StripeError) and (
        status in (409, 429) or (status is not None and status >= 500)
    )


def call(fn: Callable[[], T], deadline: Deadline, attempts: int = 3) -> T:
    """Call the SDK, retrying what is worth it a bounded number of times within the deadline.

    POSTs carry an idempotency key (see Api.create), so a retried create cannot create twice.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            delay = 0.25 * 2**attempt
            if not retryable(exc) or attempt == attempts - 1 or deadline.remaining() <= delay:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def list_endpoints(stripe_client: Any, deadline: Deadline) -> list[dict[str, Any]]:
    """Every webhook endpoint on the account (all pages), as plain dicts."""
    found: list[dict[str, Any]] = []
    after: str | None = None

    def next_page() -> Any:
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        return stripe_client.v1.webhook_endpoints.list(params)

    while True:
        page = call(next_page, deadline)
        found += [endpoint.to_dict() for endpoint in page.data]
        if not page.has_more or not page.data:
            return found
        after = page.data[-1].id


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    steps = Steps(NAME)
    deadline = Deadline(options.timeout)
    stripe_client = client(env, deadline.remaining())
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
            "run 'storectl webhooks register' (it writes the secret), or copy the endpoint's "
            "signing secret from Stripe's dashboard",
        )
    return steps.checks


def _key(stripe_client: Any, steps: Steps, deadline: Deadline) -> dict[str, Any] | None | bool:
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
    data: dict[str, Any] = account.to_dict()
    name = ((data.get("settings") or {}).get("dashboard") or {}).get("display_name")
    label = f"{data.get('id')}" + (f" ({name}, {data.get('country')})" if name else "")
    steps.ok("key", f"authenticated as {label}")
    return data


def _permission(message: str) -> str | None:
    """The permission named in Stripe's 403 message ("Having the 'rak_..._read' permission")."""
    import re

    match = re.search(r"'(rak_[a-z_]+)'", message)
    return match.group(1) if match else None


def _mode(stripe_client: Any, env: Env, steps: Steps, deadline: Deadline) -> bool:
    """GET /v1/balance for livemode; compare with both keys' prefixes. Returns livemode."""
    live = bool(call(stripe_client.v1.balance.retrieve, deadline).to_dict().get("livemode"))
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
    else:
        also = " and NEXT_PUBLIC_STRIPE_KEY agrees" if public_mode else ""
        steps.ok("mode", f"{mode} mode{also}")
    return live


def _webhook(stripe_client: Any, env: Env, steps: Steps, deadline: Deadline) -> None:
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
            "run 'storectl webhooks register'",
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
    endpoint = matches[0]
    enabled = set(endpoint.get("enabled_events") or [])
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


PROVIDER = Provider(
    name=NAME,
    title="Stripe payments",
    activation="STRIPE_API_KEY",
    env_vars=ENV_VARS,
    modules=("@medusajs/medusa/payment-stripe",),
    fallback="no Stripe: only the system payment provider (manual payments)",
    lint=lint,
    probe=probe,
)


# --- webhook endpoint API (for `storectl webhooks`) --------------------------------------------


class Api:
    """The webhook-endpoint calls storectl makes, with stripe-python's errors turned into
    NetworkError at this boundary."""

    def __init__(self, env: Env, timeout: float) -> None:
        if not env.is_set("STRIPE_API_KEY"):
            raise ConfigError(
                "STRIPE_API_KEY is not set",
                hint="set it in the backend env file, or pass --env-file",
            )
        self.deadline = Deadline(timeout)
        self.client = client(env, timeout)
        self.live = stripe_mode(env.value("STRIPE_API_KEY")) == "live"

    def _do(self, fn: Callable[[], T]) -> T:
        try:
            return call(fn, self.deadline)
        except Exception as exc:  # noqa: BLE001 - every SDK error is classified here
            stage, summary, hint = classify(exc)
            raise NetworkError(stage, summary, hint) from None

    def endpoints(self) -> list[dict[str, Any]]:
        return self._do(lambda: list_endpoints(self.client, self.deadline))

    def create(self, url: str, events: list[str]) -> dict[str, Any]:
        """Create an endpoint; the answer is the only one that carries its `secret`."""
        import uuid

        params = {
            "url": url,
            "enabled_events": events,
            "description": "Medusa payment webhooks (storectl)",
            "metadata": {"managed_by": "storectl"},
        }
        # One key for every try of this create: Stripe replays the first answer to a retry.
        options = {"idempotency_key": f"storectl-{uuid.uuid4()}"}
        created = self._do(lambda: self.client.v1.webhook_endpoints.create(params, options))
        data: dict[str, Any] = created.to_dict()
        return data

    def update(self, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
        updated = self._do(lambda: self.client.v1.webhook_endpoints.update(endpoint_id, params))
        data: dict[str, Any] = updated.to_dict()
        return data

    def delete(self, endpoint_id: str) -> None:
        self._do(lambda: self.client.v1.webhook_endpoints.delete(endpoint_id))


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """A `Stripe-Signature` header: v1 = HMAC-SHA256(key = the whole whsec_ string, t.payload)."""
    import hashlib
    import hmac

    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
