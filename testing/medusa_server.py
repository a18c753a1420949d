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
import re
import secrets
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from testing.procs import http_server

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "CNRYmedusa-admin-pass-0001"
MFA_EMAIL = "mfa@example.com"
API_KEY = "sk_" + "c0ffee" * 10 + "cafe"  # 64 hex
PUBLISHABLE_KEY = "pk_" + "5ea1" * 16  # 64 hex, "Default Publishable API Key"
REVOKED_KEY = "pk_" + "dead" * 16
#: Medusa's CORS defaults (define-config.js), used until a test configures its own lists.
DEFAULT_STORE_CORS = "http://localhost:8000"
DEFAULT_ADMIN_CORS = "http://localhost:7000,http://localhost:7001,http://localhost:5173"
STRIPE_PROVIDERS = [
    "pp_stripe-bancontact_stripe",
    "pp_stripe-blik_stripe",
    "pp_stripe-giropay_stripe",
    "pp_stripe-ideal_stripe",
    "pp_stripe-oxxo_stripe",
    "pp_stripe-promptpay_stripe",
    "pp_stripe-przelewy24_stripe",
    "pp_stripe_stripe",
]
REGION_DEFAULT_FIELDS = (
    "id",
    "name",
    "currency_code",
    "created_at",
    "updated_at",
    "deleted_at",
    "automatic_taxes",
    "metadata",
    "countries",
)


#: The recorded contracts, copied into the repo: nothing reads ../shared at run time.
CONTRACTS = Path(__file__).resolve().parent / "fixtures"
#: What the recorded order (fixtures/) lacks because nobody asked for it.
CONTRACT_ORDER_EXTRA = {"email": "jane.doe@example.com", "currency_code": "eur"}


def contract_order() -> dict[str, Any]:
    """The recorded `GET /admin/orders/{id}` body (no fields), plus the two fields it omits."""
    data = json.loads((CONTRACTS / "medusa-2.21-admin-order-default.json").read_text())
    return {**data["order"], **CONTRACT_ORDER_EXTRA}


def fields_example_order() -> dict[str, Any]:
    """The contract's order answered with storectl's fields (order #2, EUR 104.80)."""
    return {
        "id": "order_01M8AXT4YN42ZN2E4VDJG459CX",
        "display_id": 2,
        "status": "pending",
        "email": "max.mustermann@example.com",
        "currency_code": "eur",
        "created_at": "2026-11-26T03:18:59.798Z",
        "total": 104.8,
        "subtotal": 104.8,
        "item_subtotal": 99.8,
        "tax_total": 0,
        "shipping_total": 5,
        "discount_total": 0,
        "version": 1,
        "items": [
            {
                "id": "ordli_01M8AXT4YPD4Q75HGT9Z8FARX4",
                "title": "Acceptance Hoodie",
                "variant_sku": "ACC-HOODIE-M",
                "quantity": 2,
                "unit_price": 49.9,
                "subtotal": 99.8,
                "total": 99.8,
            }
        ],
        "shipping_methods": [{"name": "Standard", "amount": 5}],
        "shipping_address": {
            "id": "ordaddr_01M8AXT4YQ",
            "company": None,
            "first_name": "Max",
            "last_name": "Mustermann",
            "address_1": "Rue de Rivoli 10",
            "address_2": None,
            "city": "Paris",
            "country_code": "fr",
            "province": None,
            "postal_code": "75001",
            "phone": "+33123456789",
        },
        "payment_status": "authorized",
        "fulfillment_status": "not_fulfilled",
    }


def bulk_order(index: int) -> dict[str, Any]:
    """Order number `index` of a generated batch (for replays of many orders)."""
    order = fields_example_order()
    order["id"] = f"order_01BULK{index:020d}"
    order["display_id"] = 1000 + index
    order["created_at"] = f"2026-11-{1 + index % 25:02d}T{index % 24:02d}:00:{index % 60:02d}.000Z"
    return order


def _provider(provider_id: str) -> dict[str, Any]:
    return {
        "id": provider_id,
        "is_enabled": True,
        "created_at": "2026-11-26T03:10:00.000Z",
        "updated_at": "2026-11-26T03:10:00.000Z",
        "deleted_at": None,
    }


def _region(region_id: str, name: str, currency: str, countries: list[str]) -> dict[str, Any]:
    return {
        "id": region_id,
        "name": name,
        "currency_code": currency,
        "created_at": "2026-11-26T03:10:00.000Z",
        "updated_at": "2026-11-26T03:10:00.000Z",
        "deleted_at": None,
        "automatic_taxes": True,
        "metadata": None,
        "countries": [
            {"iso_2": c, "iso_3": c + "x", "num_code": "0", "name": c.upper(), "display_name": c}
            for c in countries
        ],
        "payment_providers": ["pp_system_default"],
    }


def _api_key(key_id: str, title: str, token: str) -> dict[str, Any]:
    return {
        "id": key_id,
        "title": title,
        "type": "publishable",
        "token": token,
        "redacted": token[:6] + "***" + token[-3:],
        "revoked_at": None,
        "created_at": "2026-11-26T03:10:00.000Z",
        "sales_channels": ["sc_01DEFAULT"],
    }


def _product(product_id: str, title: str, image: str) -> dict[str, Any]:
    return {
        "id": product_id,
        "title": title,
        "handle": product_id.lower(),
        "thumbnail": image,
        "images": [{"id": "img_" + product_id[5:], "url": image, "rank": 0}],
    }


def cors_allows(value: str, origin: str) -> bool:
    """Medusa's parseCorsOrigins + the cors package: split on ",", no trim, /regex/ entries."""
    for entry in (e for e in value.split(",") if e):
        if len(entry) > 2 and entry[0] == entry[-1] == "/":
            try:
                if re.search(entry[1:-1], origin):
                    return True
            except re.error:
                pass
        elif entry == origin:
            return True
    return False


@dataclass
class MedusaState:
    regions: list[dict[str, Any]] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    #: more secret API keys accepted besides API_KEY (one per store in bench/fleet.py)
    secret_keys: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, dict[str, list[str]], Any]] = field(default_factory=list)
    #: raw webhook deliveries: (path, headers, body bytes)
    hooks: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    #: injected answers: (method, path prefix, status, body, content type), each used once
    faults: list[tuple[str, str, int, str, str]] = field(default_factory=list)
    #: headers sent with every injected fault (Retry-After)
    fault_headers: dict[str, str] = field(default_factory=dict)
    #: time.monotonic() of each request's arrival, beside `requests`
    arrivals: list[float] = field(default_factory=list)
    #: the backend's own CORS lists, as its env would set them (parsed like Medusa: no trim)
    cors: dict[str, str] = field(default_factory=dict)
    #: NODE_ENV=production on the "server": the session cookie is Secure
    production: bool = False
    api_keys: list[dict[str, Any]] = field(default_factory=list)
    sales_channels: list[dict[str, Any]] = field(default_factory=list)
    #: stock locations, each with the ids of the sales channels it is linked to
    stock_locations: list[dict[str, Any]] = field(default_factory=list)
    #: shipping options: id, name, stock_location_id, country codes of their service zone
    shipping_options: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    #: a backend whose 401s quote the request back (its Authorization header, its login body)
    echo: bool = False
    #: payments (Medusa's payment module rows), uploaded files by id, notifications
    payments: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    #: where uploads appear: the local file provider's URL (contract), or an S3_FILE_URL
    file_url: str = "http://localhost:9000/static"
    #: a file provider behind the uploads (S3): called with (id, bytes) on upload, (id, None)
    #: on delete, as Medusa's file-s3 puts and deletes objects
    file_store: Callable[[str, bytes | None], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, regions: int = 2) -> None:
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            self.fault_headers.clear()
            self.arrivals.clear()
            self.hooks.clear()
            self.tokens.clear()
            self.echo = False
            self.payments.clear()
            self.files.clear()
            self.notifications.clear()
            self.file_url = "http://localhost:9000/static"
            self.file_store = None
            self.providers = ["pp_system_default", *STRIPE_PROVIDERS]
            base = [
                _region("reg_01M8AXNKWBHW5C36H2WC1H72HF", "Europe", "eur", ["fr", "de"]),
                _region("reg_01M8AXNKXSSYT4HEW6GHB4KPK7", "North America", "usd", ["us", "ca"]),
            ]
            extra = [
                _region(f"reg_01EXTRA{index:018d}", f"Region {index}", "eur", [])
                for index in range(max(0, regions - 2))
            ]
            self.regions = (base + extra)[:regions]
            self.orders = {o["id"]: o for o in (contract_order(), fields_example_order())}
            self.reset_storefront()

    def reset_storefront(self) -> None:
        """A fresh backend's store setup (contract): the default key on the default channel,
        one warehouse serving both regions' countries, two products with images."""
        self.cors = {
            "store": DEFAULT_STORE_CORS,
            "admin": DEFAULT_ADMIN_CORS,
            "auth": DEFAULT_ADMIN_CORS,
        }
        self.production = False
        self.sales_channels = [{"id": "sc_01DEFAULT", "name": "Default Sales Channel"}]
        self.api_keys = [
            _api_key("apk_01DEFAULT", "Default Publishable API Key", PUBLISHABLE_KEY),
            {
                **_api_key("apk_01REVOKED", "Old key", REVOKED_KEY),
                "revoked_at": "2026-11-20T10:00:00.000Z",
            },
        ]
        self.stock_locations = [
            {
                "id": "sloc_01WAREHOUSE",
                "name": "European Warehouse",
                "sales_channels": ["sc_01DEFAULT"],
            }
        ]
        self.shipping_options = [
            {
                "id": "so_01STANDARD",
                "name": "Standard Shipping",
                "stock_location_id": "sloc_01WAREHOUSE",
                "countries": ["fr", "de", "us", "ca"],
            }
        ]
        self.products = [
            _product("prod_01SHIRT", "Medusa T-Shirt", "https://cdn.example.com/shirt.png"),
            _product("prod_01HOODIE", "Acceptance Hoodie", "https://cdn.example.com/hoodie.png"),
        ]

    def count(self, method: str, prefix: str) -> int:
        return sum(1 for m, p, _q, _b in self.requests if m == method and p.startswith(prefix))

    def region(self, name: str) -> dict[str, Any]:
        return next(r for r in self.regions if r["name"] == name)

    def store_in_s3(
        self,
        endpoint: str,
        bucket: str,
        file_url: str,
        aws_access_key_id: str,
        aws_secret_access_key: str,
    ) -> None:
        """Uploads go to this S3 bucket (public-read) and appear under `file_url`, as with
        Medusa's file-s3 provider."""
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
        )

        def store(file_id: str, data: bytes | None) -> None:
            if data is None:
                client.delete_object(Bucket=bucket, Key=file_id)
            else:
                client.put_object(Bucket=bucket, Key=file_id, Body=data, ACL="public-read")

        self.file_url = file_url.rstrip("/")
        self.file_store = store

    def add_payment(
        self,
        session_id: str,
        intent_id: str,
        *,
        captured: bool = True,
        amount: float = 104.8,
        created_at: str = "2026-11-26T03:18:59.798Z",
    ) -> dict[str, Any]:
        """A payment as Medusa's payment module stores it; `data` is the PaymentIntent."""
        payment = {
            "id": f"pay_01CNRY{len(self.payments):020d}",
            "currency_code": "eur",
            "amount": amount,
            "captured_at": created_at if captured else None,
            "canceled_at": None,
            "created_at": created_at,
            "payment_collection_id": f"pay_col_01CNRY{len(self.payments):016d}",
            "payment_session_id": session_id,
            "provider_id": "pp_stripe_stripe",
            "data": {"id": intent_id, "receipt_email": "jane.doe@example.com"},
            "captures": [],
            "refunds": [],
        }
        self.payments.append(payment)
        return payment


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
                shown[key] = [_provider(p) for p in region["payment_providers"]]
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
