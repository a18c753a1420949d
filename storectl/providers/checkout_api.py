"""The store checkout as a storefront runs it, and the admin and Stripe calls that check it.

`storectl smoke` speaks through this module only: the store API with the publishable key
(storefront.client.Store), the admin API (medusa_api.Admin) and the PaymentIntent calls Stripe
documents for tests (stripe_api's client). Each request is timed (`Meter`), so smoke can say how
much of its run was the store's own time; each refusal becomes a `Refused` naming the request
and what the store answered, never an SDK or httpx error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net.deadline import Deadline
from storectl.providers import stripe_api
from storectl.providers.medusa_api import Admin, Query, body_message, parse
from storectl.providers.shape import JSON, Object, obj, objects
from storectl.providers.storefront.client import Store

if TYPE_CHECKING:
    import httpx
    import stripe

T = TypeVar("T")

#: Stripe's documented test payment method: a Visa that always succeeds (test mode only).
TEST_CARD = "pm_card_visa"


@dataclass
class Meter:
    """The time spent waiting on the store and Stripe: each request's round trip, summed."""

    requests: int = 0
    seconds: float = 0.0
    log: list[tuple[str, float]] = field(default_factory=list)

    def timed(self, what: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            spent = time.perf_counter() - start
            self.requests += 1
            self.seconds += spent
            self.log.append((what, spent))


class Refused(NetworkError):
    """The store (or Stripe) answered, and said no: the request, the status and its message."""

    def __init__(self, request: str, status: int, message: str | None, code: str | None) -> None:
        self.request = request
        self.status = status
        self.answer = message or ""
        self.code = code or ""
        said = f": {message}" if message else ""
        super().__init__(Stage.PROTOCOL, f"{request} answered {status}{said}", None)


def _code(response: httpx.Response) -> str | None:
    data = obj(parse(response))
    if data is not None:
        value = data.get("code") or data.get("type")
        return str(value) if value else None
    return None


class StoreCalls:
    """The store API calls of a guest checkout, with the storefront's publishable key."""

    def __init__(self, base: str, key: str, deadline: Deadline, var: str, meter: Meter) -> None:
        self.store = Store(base, key, deadline, var)
        self.meter = meter

    def close(self) -> None:
        self.store.http.close()

    def call(
        self, method: str, path: str, body: JSON = None, params: Query | None = None
    ) -> Object:
        """One store request that must answer 200 with a JSON object (else `Refused`)."""
        kwargs: dict[str, object] = {"headers": {"x-publishable-api-key": self.store.key}}
        if params:
            kwargs["params"] = params
        if method == "POST":
            kwargs["json"] = body if body is not None else {}
        label = f"{method} {path}"
        response = self.meter.timed(label, lambda: self.store.send(method, path, **kwargs))
        return _object(response, label)


def _object(response: httpx.Response, label: str) -> Object:
    if response.status_code != 200:
        raise Refused(label, response.status_code, body_message(response), _code(response))
    data = obj(parse(response))
    if data is None:
        raise Refused(label, 200, "not a JSON object (a proxy page?)", "shape")
    return data


class AdminCalls:
    """The admin calls that check what the checkout left, and cancel it."""

    def __init__(self, env: Env, deadline: Deadline, meter: Meter) -> None:
        self.admin = Admin(env, deadline.seconds, deadline)
        self.meter = meter
        self.auth: str | None = None

    def close(self) -> None:
        self.admin.http.close()

    def login(self) -> str | None:
        self.auth = self.meter.timed("admin login", self.admin.login)
        return self.auth

    def call(self, method: str, path: str, params: Query | None = None) -> Object:
        label = f"{method} {path}"
        kwargs: dict[str, object] = {"params": params} if params else {}
        if method == "POST":
            kwargs["json"] = None
        response = self.meter.timed(label, lambda: self.admin.send(method, path, **kwargs))
        if response.status_code == 401:
            return self.admin.answer(response, method, path)  # the admin's own AUTH error
        return _object(response, label)


class StripeCalls:
    """The PaymentIntent calls Stripe documents for tests: confirm with a test card, read,
    cancel, refund. Test mode only: the caller refuses a live key before it gets here."""

    def __init__(self, env: Env, deadline: Deadline, meter: Meter) -> None:
        self.deadline = deadline
        self.client = stripe_api.client(env, deadline.seconds, deadline)
        self.meter = meter

    def _do(self, label: str, fn: Callable[[], stripe.StripeObject]) -> Object:
        try:
            found = self.meter.timed(label, lambda: stripe_api.call(fn, self.deadline))
        except Exception as exc:  # noqa: BLE001 - every SDK error is classified here
            status = getattr(exc, "http_status", None)
            if isinstance(status, int) and 400 <= status < 500 and status not in (401, 403):
                message = stripe_api.clean_text(getattr(exc, "user_message", None) or str(exc))
                raise Refused(label, status, message, stripe_api.error_code(exc)) from None
            stage, summary, hint = stripe_api.classify(exc)
            raise NetworkError(stage, summary, hint) from None
        return stripe_api.plain(found)

    def confirm(self, intent: str, return_url: str) -> Object:
        """Confirm server-side with Stripe's test card; `return_url` for intents that allow
        redirecting payment methods (Stripe asks for one then, even for a card)."""
        params: stripe.params.PaymentIntentConfirmParams = {
            "payment_method": TEST_CARD,
            "return_url": return_url,
        }
        return self._do(
            f"POST /v1/payment_intents/{intent}/confirm",
            lambda: self.client.v1.payment_intents.confirm(intent, params),
        )

    def intent(self, intent: str) -> Object:
        return self._do(
            f"GET /v1/payment_intents/{intent}",
            lambda: self.client.v1.payment_intents.retrieve(intent),
        )

    def cancel(self, intent: str) -> Object:
        return self._do(
            f"POST /v1/payment_intents/{intent}/cancel",
            lambda: self.client.v1.payment_intents.cancel(intent),
        )

    def refund(self, intent: str) -> Object:
        return self._do(
            "POST /v1/refunds",
            lambda: self.client.v1.refunds.create(
                {"payment_intent": intent, "metadata": {"storectl_smoke": "cleanup"}}
            ),
        )

    def events(self, intent_created: int) -> list[Object]:
        """The payment_intent events since the intent was made (newest first, one page)."""
        params: stripe.params.EventListParams = {"created": {"gte": intent_created}, "limit": 100}
        page = self._do("GET /v1/events", lambda: self.client.v1.events.list(params))
        return objects(page.get("data"))
