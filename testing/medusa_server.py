"""A local Medusa 2.21 admin API double that follows testing/fixtures/medusa-2.21-admin.md.

Also the storefront's side ("Medusa's own production settings"): CORS preflights per the
configured lists (204, Access-Control-Allow-Origin only for a listed origin, no trimming),
publishable keys on /store/*, api keys, sales channels, stock locations, shipping options,
products, and the /auth/session cookie (Secure when `production`).

Exact bodies for health, login (both 401 shapes, MFA), secret keys over Basic (and the Bearer
refusal), regions with `fields` rules and REPLACE semantics for payment_providers, payment
providers, the webhook route (a POST: 200 for anything; OPTIONS: 200 on /hooks/payment/*,
404 elsewhere outside the CORS rooms), /store/* without a publishable key, HTML 404s.
`MedusaState.as_version("2.8")` plays 2.8.8's differences.
It counts requests.

The /admin/* routes are in testing/medusa_admin.py, the data in testing/medusa_data.py, the
plumbing both doubles share in testing/http_double.py.
"""

from __future__ import annotations

import json
import re
import secrets
from base64 import b64decode
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from testing.http_double import serve
from testing.medusa_admin import Query
from testing.medusa_checkout import CheckoutRoutes
from testing.medusa_data import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API_KEY,
    CONTRACT_ORDER_EXTRA,
    CONTRACTS,
    DEFAULT_ADMIN_CORS,
    DEFAULT_STORE_CORS,
    MFA_EMAIL,
    PUBLISHABLE_KEY,
    REGION_DEFAULT_FIELDS,
    REVOKED_KEY,
    STRIPE_PROVIDERS,
    MedusaState,
    bulk_order,
    contract_order,
    cors_allows,
    fields_example_order,
)
from testing.medusa_queries import query_problem

#: The double's data lives in testing/medusa_data.py; tests import it from here too.
__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "API_KEY",
    "CONTRACTS",
    "CONTRACT_ORDER_EXTRA",
    "DEFAULT_ADMIN_CORS",
    "DEFAULT_STORE_CORS",
    "MFA_EMAIL",
    "MedusaHandler",
    "MedusaServer",
    "MedusaState",
    "PUBLISHABLE_KEY",
    "REGION_DEFAULT_FIELDS",
    "REVOKED_KEY",
    "STRIPE_PROVIDERS",
    "bulk_order",
    "contract_order",
    "cors_allows",
    "fields_example_order",
    "medusa_server",
    "medusa_session_server",
]


#: Medusa's one hooks route (file-based routing: api/hooks/payment/[provider]/route.js).
HOOK_ROUTE = re.compile(r"/hooks/payment/[^/]+/?")


class MedusaHandler(CheckoutRoutes):
    state: MedusaState

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self._raw = raw
        body: Any = None
        if raw and "json" in (self.headers.get("Content-Type") or ""):
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {"type": "invalid_data", "message": "Invalid JSON body"})
                return
        if parts.path.startswith(("/hooks/", "/store/")) and method != "OPTIONS":
            with self.state.lock:
                self.state.hooks.append((parts.path, dict(self.headers.items()), raw))
        request = (method, parts.path, query, body)
        fault = self._arrive(
            self.state, request, lambda f: f[0] == method and parts.path.startswith(f[1])
        )
        if fault is not None:
            self._send(fault[2], fault[3], fault[4], dict(self.state.fault_headers))
            return
        self._route(method, parts.path, query, body)

    def _authorized(self) -> bool | None:
        """True: an admin actor; False: 401 sent already."""
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[7:]
            if token.startswith("sk_"):
                self._send(
                    401,
                    {
                        "message": "A secret API key was passed as a Bearer token. Secret API "
                        "keys must be sent using HTTP Basic authentication instead "
                        "(Authorization: Basic <secret-api-key>)."
                    },
                )
                return False
            if token in self.state.tokens:
                return True
        elif header.startswith("Basic "):
            try:
                user = b64decode(header[6:]).decode().split(":")[0]
            except ValueError:
                user = ""
            if user == API_KEY or user in self.state.secret_keys:
                return True
        echo = ""
        if self.state.echo:  # the header as sent, and its payload at the other two alignments
            from base64 import b64encode

            try:
                raw = b64decode(header[6:])
            except ValueError:
                raw = header.encode()
            shifted = [b64encode(pad + raw).decode() for pad in (b"x", b"xy")]
            echo = f": {header} " + " ".join(shifted)
        self._send(401, {"message": f"Unauthorized{echo}"})
        return False

    def _route(self, method: str, path: str, query: Query, body: Any) -> None:
        if method == "OPTIONS":
            self._options(path)
        elif path == "/health" and method == "GET":
            self._send(200, "OK", "text/html; charset=utf-8")
        elif path == "/auth/user/emailpass" and method == "POST":
            self._login(body or {})
        elif path.startswith("/static/") or (method == "GET" and self._file_path(path) is not None):
            self._static(method, path)
        elif path == "/auth/session" and method == "POST":
            self._session()
        elif path.startswith("/hooks/payment/") and method == "POST":
            self._hook()
        elif path.startswith("/store/") and self.headers.get("x-publishable-api-key"):
            self._store(method, path, query, body)
        elif path.startswith("/store/"):
            self._send(
                400,
                {
                    "type": "not_allowed",
                    "message": "Publishable API key required in the request header: "
                    "x-publishable-api-key. You can manage your keys in settings in the "
                    "dashboard.",
                },
            )
        elif path.startswith("/admin/"):
            if not self._authorized():
                return
            self._admin(method, path, query, body)
        else:
            self._html_404(method, path)

    def _cors_headers(self, path: str) -> dict[str, str]:
        """What Medusa's cors middleware adds for this request's Origin on this route."""
        origin = self.headers.get("Origin")
        room = path.strip("/").split("/")[0]
        value = self.state.cors.get(room)
        if origin is None or value is None or not cors_allows(value, origin):
            return {"Vary": "Origin"}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }

    def _options(self, path: str) -> None:
        """OPTIONS: Medusa's cors middleware answers under /admin, /store and /auth
        (@medusajs/framework http/router.js:247-273). Elsewhere Express 4 itself answers
        (express lib/router/index.js `sendOptionsResponse`): 200 with `Allow` listing the
        path's methods on a route that exists (POST /hooks/payment/:provider,
        api/hooks/payment/[provider]/route.js, for any provider id), else its HTML 404.
        Nothing runs: the contract's side-effect-free proof of the webhook route."""
        if path.startswith(("/admin/", "/store/", "/auth/")):
            self._preflight(path)
        elif HOOK_ROUTE.fullmatch(path):
            self._send(200, "POST", "text/html; charset=utf-8", headers={"Allow": "POST"})
        else:
            self._html_404("OPTIONS", path)

    def _preflight(self, path: str) -> None:
        """204 always; Access-Control-Allow-Origin only for an origin in the route's list.

        The cors package (2.8.5, `credentials: true`) sends the other preflight headers
        whatever the origin: only Allow-Origin tells an allowed origin from a refused one."""
        headers = self._cors_headers(path)
        headers["Access-Control-Allow-Credentials"] = "true"
        headers["Access-Control-Allow-Methods"] = "GET,HEAD,PUT,PATCH,POST,DELETE"
        requested = self.headers.get("Access-Control-Request-Headers")
        if requested:
            headers["Access-Control-Allow-Headers"] = requested
            headers["Vary"] = "Origin, Access-Control-Request-Headers"
        self.send_response(204)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _store(self, method: str, path: str, query: Query, body: Any) -> None:
        """/store/* with a publishable key: unknown or revoked keys are refused (contract);
        a key whose revoked_at is still ahead works (ensure-publishable-api-key.js)."""
        token = self.headers.get("x-publishable-api-key")
        key = next(
            (k for k in self.state.api_keys if k["token"] == token and k["type"] == "publishable"),
            None,
        )
        now = datetime.now(UTC)
        if key is None or (key["revoked_at"] and datetime.fromisoformat(key["revoked_at"]) <= now):
            self._send(
                400,
                {
                    "type": "not_allowed",
                    "message": "A valid publishable key is required to proceed with the request",
                },
            )
            return
        cors = self._cors_headers(path)
        problem = query_problem(path, query) if method == "GET" else None
        if problem is not None:
            self._send(400, problem, headers=cors)
        elif path == "/store/regions" and method == "GET":
            # the store's regions leave out automatic_taxes (measured on 2.21.2)
            shown = [
                {k: v for k, v in self._fields(r, query).items() if k != "automatic_taxes"}
                for r in self.state.regions
            ]
            self._page("regions", shown, query, default=50, headers=cors)
        elif not self._checkout_store(method, path, query, body):  # testing/medusa_checkout.py
            self._html_404(method, path)

    def _session(self) -> None:
        """POST /auth/session with a user's JWT (bearer only: a secret key is 401).

        In production the cookie is `Secure; SameSite=Lax`, and express-session (`proxy:
        true`) sets it only when the request came over TLS or with `X-Forwarded-Proto:
        https`; otherwise the answer is 200 without Set-Cookie. Elsewhere: no SameSite."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.state.tokens:
            self._send(401, {"message": "Unauthorized"})
            return
        user = {"id": "user_01ADMIN", "email": ADMIN_EMAIL}
        proto = self.headers.get("X-Forwarded-Proto") or self.state.forwarded_proto or ""
        if self.state.production and proto.split(",")[0].strip().lower() != "https":
            self._send(200, {"user": user})
            return
        cookie = (
            "connect.sid=s%3A" + secrets.token_hex(16) + "; Path=/; "
            "Expires=Fri, 27 Nov 2026 03:10:00 GMT; HttpOnly"
            + ("; Secure; SameSite=Lax" if self.state.production else "")
        )
        self._send(200, {"user": user}, headers={"Set-Cookie": cookie})

    def _login(self, body: dict[str, Any]) -> None:
        password = body.get("password")
        if not isinstance(password, str):
            self._send(401, {"type": "unauthorized", "message": "Password should be a string"})
        elif body.get("email") == MFA_EMAIL and password == ADMIN_PASSWORD:
            self._send(200, {"mfa_required": True, "token": secrets.token_hex(16)})
        elif body.get("email") == ADMIN_EMAIL and password == ADMIN_PASSWORD:
            token = "eyJ" + secrets.token_hex(24)
            with self.state.lock:
                self.state.tokens.add(token)
            self._send(200, {"token": token})
        else:
            echo = f" in {json.dumps(body)}" if self.state.echo else ""
            self._send(401, {"type": "unauthorized", "message": f"Invalid email or password{echo}"})

    def _static(self, method: str, path: str) -> None:
        file_id = self._file_path(path) or path.rsplit("/", 1)[1]
        data = self.state.files.get(file_id)
        if method != "GET" or data is None:
            self._html_404(method, path)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._handle("OPTIONS")


@dataclass(frozen=True)
class MedusaServer:
    url: str
    state: MedusaState


@pytest.fixture(scope="session")
def medusa_session_server() -> Iterator[MedusaServer]:
    state = MedusaState()
    state.reset()
    with serve(MedusaHandler, state) as url:
        yield MedusaServer(url, state)


@pytest.fixture
def medusa_server(medusa_session_server: MedusaServer) -> MedusaServer:
    """The session's Medusa double, reset to two regions with only pp_system_default."""
    medusa_session_server.state.reset()
    return medusa_session_server
