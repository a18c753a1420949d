"""A local Stripe API double that follows testing/fixtures/stripe-api.md.

Form-encoded requests, JSON answers, Bearer (or Basic) keys, stateful webhook endpoints with
the secret only in the create response, pagination, Stripe's error bodies, and a queue of
injected faults (429, 500, ...) for retry tests. It counts every request.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from testing.procs import http_server

#: Medusa 2.21's list, kept here on purpose: the double is an oracle independent of storectl.
MEDUSA_EVENTS = [
    "payment_intent.created",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "payment_intent.partially_funded",
    "payment_intent.succeeded",
]
#: Event types this double accepts in enabled_events (Stripe knows many more).
KNOWN_EVENTS = {*MEDUSA_EVENTS, "charge.succeeded", "charge.refunded", "customer.created"}
MAX_ENDPOINTS = 16
#: How long Stripe keeps an idempotency key's first answer.
IDEMPOTENCY_TTL = 24 * 3600
#: Serialises requests that carry an Idempotency-Key (Stripe answers a concurrent one with 409).
IDEMPOTENCY_LOCK = threading.Lock()

TEST_KEY = "sk_test_51CNRYstripetestkey0000000001"
LIVE_KEY = "sk_live_51CNRYstripelivekey0000000002"
RESTRICTED_KEY = "rk_test_51CNRYstriperestricted000003"  # may not read /v1/account
EXPIRED_KEY = "sk_test_51CNRYstripeexpiredkey000004"
INACTIVE_LIVE_KEY = "sk_live_51CNRYstripeinactive0000005"  # charges_enabled: false


@dataclass
class Key:
    mode: str
    account: str
    restricted: bool = False
    expired: bool = False
    charges_enabled: bool = True


@dataclass
class StripeState:
    keys: dict[str, Key] = field(default_factory=dict)
    endpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by account+mode
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    faults: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # (path, status)
    #: headers sent with every injected fault (Retry-After, Stripe-Should-Retry)
    fault_headers: dict[str, str] = field(default_factory=dict)
    #: time.monotonic() of each request's arrival, beside `requests`
    arrivals: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: called with (method, path) before each request is answered, for ordering assertions
    observer: Callable[[str, str], None] | None = None
    #: Idempotency-Key answers by (api key, key): (first seen, method, path, params, status, body)
    idempotent: dict[
        tuple[str, str], tuple[float, str, str, dict[str, Any], int, dict[str, Any]]
    ] = field(default_factory=dict)
    #: payment intents and events (newest last; lists answer newest first, as Stripe does)
    intents: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        with self.lock:
            self.observer = None
            self.intents.clear()
            self.events.clear()
            self.endpoints.clear()
            self.requests.clear()
            self.faults.clear()
            self.fault_headers.clear()
            self.arrivals.clear()
            self.idempotent.clear()

    def seed(
        self,
        url: str,
        events: list[str] | None = None,
        status: str = "enabled",
        scope: str = "acct_1CNRYtest:test",
    ) -> str:
        """Put an endpoint on the account, as if made in Stripe's dashboard; returns its id."""
        endpoints = self.endpoints.setdefault(scope, [])
        endpoint_id = f"we_seed{len(endpoints)}"
        endpoints.append(
            {
                "id": endpoint_id,
                "object": "webhook_endpoint",
                "url": url,
                "enabled_events": list(MEDUSA_EVENTS) if events is None else events,
                "status": status,
                "api_version": None,
                "description": None,
                "metadata": {},
                "livemode": scope.endswith(":live"),
                "created": 1700000000 + len(endpoints),
                "application": None,
                "secret": f"whsec_seeded{len(endpoints)}",
            }
        )
        return endpoint_id

    def count(self, method: str, prefix: str = "/v1/") -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(prefix))

    def add_intent(
        self,
        status: str,
        session_id: str | None,
        *,
        created: int | None = None,
        amount: int = 10480,
        currency: str = "eur",
        livemode: bool = False,
    ) -> dict[str, Any]:
        """A PaymentIntent as Medusa's Stripe provider creates it (metadata.session_id)."""
        intent = {
            "id": f"pi_3CNRY{len(self.intents):019d}",
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": amount if status == "requires_capture" else 0,
            "amount_received": amount if status == "succeeded" else 0,
            "capture_method": "automatic",
            "currency": currency,
            "customer": None,
            "created": int(time.time()) - 60 if created is None else created,
            "livemode": livemode,
            "metadata": {"session_id": session_id} if session_id else {},
            "receipt_email": "jane.doe@example.com",
            "status": status,
        }
        self.intents.append(intent)
        return intent

    def add_event(
        self,
        type_: str,
        intent: dict[str, Any],
        *,
        created: int | None = None,
        pending_webhooks: int = 0,
        delivered: bool = True,
    ) -> dict[str, Any]:
        """An event about `intent`; `delivered` False: at least one endpoint has not yet
        acknowledged it (what `delivery_success=false` lists)."""
        event = {
            "id": f"evt_3CNRY{len(self.events):019d}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": intent["created"] if created is None else created,
            "data": {"object": dict(intent)},
            "livemode": intent["livemode"],
            "pending_webhooks": pending_webhooks,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "_delivered": delivered and pending_webhooks == 0,
        }
        self.events.append(event)
        return event


def _error(status: int, type_: str, message: str, **extra: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": type_, "message": message, **extra}}


def _masked(key: str) -> str:
    prefix = key[: key.index("_", 3) + 1] if key.count("_") >= 2 else key[:3]
    return f"{prefix}****{key[-4:]}"


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding: a[0]=x&a[1]=y is a list, m[k]=v a dict, the rest strings."""
    params: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        if "[" in name and name.endswith("]"):
            base, _, inner = name[:-1].partition("[")
            if inner.isdigit() or inner == "":
                params.setdefault(base, []).append(value)
            else:
                params.setdefault(base, {})[inner] = value
        else:
            params[name] = value
    return params


class StripeHandler(BaseHTTPRequestHandler):
    state: StripeState

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _key(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[7:]
        if header.startswith("Basic "):
            return b64decode(header[6:]).decode().split(":")[0]
        return None

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = parse_form(parts.query if method in ("GET", "DELETE") else body)
        state = self.state
        if state.observer is not None:
            state.observer(method, parts.path)
        with state.lock:
            state.requests.append((method, parts.path, params))
            state.arrivals.append(time.monotonic())
            fault = next((f for f in state.faults if parts.path.startswith(f[0])), None)
            if fault is not None:
                state.faults.remove(fault)
        if fault is not None:
            self._send(fault[1], fault[2], dict(state.fault_headers))
            return
        idempotency_key = self.headers.get("Idempotency-Key") if method == "POST" else None
        if idempotency_key:
            self._idempotent(idempotency_key, method, parts.path, params)
            return
        status, answer = self._route(method, parts.path, params)
        self._send(status, answer)

    def _idempotent(self, idempotency_key: str, method: str, path: str, params: Any) -> None:
        """Stripe's replay: a key's first answer is saved for 24 h (unless the request failed
        validation); the same key with the same request gets that answer again, with
        `Idempotent-Replayed: true`; with other parameters, a 400 idempotency_error. A second
        request while the first still runs gets a 409 (the lock serialises them here)."""
        scope = (self._key() or "", idempotency_key)
        with IDEMPOTENCY_LOCK:
            saved = self.state.idempotent.get(scope)
            if saved is not None and time.time() - saved[0] < IDEMPOTENCY_TTL:
                _when, first_method, first_path, first_params, status, answer = saved
                if (first_method, first_path, first_params) != (method, path, params):
                    self._send(
                        *_error(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{idempotency_key}' if you meant to execute a different request.",
                        )
                    )
                    return
                self._send(
                    status,
                    answer,
                    {"Idempotency-Key": idempotency_key, "Idempotent-Replayed": "true"},
                )
                return
            status, answer = self._route(method, path, params)
            if status < 400 or status >= 500:  # validation failures are not saved
                self.state.idempotent[scope] = (time.time(), method, path, params, status, answer)
        self._send(status, answer, {"Idempotency-Key": idempotency_key})

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        token = self._key()
        if not token:
            return _error(401, "invalid_request_error", "You did not provide an API key.")
        key = self.state.keys.get(token)
        if key is None:
            return _error(
                401, "invalid_request_error", f"Invalid API Key provided: {_masked(token)}"
            )
        if key.expired:
            return _error(
                401,
                "invalid_request_error",
                f"Expired API Key provided: {_masked(token)}",
                code="api_key_expired",
            )
        scope = f"{key.account}:{key.mode}"
        if path == "/v1/account" and method == "GET":
            if key.restricted:
                return _error(
                    403,
                    "invalid_request_error",
                    f"The provided key '{_masked(token)}' does not have the required "
                    f"permissions for this endpoint on account '{key.account}'. Having the "
                    "'rak_account_read' permission would allow this request to continue.",
                )
            return 200, {
                "id": key.account,
                "object": "account",
                "charges_enabled": key.charges_enabled,
                "payouts_enabled": key.charges_enabled,
                "details_submitted": True,
                "country": "DE",
                "default_currency": "eur",
                "email": "owner@example.com",
                "settings": {"dashboard": {"display_name": "Acceptance Shop"}},
            }
        if path == "/v1/balance" and method == "GET":
            return 200, {
                "object": "balance",
                "livemode": key.mode == "live",
                "available": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
                "pending": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
            }
        if path == "/v1/webhook_endpoints":
            if method == "GET":
                return self._list(scope, params)
            if method == "POST":
                return self._create(scope, key, params)
        if path.startswith("/v1/webhook_endpoints/"):
            endpoint_id = path.rsplit("/", 1)[1]
            return self._one(scope, key, method, endpoint_id, params)
        if path == "/v1/payment_intents" and method == "GET":
            return self._objects("/v1/payment_intents", self.state.intents, key, params, set())
        if path == "/v1/events" and method == "GET":
            return self._objects(
                "/v1/events",
                self.state.events,
                key,
                params,
                {"types", "type", "delivery_success"},
            )
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _endpoints(self, scope: str) -> list[dict[str, Any]]:
        return self.state.endpoints.setdefault(scope, [])

    def _list(self, scope: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        unknown = set(params) - {"limit", "starting_after", "ending_before"}
        if unknown:
            return _unknown(sorted(unknown)[0])
        limit = params.get("limit", "10")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return _error(
                400,
                "invalid_request_error",
                "Invalid integer: limit must be between 1 and 100",
                code="parameter_invalid_integer",
                param="limit",
            )
        items = sorted(self._endpoints(scope), key=lambda e: e["created"], reverse=True)
        after = params.get("starting_after")
        if after:
            ids = [e["id"] for e in items]
            if after not in ids:
                return _missing(after)
            items = items[ids.index(after) + 1 :]
        page = items[: int(limit)]
        return 200, {
            "object": "list",
            "url": "/v1/webhook_endpoints",
            "has_more": len(items) > len(page),
            "data": [_public(e) for e in page],
        }

    def _objects(
        self,
        url: str,
        objects: list[dict[str, Any]],
        key: Key,
        params: dict[str, Any],
        filters: set[str],
    ) -> tuple[int, dict[str, Any]]:
        """GET /v1/payment_intents and /v1/events: created[gte|gt|lte|lt], limit,
        starting_after; events also types[], type, delivery_success (stripe-mock's spec)."""
        allowed = {"created", "limit", "starting_after", "ending_before", "expand", *filters}
        unknown = set(params) - allowed
        if unknown:
            return _unknown(sorted(unknown)[0])
        limit = params.get("limit", "10")
        if not isinstance(limit, str) or not limit.isdigit() or not 1 <= int(limit) <= 100:
            return _error(
                400,
                "invalid_request_error",
                "Invalid integer: limit must be between 1 and 100",
                code="parameter_invalid_integer",
                param="limit",
            )
        items = [o for o in objects if o["livemode"] == (key.mode == "live")]
        created = params.get("created")
        bounds: dict[str, Any] = (
            created if isinstance(created, dict) else {} if created is None else {"eq": created}
        )
        ops = {
            "gte": lambda a, b: a >= b,
            "gt": lambda a, b: a > b,
            "lte": lambda a, b: a <= b,
            "lt": lambda a, b: a < b,
            "eq": lambda a, b: a == b,
        }
        for op, value in bounds.items():
            if op not in ops or not str(value).isdigit():
                return _error(
                    400,
                    "invalid_request_error",
                    f"Invalid created[{op}]: must be an integer timestamp",
                    code="parameter_invalid_integer",
                    param=f"created[{op}]",
                )
            items = [o for o in items if ops[op](o["created"], int(value))]
        types = params.get("types")
        if types is not None:
            if not isinstance(types, list) or len(types) > 20:
                return _error(
                    400,
                    "invalid_request_error",
                    "Invalid array: types must be an array of at most 20 event types",
                    code="parameter_invalid_array",
                    param="types",
                )
            items = [o for o in items if o["type"] in types]
        if "type" in params:
            items = [o for o in items if o["type"] == params["type"]]
        if "delivery_success" in params:
            flag = params["delivery_success"]
            if flag not in ("true", "false"):
                return _error(
                    400,
                    "invalid_request_error",
                    "Invalid boolean: delivery_success",
                    code="parameter_invalid_boolean",
                    param="delivery_success",
                )
            items = [o for o in items if o["_delivered"] == (flag == "true")]
        # newest first; ties by id, newest last-added first (Stripe's order)
        items = items[::-1]
        items.sort(key=lambda o: o["created"], reverse=True)
        after = params.get("starting_after")
        if after:
            ids = [o["id"] for o in items]
            if after not in ids:
                kind = "payment_intent" if "intents" in url else "event"
                return _error(
                    404,
                    "invalid_request_error",
                    f"No such {kind}: '{after}'",
                    code="resource_missing",
                    param="starting_after",
                )
            items = items[ids.index(after) + 1 :]
        page = items[: int(limit)]
        return 200, {
            "object": "list",
            "url": url,
            "has_more": len(items) > len(page),
            "data": [{k: v for k, v in o.items() if not k.startswith("_")} for o in page],
        }

    def _check_events(self, events: Any) -> tuple[int, dict[str, Any]] | None:
        if not isinstance(events, list) or not events:
            return _error(
                400,
                "invalid_request_error",
                "Missing required param: enabled_events.",
                code="parameter_missing",
                param="enabled_events",
            )
        for index, name in enumerate(events):
            if name != "*" and name not in KNOWN_EVENTS:
                return _error(
                    400,
                    "invalid_request_error",
                    f"Invalid enabled_events[{index}]: must be one of a known event type",
                    code="parameter_invalid_string",
                    param=f"enabled_events[{index}]",
                )
        return None

    def _check_url(self, key: Key, url: Any) -> tuple[int, dict[str, Any]] | None:
        if not isinstance(url, str) or not url:
            return _error(
                400,
                "invalid_request_error",
                "Missing required param: url.",
                code="parameter_missing",
                param="url",
            )
        if key.mode == "live" and not url.startswith("https://"):
            return _error(
                400,
                "invalid_request_error",
                "Invalid URL: URL must be publicly accessible and use HTTPS in live mode.",
                code="url_invalid",
                param="url",
            )
        return None

    def _create(self, scope: str, key: Key, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        allowed = {"url", "enabled_events", "api_version", "description", "metadata", "connect"}
        unknown = set(params) - allowed
        if unknown:
            return _unknown(sorted(unknown)[0])
        problem = self._check_url(key, params.get("url")) or self._check_events(
            params.get("enabled_events")
        )
        if problem:
            return problem
        if len(self._endpoints(scope)) >= MAX_ENDPOINTS:
            return _error(
                400,
                "invalid_request_error",
                f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
            )
        endpoint = {
            "id": f"we_{secrets.token_hex(12)}",
            "object": "webhook_endpoint",
            "url": params["url"],
            "enabled_events": list(params["enabled_events"]),
            "status": "enabled",
            "api_version": params.get("api_version"),
            "description": params.get("description"),
            "metadata": dict(params.get("metadata", {})),
            "livemode": key.mode == "live",
            "created": int(time.time() * 1000) + len(self._endpoints(scope)),
            "application": None,
            "secret": f"whsec_{secrets.token_hex(16)}",
        }
        with self.state.lock:
            self._endpoints(scope).append(endpoint)
        return 200, dict(endpoint)

    def _one(
        self, scope: str, key: Key, method: str, endpoint_id: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        endpoint = next((e for e in self._endpoints(scope) if e["id"] == endpoint_id), None)
        if endpoint is None:
            return _missing(endpoint_id)
        if method == "GET":
            return 200, _public(endpoint)
        if method == "DELETE":
            with self.state.lock:
                self._endpoints(scope).remove(endpoint)
            return 200, {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
        if method == "POST":
            allowed = {"url", "enabled_events", "disabled", "description", "metadata"}
            unknown = set(params) - allowed
            if unknown:
                return _unknown(sorted(unknown)[0])
            if "url" in params and (problem := self._check_url(key, params["url"])):
                return problem
            if "enabled_events" in params and (
                problem := self._check_events(params["enabled_events"])
            ):
                return problem
            if "disabled" in params and params["disabled"] not in ("true", "false"):
                return _error(
                    400,
                    "invalid_request_error",
                    "Invalid boolean: disabled",
                    code="parameter_invalid_boolean",
                    param="disabled",
                )
            with self.state.lock:
                for name in ("url", "description"):
                    if name in params:
                        endpoint[name] = params[name]
                if "enabled_events" in params:
                    endpoint["enabled_events"] = list(params["enabled_events"])
                if "disabled" in params:
                    endpoint["status"] = "disabled" if params["disabled"] == "true" else "enabled"
                if "metadata" in params:
                    endpoint["metadata"].update(params["metadata"])
            return 200, _public(endpoint)
        return _error(405, "invalid_request_error", f"Unrecognized method {method}")

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")


def _public(endpoint: dict[str, Any]) -> dict[str, Any]:
    """Retrieve and list never return the secret."""
    return {k: v for k, v in endpoint.items() if k != "secret"}


def _unknown(name: str) -> tuple[int, dict[str, Any]]:
    return _error(
        400,
        "invalid_request_error",
        f"Received unknown parameter: {name}",
        code="parameter_unknown",
        param=name,
    )


def _missing(endpoint_id: str) -> tuple[int, dict[str, Any]]:
    return _error(
        404,
        "invalid_request_error",
        f"No such webhook endpoint: '{endpoint_id}'",
        code="resource_missing",
        param="id",
    )


@dataclass(frozen=True)
class StripeServer:
    url: str
    state: StripeState


@pytest.fixture(scope="session")
def stripe_session_server() -> Iterator[StripeServer]:
    state = StripeState(
        keys={
            TEST_KEY: Key("test", "acct_1CNRYtest"),
            LIVE_KEY: Key("live", "acct_1CNRYtest"),
            RESTRICTED_KEY: Key("test", "acct_1CNRYtest", restricted=True),
            EXPIRED_KEY: Key("test", "acct_1CNRYtest", expired=True),
            INACTIVE_LIVE_KEY: Key("live", "acct_1CNRYinactive", charges_enabled=False),
        }
    )
    handler = type("Handler", (StripeHandler,), {"state": state})
    with http_server(handler) as url:
        yield StripeServer(url, state)


@pytest.fixture
def stripe_server(stripe_session_server: StripeServer) -> StripeServer:
    """The session's Stripe double with no endpoints, requests or faults left from other tests."""
    stripe_session_server.state.reset()
    return stripe_session_server
