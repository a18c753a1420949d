"""The Medusa double's data: its credentials, the recorded order, the records it serves
(regions, keys, products, payments) and MedusaState, which the handler reads and the tests seed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


#: The recorded contracts, copied into the repo: nothing outside the clone is read at run time.
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


def provider_record(provider_id: str) -> dict[str, Any]:
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
    """A published product on the default profile and channel: one variant priced in EUR and
    USD, inventory not managed (the audit's healthy case)."""
    return {
        "id": product_id,
        "title": title,
        "handle": product_id.lower(),
        "status": "published",
        "thumbnail": image,
        "images": [{"id": "img_" + product_id[5:], "url": image, "rank": 0}],
        "shipping_profile": {"id": "sp_01DEFAULT", "name": "Default Shipping Profile"},
        "sales_channels": [{"id": "sc_01DEFAULT"}],
        "variants": [
            {
                "id": "variant_" + product_id[5:],
                "title": "M",
                "sku": product_id[5:] + "-M",
                "manage_inventory": False,
                "allow_backorder": False,
                "inventory_quantity": 0,
                "prices": {"eur": 49.9, "usd": 55},
            }
        ],
    }


def tax_region(country: str, rate: float = 20) -> dict[str, Any]:
    """A country's tax region with a default rate (GET /admin/tax-regions, *tax_rates)."""
    return {
        "id": f"txreg_{country.upper()}",
        "country_code": country,
        "province_code": None,
        "tax_rates": [
            {
                "id": f"txr_{country.upper()}",
                "rate": rate,
                "code": f"{country}-vat",
                "name": f"{country.upper()} VAT",
                "is_default": True,
            }
        ],
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
    #: the X-Forwarded-Proto a TLS proxy in front would add (testing/tlsproxy.py forwards
    #: bytes and cannot): without "https" a production backend sets no session cookie
    forwarded_proto: str | None = None
    api_keys: list[dict[str, Any]] = field(default_factory=list)
    sales_channels: list[dict[str, Any]] = field(default_factory=list)
    #: stock locations, each with the ids of the sales channels it is linked to
    stock_locations: list[dict[str, Any]] = field(default_factory=list)
    #: shipping options: id, name, stock_location_id, country codes of their service zone
    shipping_options: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    tax_regions: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
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
    #: the Medusa release the double plays: "2.21" (2.21.2, the default) or "2.8" (2.8.8, with
    #: its differences: fixtures/medusa-2.21-admin.md, "Older releases"); see `as_version`
    version: str = "2.21"
    #: the store checkout's carts, stock and Stripe link (testing/medusa_checkout.py)
    checkout: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_version(self, version: str) -> None:
        """Play another release: "2.8" answers GET /admin/orders/{id} with items without
        `quantity` (item totals 0), refuses `to` on /admin/notifications, and has no default
        publishable key (2.8.8 creates none; a store's seed does)."""
        if version not in ("2.21", "2.8"):
            raise ValueError(f"the Medusa double plays 2.21 or 2.8, not {version}")
        with self.lock:
            self.version = version
            if version == "2.8":
                self.api_keys = [k for k in self.api_keys if k["id"] != "apk_01DEFAULT"]

    def reset(self, regions: int = 2) -> None:
        with self.lock:
            self.version = "2.21"
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
        self.forwarded_proto = None
        self.checkout = None
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
                "shipping_profile_id": "sp_01DEFAULT",
            }
        ]
        self.tax_regions = [tax_region(c) for c in ("fr", "de", "us", "ca")]
        # the example order's line, reserved when it was placed (as a real store holds one)
        self.reservations = [
            {
                "id": "resitem_01HELD",
                "line_item_id": "ordli_01M8AXT4YPD4Q75HGT9Z8FARX4",
                "inventory_item_id": "iitem_01HOODIE",
                "location_id": "sloc_01WAREHOUSE",
                "quantity": 2,
                "created_at": "2026-11-26T03:19:00.000Z",
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


def store_product(
    product: dict[str, Any], regions: list[dict[str, Any]], region_id: str | None
) -> dict[str, Any]:
    """A product as /store/products shows it: no shipping profile, status or sales channels
    (the store API drops them silently); each variant's `calculated_price` in the region's
    currency (null without a price there), as 2.21.2 answered it."""
    currency = next((r["currency_code"] for r in regions if r["id"] == region_id), None)
    shown = {
        k: v
        for k, v in product.items()
        if k not in ("shipping_profile", "status", "sales_channels", "variants")
    }
    variants = []
    for variant in product.get("variants", []):
        item = {k: v for k, v in variant.items() if k != "prices"}
        amount = variant.get("prices", {}).get(currency)
        item["calculated_price"] = (
            None
            if amount is None
            else {
                "id": "pset_" + variant["id"][8:],
                "calculated_amount": amount,
                "original_amount": amount,
                "currency_code": currency,
                "is_calculated_price_tax_inclusive": False,
            }
        )
        variants.append(item)
    if "variants" in product:
        shown["variants"] = variants
    return shown
