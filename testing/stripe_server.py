"""A local Stripe API double that follows testing/fixtures/stripe-api.md.

Form-encoded requests, JSON answers, Bearer (or Basic) keys, stateful webhook endpoints with
the secret only in the create response, pagination, Stripe's error bodies, and a queue of
injected faults (429, 500, ...) for retry tests. It counts every request.

Its data and state are in testing/stripe_data.py, the webhook endpoint routes in
testing/stripe_endpoints.py, the other lists in testing/stripe_lists.py; tests import it all
from here.
"""

from __future__ import annotations

import secrets
import time
from base64 import b64decode
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from testing.http_double import serve
from testing.stripe_data import (
    EXPIRED_KEY,
    IDEMPOTENCY_LOCK,
    IDEMPOTENCY_TTL,
    INACTIVE_LIVE_KEY,
    KNOWN_EVENTS,
    LIVE_KEY,
    MAX_ENDPOINTS,
    MEDUSA_EVENTS,
    RESTRICTED_KEY,
    TEST_KEY,
    Answer,
    Key,
    StripeState,
    error,
    masked,
    parse_form,
)
from testing.stripe_endpoints import EndpointRoutes
from testing.stripe_intents import IntentRoutes
from testing.stripe_lists import list_objects

__all__ = [
    "EXPIRED_KEY",
    "IDEMPOTENCY_TTL",
    "INACTIVE_LIVE_KEY",
    "KNOWN_EVENTS",
    "LIVE_KEY",
    "MAX_ENDPOINTS",
    "MEDUSA_EVENTS",
    "RESTRICTED_KEY",
    "TEST_KEY",
    "Key",
    "StripeHandler",
    "StripeServer",
    "StripeState",
    "parse_form",
    "stripe_server",
    "stripe_session_server",
]


class StripeHandler(IntentRoutes, EndpointRoutes):
    state: StripeState

    def _headers(self) -> dict[str, str]:
        return {"Request-Id": f"req_{secrets.token_hex(7)}"}

    def _key(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[7:]
        if header.startswith("Basic "):
            return b64decode(header[6:]).decode().split(":")[0]
        return None

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = parse_form(parts.query if method in ("GET", "DELETE") else body)
        state = self.state
        if state.observer is not None:
            state.observer(method, parts.path)
        request = (method, parts.path, params)
        fault = self._arrive(state, request, lambda f: parts.path.startswith(f[0]))
        if fault is not None:
            self._send(fault[1], fault[2], headers=dict(state.fault_headers))
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
                        *error(
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
                    headers={"Idempotency-Key": idempotency_key, "Idempotent-Replayed": "true"},
                )
                return
            status, answer = self._route(method, path, params)
            if status < 400 or status >= 500:  # validation failures are not saved
                self.state.idempotent[scope] = (time.time(), method, path, params, status, answer)
        self._send(status, answer, headers={"Idempotency-Key": idempotency_key})

    def _authenticate(self) -> Key | Answer:
        """The key the request carries, or Stripe's 401 for none, an unknown or expired one."""
        token = self._key()
        if not token:
            return error(401, "invalid_request_error", "You did not provide an API key.")
        key = self.state.keys.get(token)
        if key is None:
            return error(401, "invalid_request_error", f"Invalid API Key provided: {masked(token)}")
        if key.expired:
            return error(
                401,
                "invalid_request_error",
                f"Expired API Key provided: {masked(token)}",
                code="api_key_expired",
            )
        return key

    def _route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        key = self._authenticate()
        if not isinstance(key, Key):
            return key
        scope = f"{key.account}:{key.mode}"
        if path == "/v1/account" and method == "GET":
            return _account(key, self._key() or "")
        if path == "/v1/balance" and method == "GET":
            return _balance(key)
        answer = self._webhook_endpoints(scope, key, method, path, params)
        if answer is not None:
            return answer
        if self.state.ignore_list_filters and path in ("/v1/payment_intents", "/v1/events"):
            params = {k: v for k, v in params.items() if k in ("limit", "starting_after")}
        if path == "/v1/payment_intents" and method == "GET":
            return list_objects("/v1/payment_intents", self.state.intents, key, params, set())
        intents = self._intents(key, method, path, params)
        if intents is not None:
            return intents
        if path == "/v1/events" and method == "GET":
            filters = {"types", "type", "delivery_success"}
            return list_objects("/v1/events", self.state.events, key, params, filters)
        return error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")


def _account(key: Key, token: str) -> Answer:
    """GET /v1/account; a restricted key may not read it."""
    if key.restricted:
        return error(
            403,
            "invalid_request_error",
            f"The provided key '{masked(token)}' does not have the required "
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


def _balance(key: Key) -> Answer:
    return 200, {
        "object": "balance",
        "livemode": key.mode == "live",
        "available": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
        "pending": [{"amount": 0, "currency": "eur", "source_types": {"card": 0}}],
    }


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
    with serve(StripeHandler, state) as url:
        yield StripeServer(url, state)


@pytest.fixture
def stripe_server(stripe_session_server: StripeServer) -> StripeServer:
    """The session's Stripe double with no endpoints, requests or faults left from other tests."""
    stripe_session_server.state.reset()
    return stripe_session_server
