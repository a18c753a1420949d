"""The Stripe client: the only user of stripe-python. Its errors become NetworkError here, and
every call goes through the one retry policy (net/retry.py) under the command's deadline."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast

from storectl import redact
from storectl.env import Env
from storectl.errors import ConfigError, NetworkError
from storectl.model import Stage
from storectl.net import deadline as budget
from storectl.net import limits, retry
from storectl.net.deadline import Deadline
from storectl.providers.probe import network_stage
from storectl.providers.shape import JSON, Object
from storectl.providers.values import is_loopback, split_url, stripe_mode

if TYPE_CHECKING:
    import stripe

    from storectl.net.limits import LimitExceeded

T = TypeVar("T")

#: What storectl sends Stripe: its own values and lists of names (event types).
Params: TypeAlias = "Mapping[str, JSON | Sequence[str]]"


DEFAULT_API_BASE = "https://api.stripe.com"

#: Events Medusa 2.21's Stripe provider maps (getWebhookActionAndData): the webhook endpoint's
#: enabled_events, and the events `payments`/`deliveries` look at.
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


def live_key_in_clear(env: Env) -> str | None:
    """Why the live key must not go to STRIPE_API_BASE (it is not https:// and not loopback),
    or None. A committed env file could point the base at a host that reads a key CI injects
    (issue 20 F); loopback stays open for a local stripe-mock."""
    if stripe_mode(env.value("STRIPE_API_KEY")) != "live":
        return None
    base = env.value("STRIPE_API_BASE") or DEFAULT_API_BASE
    parts = split_url(base)
    if parts is not None and (parts.scheme == "https" or is_loopback(parts.hostname)):
        return None
    shown = f"{parts.scheme}://{parts.hostname}" if parts and parts.hostname else "a URL"
    return (
        f"STRIPE_API_KEY is a live key and STRIPE_API_BASE ({shown}) is not https://: "
        "storectl never sends a live key in clear"
    )


def refuse_live_key_in_clear(env: Env) -> None:
    """Raise before any connection when the live key would travel in clear."""
    reason = live_key_in_clear(env)
    if reason is not None:
        raise NetworkError(Stage.CONFIG, reason, LIVE_KEY_IN_CLEAR_HINT)


LIVE_KEY_IN_CLEAR_HINT = (
    "point STRIPE_API_BASE at https://api.stripe.com (or remove it); a plain-http mock "
    "must run on loopback (127.0.0.1, localhost)"
)


def client(env: Env, timeout: float, deadline: Deadline | None = None) -> stripe.StripeClient:
    """A StripeClient for the store's key: bounded retries, a timeout, STRIPE_API_BASE honoured,
    and its HTTP on the bounded transport (every read by the deadline, bodies capped). Never
    for a live key over plain http to a host that is not loopback."""
    import stripe

    from storectl.net import sdk

    refuse_live_key_in_clear(env)

    return stripe.StripeClient(
        env.value("STRIPE_API_KEY"),
        base_addresses={"api": env.value("STRIPE_API_BASE") or DEFAULT_API_BASE},
        # Retries are storectl's own (call()), bounded by the command's deadline: the SDK's
        # would wait out its timeout once per attempt and sleep in between.
        max_network_retries=0,
        http_client=sdk.stripe_http_client(deadline or budget.for_command(timeout), timeout),
    )


def classify(exc: Exception) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for a stripe-python error (or a limit Stripe's answer broke)."""
    import stripe

    if isinstance(exc, limits.LimitExceeded):
        return _limit(exc)
    message = clean_text(getattr(exc, "user_message", None) or str(exc))
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


def _limit(exc: LimitExceeded) -> tuple[Stage, str, str]:
    """A deadline or a size cap that Stripe's answer broke."""
    if exc.stage == limits.TIMEOUT:
        return (
            Stage.TIMEOUT,
            f"Stripe did not answer in time: {exc.message}",
            "check STRIPE_API_BASE and outbound HTTPS, or raise --timeout",
        )
    return (
        Stage.PROTOCOL,
        f"Stripe's answer broke a limit: {exc.message}",
        "is STRIPE_API_BASE Stripe's API (https://api.stripe.com)?",
    )


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


def advice(exc: Exception) -> retry.Again | None:
    """Stripe's own word first (`Stripe-Should-Retry`), then what is worth another try; wait
    as long as `Retry-After` says when Stripe sends it."""
    headers = getattr(exc, "headers", None)
    should = retry.header(headers, "Stripe-Should-Retry")
    if should == "false" or (should != "true" and not retryable(exc)):
        return None
    return retry.Again(retry.retry_after(headers))


def call(fn: Callable[[], T], deadline: Deadline) -> T:
    """Call the SDK through the one retry policy, within the command's deadline.

    POSTs carry an idempotency key (see Api.create), so a retried create cannot create twice.
    """
    return retry.call(fn, deadline, on_error=advice)


def clean_text(text: str) -> str:
    """Stripe's message, as peer text: control characters out, secrets scrubbed."""
    return redact.clean_peer_text(text)


def plain(found: stripe.StripeObject) -> Object:
    """A stripe-python object as the JSON Stripe sent (`to_dict()`, nested objects too): where
    an SDK object becomes a typed value."""
    data: Object = found.to_dict()
    return data


def list_endpoints(stripe_client: stripe.StripeClient, deadline: Deadline) -> list[Object]:
    """Every webhook endpoint on the account (all pages, at most limits.MAX_PAGES), as plain
    dicts; a list that always has more, or points back to a page already read, raises
    LimitExceeded (PROTOCOL) naming the loop."""

    def fetch(after: str | None) -> tuple[list[Object], str | None]:
        params: stripe.params.WebhookEndpointListParams = {"limit": 100}
        if after:
            params["starting_after"] = after
        page = call(lambda: stripe_client.v1.webhook_endpoints.list(params), deadline)
        data = page.data
        if not isinstance(data, list):
            raise limits.LimitExceeded(
                limits.PROTOCOL, "shape", "the webhook endpoint list's `data` is not a list"
            )
        items = [plain(endpoint) for endpoint in data]
        return items, (str(data[-1].id) if page.has_more and data else None)

    return limits.pages(fetch, what="Stripe's webhook endpoint list (has_more)", deadline=deadline)


class Api:
    """The webhook-endpoint calls storectl makes, with stripe-python's errors turned into
    NetworkError at this boundary."""

    def __init__(self, env: Env, timeout: float) -> None:
        if not env.is_set("STRIPE_API_KEY"):
            raise ConfigError(
                "STRIPE_API_KEY is not set",
                hint="set it in the backend env file, or pass --env-file",
            )
        # The command's one deadline, shared with its other clients (the backend's).
        self.deadline = budget.for_command(timeout)
        self.client = client(env, timeout, self.deadline)
        self.live = stripe_mode(env.value("STRIPE_API_KEY")) == "live"

    def _do(self, fn: Callable[[], T]) -> T:
        try:
            return call(fn, self.deadline)
        except Exception as exc:  # noqa: BLE001 - every SDK error is classified here
            stage, summary, hint = classify(exc)
            raise NetworkError(stage, summary, hint) from None

    def endpoints(self) -> list[Object]:
        return self._do(lambda: list_endpoints(self.client, self.deadline))

    def create(self, url: str, events: list[str]) -> Object:
        """Create an endpoint; the answer is the only one that carries its `secret`."""
        import uuid

        sent: Object = {
            "url": url,
            "enabled_events": [*events],
            "description": "Medusa payment webhooks (storectl)",
            "metadata": {"managed_by": "storectl"},
        }
        # Stripe's type names each event as a Literal; these are Stripe's names, checked by it.
        params = cast("stripe.params.WebhookEndpointCreateParams", sent)
        # One key for every try of this create: Stripe replays the first answer to a retry.
        options: stripe.RequestOptions = {"idempotency_key": f"storectl-{uuid.uuid4()}"}
        created = self._do(lambda: self.client.v1.webhook_endpoints.create(params, options))
        return plain(created)

    def update(
        self,
        endpoint_id: str,
        *,
        events: Sequence[str] = (),
        enable: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> Object:
        """Set an endpoint's events (the whole list), enable it, or merge its metadata."""
        sent: Object = {}
        if events:
            sent["enabled_events"] = [*events]
        if enable:
            sent["disabled"] = False
        if metadata is not None:
            sent["metadata"] = {**metadata}
        params = cast("stripe.params.WebhookEndpointUpdateParams", sent)  # as in create()
        updated = self._do(lambda: self.client.v1.webhook_endpoints.update(endpoint_id, params))
        return plain(updated)

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
