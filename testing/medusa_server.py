"""A local Medusa 2.21 admin API double that follows testing/fixtures/medusa-2.21-admin.md.

Also the storefront's side ("Medusa's own production settings"): CORS preflights per the
configured lists (204, Access-Control-Allow-Origin only for a listed origin, no trimming),
publishable keys on /store/*, api keys, sales channels, stock locations, shipping options,
products, and the /auth/session cookie (Secure when `production`).

Exact bodies for health, login (both 401 shapes, MFA), secret keys over Basic (and the Bearer
refusal), regions with `fields` rules and REPLACE semantics for payment_providers, payment
providers, the webhook route (200 for anything), /store/* without a publishable key, HTML 404s.
It counts requests.
"""

from __future__ import annotations

import json
import secrets
import time
from base64 import b64decode
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

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
    provider_record,
)
from testing.procs import http_server

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


class MedusaHandler(BaseHTTPRequestHandler):
    state: MedusaState
    _raw: bytes = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(
        self,
        status: int,
        body: Any,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _html_404(self, method: str, path: str) -> None:
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n"
            "</body>\n</html>\n"
        )
        self._send(404, page, "text/html; charset=utf-8")

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
        with self.state.lock:
            self.state.requests.append((method, parts.path, query, body))
            self.state.arrivals.append(time.monotonic())
            if parts.path.startswith(("/hooks/", "/store/")):
                self.state.hooks.append((parts.path, dict(self.headers.items()), raw))
            fault = next(
                (f for f in self.state.faults if f[0] == method and parts.path.startswith(f[1])),
                None,
            )
            if fault is not None:
                self.state.faults.remove(fault)
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

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        if method == "OPTIONS":
            self._preflight(path)
        elif path == "/health" and method == "GET":
            self._send(200, "OK", "text/html; charset=utf-8")
        elif path == "/auth/user/emailpass" and method == "POST":
            self._login(body or {})
        elif path.startswith("/static/") or (method == "GET" and self._file_path(path) is not None):
            self._static(method, path)
        elif path == "/auth/session" and method == "POST":
            self._session()
        elif path.startswith("/hooks/payment/") and method == "POST":
            self._send(200, "OK", "text/plain; charset=utf-8")
        elif path.startswith("/store/") and self.headers.get("x-publishable-api-key"):
            self._store(method, path, query)
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

    def _preflight(self, path: str) -> None:
        """204 always; Access-Control-Allow-Origin only for an origin in the route's list."""
        headers = self._cors_headers(path)
        if "Access-Control-Allow-Origin" in headers:
            headers["Access-Control-Allow-Methods"] = "GET,HEAD,PUT,PATCH,POST,DELETE"
            requested = self.headers.get("Access-Control-Request-Headers")
            if requested:
                headers["Access-Control-Allow-Headers"] = requested
        self.send_response(204)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _store(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        """/store/* with a publishable key: unknown or revoked keys are refused (contract)."""
        token = self.headers.get("x-publishable-api-key")
        key = next((k for k in self.state.api_keys if k["token"] == token), None)
        if key is None or key["revoked_at"]:
            self._send(
                400,
                {
                    "type": "not_allowed",
                    "message": "A valid publishable key is required to proceed with the request",
                },
            )
            return
        cors = self._cors_headers(path)
        if path == "/store/regions" and method == "GET":
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("offset", ["0"])[0])
            page = [self._fields(r, query) for r in self.state.regions[offset : offset + limit]]
            count = len(self.state.regions)
            body = {"regions": page, "count": count, "offset": offset, "limit": limit}
            self._send(200, body, headers=cors)
        elif path == "/store/products" and method == "GET":
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("offset", ["0"])[0])
            page = self.state.products[offset : offset + limit]
            count = len(self.state.products)
            body = {"products": page, "count": count, "offset": offset, "limit": limit}
            self._send(200, body, headers=cors)
        else:
            self._html_404(method, path)

    def _session(self) -> None:
        """POST /auth/session with a user's JWT: the session cookie, Secure in production."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.state.tokens:
            self._send(401, {"message": "Unauthorized"})
            return
        cookie = (
            "connect.sid=s%3A" + secrets.token_hex(16) + "; Path=/; "
            "Expires=Fri, 27 Nov 2026 03:10:00 GMT; HttpOnly"
            + ("; Secure; SameSite=Lax" if self.state.production else "; SameSite=Lax")
        )
        user = {"id": "user_01ADMIN", "email": ADMIN_EMAIL}
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

    def _admin(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        if path == "/admin/payments" and method == "GET":
            self._payments(query)
            return
        if path == "/admin/uploads" and method == "POST":
            self._upload()
            return
        if path.startswith("/admin/uploads/") and method == "DELETE":
            file_id = path.rsplit("/", 1)[1]
            with self.state.lock:
                removed = self.state.files.pop(file_id, None)
            if removed is not None and self.state.file_store is not None:
                self.state.file_store(file_id, None)
            if removed is None:
                self._send(
                    404, {"type": "not_found", "message": f"File with id: {file_id} not found"}
                )
            else:
                self._send(200, {"id": file_id, "object": "file", "deleted": True})
            return
        if path == "/admin/notifications" and method == "GET":
            found = [
                n
                for n in self.state.notifications
                if "resource_id" not in query or n["resource_id"] in query["resource_id"]
            ]
            limit = int(query.get("limit", ["20"])[0])
            offset = int(query.get("offset", ["0"])[0])
            self._send(
                200,
                {
                    "notifications": found[offset : offset + limit],
                    "count": len(found),
                    "offset": offset,
                    "limit": limit,
                },
            )
            return
        if path == "/admin/regions" and method == "GET":
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("offset", ["0"])[0])
            page = self.state.regions[offset : offset + limit]
            shown = [self._fields(r, query) for r in page]
            self._send(
                200,
                {
                    "regions": shown,
                    "count": len(self.state.regions),
                    "offset": offset,
                    "limit": limit,
                },
            )
        elif path.startswith("/admin/regions/"):
            region_id = path.rsplit("/", 1)[1]
            region = next((r for r in self.state.regions if r["id"] == region_id), None)
            if region is None:
                quoted = f'"{region_id}"' if method == "POST" else region_id
                self._send(
                    404,
                    {"type": "not_found", "message": f"Region with id {quoted} not found"},
                )
            elif method == "GET":
                self._send(200, {"region": self._fields(region, query)})
            elif method == "POST":
                self._update_region(region, query, body)
            else:
                self._html_404(method, path)
        elif path == "/admin/payments/payment-providers" and method == "GET":
            limit = int(query.get("limit", ["20"])[0])
            offset = int(query.get("offset", ["0"])[0])
            items = [{"id": p, "is_enabled": True} for p in self.state.providers]
            self._send(
                200,
                {
                    "payment_providers": items[offset : offset + limit],
                    "count": len(items),
                    "offset": offset,
                    "limit": limit,
                },
            )
        elif path == "/admin/api-keys" and method == "GET":
            wanted = query.get("type", [None])[0]
            keys = [k for k in self.state.api_keys if wanted in (None, k["type"])]
            self._page("api_keys", [self._key_fields(k, query) for k in keys], query)
        elif path == "/admin/stock-locations" and method == "GET":
            channel = query.get("sales_channel_id", [None])[0]
            found = [
                {"id": loc["id"], "name": loc["name"]}
                for loc in self.state.stock_locations
                if channel is None or channel in loc["sales_channels"]
            ]
            self._page("stock_locations", found, query)
        elif path == "/admin/shipping-options" and method == "GET":
            location = query.get("stock_location_id", [None])[0]
            found = [
                {
                    "id": o["id"],
                    "name": o["name"],
                    "service_zone": {
                        "id": "serzo_" + o["id"][3:],
                        "geo_zones": [
                            {"id": f"fgz_{c}", "type": "country", "country_code": c}
                            for c in o["countries"]
                        ],
                    },
                }
                for o in self.state.shipping_options
                if location is None or o["stock_location_id"] == location
            ]
            self._page("shipping_options", found, query)
        elif path.startswith("/admin/orders/") and method == "GET":
            order_id = path.rsplit("/", 1)[1]
            order = self.state.orders.get(order_id)
            if order is None:
                self._send(404, {"type": "not_found", "message": f"Order id not found: {order_id}"})
            else:
                self._send(200, {"order": _order_fields(order, query)})
        elif path == "/admin/orders" and method == "GET":
            since = query.get("created_at[$gte]", [""])[0]
            found = sorted(
                (o for o in self.state.orders.values() if o["created_at"] >= since),
                key=lambda o: str(o["created_at"]),
                reverse=query.get("order", [""])[0].startswith("-"),
            )
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("offset", ["0"])[0])
            page = [_order_fields(o, query) for o in found[offset : offset + limit]]
            self._send(200, {"orders": page, "count": len(found), "offset": offset, "limit": limit})
        else:
            self._html_404(method, path)

    def _payments(self, query: dict[str, list[str]]) -> None:
        """GET /admin/payments: several values of a filter as a repeated key or with brackets
        (`k[]=`, `k[0]=`); a comma-separated value is one value and matches nothing."""
        found = list(self.state.payments)
        for name in ("id", "payment_session_id"):
            wanted = [
                v
                for key, values in query.items()
                if key == name
                or (key.startswith(f"{name}[") and key[len(name) + 1 : -1].isdigit())
                or key == f"{name}[]"
                for v in values
            ]
            if wanted:
                found = [p for p in found if p[name] in wanted]
        since = query.get("created_at[$gte]", [""])[0]
        if since:
            found = [p for p in found if p["created_at"] >= since]
        limit = int(query.get("limit", ["20"])[0])
        offset = int(query.get("offset", ["0"])[0])
        default = (
            "id",
            "currency_code",
            "amount",
            "captured_at",
            "payment_collection_id",
            "payment_session_id",
            "captures",
            "refunds",
        )
        fields = [f for item in query.get("fields", []) for f in item.split(",") if f]
        names = [f.lstrip("*+") for f in fields] if fields else list(default)
        page = [{k: p[k] for k in ["id", *names] if k in p} for p in found[offset : offset + limit]]
        self._send(200, {"payments": page, "count": len(found), "offset": offset, "limit": limit})

    def _upload(self) -> None:
        """POST /admin/uploads, multipart with field `files`; answers each file's id and URL."""
        from email.parser import BytesParser
        from email.policy import HTTP

        content_type = self.headers.get("Content-Type") or ""
        raw = self._raw
        if not content_type.startswith("multipart/form-data"):
            self._send(400, {"type": "invalid_data", "message": "No files were uploaded"})
            return
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        uploaded = []
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") != "files":
                continue
            name = part.get_filename() or "file"
            file_id = f"{int(time.time() * 1000)}-{name}"
            with self.state.lock:
                payload = part.get_payload(decode=True)
                self.state.files[file_id] = payload if isinstance(payload, bytes) else b""
            if self.state.file_store is not None:
                self.state.file_store(file_id, self.state.files[file_id])
            uploaded.append({"id": file_id, "url": f"{self.state.file_url}/{file_id}"})
        if not uploaded:
            self._send(400, {"type": "invalid_data", "message": "No files were uploaded"})
            return
        self._send(200, {"files": uploaded})

    def _file_path(self, path: str) -> str | None:
        """The file id when `path` is under the file URL this double hands out."""
        base = urlsplit(self.state.file_url).path.rstrip("/")
        if base and path.startswith(base + "/"):
            return path[len(base) + 1 :]
        return None

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

    def _page(self, key: str, items: list[Any], query: dict[str, list[str]]) -> None:
        limit = int(query.get("limit", ["20"])[0])
        offset = int(query.get("offset", ["0"])[0])
        page = items[offset : offset + limit]
        self._send(200, {key: page, "count": len(items), "offset": offset, "limit": limit})

    def _key_fields(self, key: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
        """An api key; its sales channels only when asked for (`*sales_channels`)."""
        shown = {k: v for k, v in key.items() if k != "sales_channels"}
        fields = [f for item in query.get("fields", []) for f in item.split(",") if f]
        if any(f.lstrip("*+").split(".")[0] == "sales_channels" for f in fields):
            shown["sales_channels"] = [
                c for c in self.state.sales_channels if c["id"] in key["sales_channels"]
            ]
        return shown

    def _fields(self, region: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
        """Medusa's `fields`: plain names, `*relation` for a whole relation, `rel.field`;
        unknown names are ignored; payment_providers only when asked for."""
        fields = [f for item in query.get("fields", []) for f in item.split(",") if f]
        if not fields:
            return {k: region[k] for k in REGION_DEFAULT_FIELDS}
        shown: dict[str, Any] = {"id": region["id"]}
        for name in fields:
            key = name.lstrip("*+").split(".")[0]
            if key == "payment_providers":
                shown[key] = [provider_record(p) for p in region["payment_providers"]]
            elif key in region:
                shown[key] = region[key]
        return shown

    def _update_region(
        self, region: dict[str, Any], query: dict[str, list[str]], body: Any
    ) -> None:
        if not isinstance(body, dict):
            body = {}
        allowed = {
            "name",
            "currency_code",
            "countries",
            "automatic_taxes",
            "payment_providers",
            "metadata",
            "is_tax_inclusive",
        }
        unknown = [k for k in body if k not in allowed]
        if unknown:
            self._send(
                400,
                {
                    "type": "invalid_data",
                    "message": "Invalid request: Unrecognized fields: "
                    + ", ".join(f"'{k}'" for k in unknown),
                },
            )
            return
        if "payment_providers" in body:
            providers = body["payment_providers"]
            if not isinstance(providers, list):
                self._send(
                    400,
                    {
                        "type": "invalid_data",
                        "message": "Invalid request: Expected type: 'array' for field "
                        f"'payment_providers', got: '{providers}'",
                    },
                )
                return
            unknown_ids = [p for p in providers if p not in self.state.providers]
            if unknown_ids:
                self._send(
                    404,
                    {
                        "type": "not_found",
                        "message": f"Payment providers with ids {', '.join(unknown_ids)} not "
                        "found or not enabled",
                    },
                )
                return
            with self.state.lock:
                region["payment_providers"] = list(dict.fromkeys(providers))  # REPLACES
        if "name" in body:
            region["name"] = body["name"]
        self._send(200, {"region": self._fields(region, query)})

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._handle("OPTIONS")


def _order_fields(order: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """Medusa's fields for orders: without them, no email and no currency_code (contract)."""
    fields = [f for item in query.get("fields", []) for f in item.split(",") if f]
    if not fields:
        return {k: v for k, v in order.items() if k not in CONTRACT_ORDER_EXTRA}
    shown: dict[str, Any] = {"id": order["id"]}
    nested: dict[str, list[str]] = {}
    for name in fields:
        bare = name.lstrip("*+")
        key, _, sub = bare.partition(".")
        if key not in order:
            continue
        if sub:
            nested.setdefault(key, []).append(sub)
        else:
            shown[key] = order[key]
    for key, subs in nested.items():
        value = order[key]
        if isinstance(value, list):
            shown[key] = [{s: item.get(s) for s in ["id", *subs] if s in item} for item in value]
        elif isinstance(value, dict):
            shown[key] = {s: value.get(s) for s in subs}
    return shown


@dataclass(frozen=True)
class MedusaServer:
    url: str
    state: MedusaState


@pytest.fixture(scope="session")
def medusa_session_server() -> Iterator[MedusaServer]:
    state = MedusaState()
    state.reset()
    handler = type("Handler", (MedusaHandler,), {"state": state})
    with http_server(handler) as url:
        yield MedusaServer(url, state)


@pytest.fixture
def medusa_server(medusa_session_server: MedusaServer) -> MedusaServer:
    """The session's Medusa double, reset to two regions with only pp_system_default."""
    medusa_session_server.state.reset()
    return medusa_session_server
