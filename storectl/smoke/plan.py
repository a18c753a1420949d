"""What a smoke run will do: its options, the marker, sample addresses, the choices it makes
(region, variant, shipping, payment provider) and the report's types (fields are JSON keys)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from storectl.errors import UsageError
from storectl.model import Check
from storectl.providers.shape import Object, dig, objects

#: The metadata key on the cart (Medusa copies it to the order) that marks smoke's orders.
MARKER = "storectl_smoke"
#: RFC 2606: example.com never takes mail, so the order's mail bounces into nobody's inbox.
EMAIL_DOMAIN = "example.com"
STRIPE = "pp_stripe_stripe"
SYSTEM = "pp_system_default"

#: One fixed, well-formed sample address per country (public landmarks, no person's address).
ADDRESSES: dict[str, dict[str, str]] = {
    "fr": {"address_1": "Rue de Rivoli 99", "city": "Paris", "postal_code": "75001"},
    "de": {"address_1": "Pariser Platz 1", "city": "Berlin", "postal_code": "10117"},
    "us": {"address_1": "1600 Amphitheatre Pkwy", "city": "Mountain View", "postal_code": "94043"},
    "ca": {"address_1": "111 Wellington St", "city": "Ottawa", "postal_code": "K1A 0A9"},
    "gb": {"address_1": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA"},
    "nl": {"address_1": "Museumstraat 1", "city": "Amsterdam", "postal_code": "1071 XX"},
    "es": {"address_1": "Calle de Felipe IV 1", "city": "Madrid", "postal_code": "28014"},
    "it": {"address_1": "Piazza del Colosseo 1", "city": "Roma", "postal_code": "00184"},
    "at": {"address_1": "Stephansplatz 1", "city": "Wien", "postal_code": "1010"},
    "be": {"address_1": "Grand-Place 1", "city": "Bruxelles", "postal_code": "1000"},
    "dk": {"address_1": "Christiansborg Slotsplads 1", "city": "Kobenhavn", "postal_code": "1218"},
    "se": {"address_1": "Slottsbacken 1", "city": "Stockholm", "postal_code": "111 30"},
    "ch": {"address_1": "Bundesplatz 3", "city": "Bern", "postal_code": "3005"},
    "au": {"address_1": "Bennelong Point", "city": "Sydney", "postal_code": "2000"},
}
_PROVINCES = {"us": "ca", "ca": "on", "au": "nsw"}


class Payment(StrEnum):
    """--payment: auto (Stripe in test mode when the region offers it, else the system
    provider), stripe, or system."""

    AUTO = "auto"
    STRIPE = "stripe"
    SYSTEM = "system"


@dataclass(frozen=True)
class SmokeOptions:
    """The command line's choices, before the store is asked anything."""

    region: str | None = None
    country: str | None = None
    variant: str | None = None
    product: str | None = None
    email: str | None = None
    payment: Payment = Payment.AUTO
    keep: bool = False
    dry_run: bool = False
    timeout: float = 90.0
    cleanup_budget: float = 20.0
    webhook_wait: float = 20.0
    mail_wait: float = 10.0


@dataclass(frozen=True)
class Plan:
    """What the run uses: every field is a choice made from the store's own answers."""

    run_id: str
    backend: str
    email: str
    region_id: str | None = None
    region: str | None = None
    currency: str | None = None
    country: str | None = None
    product: str | None = None
    variant_id: str | None = None
    variant: str | None = None
    price: float | None = None
    shipping_option: str | None = None
    provider: str | None = None
    payment_reason: str = ""
    subscribers: tuple[str, ...] = ()
    left_behind: tuple[str, ...] = ()


@dataclass(frozen=True)
class Created:
    """The ids of what the run made in the store (and in Stripe), to clean up or to name."""

    cart_id: str | None = None
    payment_collection_id: str | None = None
    payment_session_id: str | None = None
    payment_intent_id: str | None = None
    order_id: str | None = None
    display_id: int | None = None
    order_total: float | None = None
    customer_email: str | None = None


@dataclass(frozen=True)
class Timing:
    """Where the run's time went: the store's and Stripe's answers, the waits for the store's
    own asynchronous work (webhook, subscribers), and storectl itself (the rest)."""

    total_ms: int
    checkout_ms: int
    requests_ms: int
    requests: int
    waits_ms: int
    overhead_ms: int


@dataclass(frozen=True)
class SmokeReport:
    """`storectl smoke`'s report (schema_version 1)."""

    schema_version: int
    command: str
    ok: bool
    dry_run: bool
    kept: bool
    interrupted: bool
    plan: Plan
    created: Created
    steps: tuple[Check, ...]
    cleanup: str
    left_in_admin: tuple[str, ...]
    timing: Timing
    notes: tuple[str, ...] = field(default_factory=tuple)


def new_run_id() -> str:
    """`20261126t031859-3fa2`: sortable, short, and unique enough for one store's smoke runs."""
    stamp = datetime.now(UTC).strftime("%Y%m%dt%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def email_for(given: str | None, run_id: str) -> str:
    """The guest's address: `--email` (it must carry the marker and be under a reserved
    domain), else storectl-smoke+<run>@example.com."""
    if given is None:
        return f"storectl-smoke+{run_id}@{EMAIL_DOMAIN}"
    local, _, domain = given.strip().rpartition("@")
    reserved = domain.lower() in {
        "example.com",
        "example.org",
        "example.net",
    } or domain.lower().endswith((".example", ".test", ".invalid", ".example.com"))
    if not local or not reserved:
        raise UsageError(
            f"--email {given!r} is not under a reserved domain",
            hint="a placed order mails its customer: use an address under example.com (or "
            ".test/.invalid) so no real inbox gets it",
        )
    if "storectl-smoke" not in local:
        raise UsageError(
            f"--email {given!r} does not carry the marker",
            hint="put 'storectl-smoke' in the local part (storectl-smoke+qa@example.com) so "
            "smoke's orders can be found and filtered",
        )
    return given.strip()


def address(country: str) -> Object:
    """The fixed sample address for `country`, as the checkout's shipping and billing address."""
    sample = ADDRESSES[country]
    found: Object = {
        "first_name": "Storectl",
        "last_name": "Smoke",
        "phone": "+10000000000",
        "country_code": country,
        **sample,
    }
    if country in _PROVINCES:
        found["province"] = _PROVINCES[country]
    return found


def countries(region: Object) -> list[str]:
    return [str(c.get("iso_2")).lower() for c in objects(region.get("countries")) if c.get("iso_2")]


def pick_region(
    regions: list[Object], wanted: str | None, country: str | None
) -> tuple[Object, str]:
    """(region, country): `--region` (id or name), `--country`, else the first region one of
    whose countries has a sample address. Raises Unplannable with what the store offers."""
    if country is not None:
        country = country.lower()
        if country not in ADDRESSES:
            raise Unplannable(
                "region",
                f"storectl has no sample address for country {country}",
                f"pick one of: {', '.join(sorted(ADDRESSES))}",
            )
    for region in regions:
        if wanted is not None and wanted not in (region.get("id"), region.get("name")):
            continue
        usable = [c for c in countries(region) if c in ADDRESSES]
        if country is not None:
            usable = [c for c in usable if c == country]
        if usable:
            return region, usable[0]
    offered = "; ".join(
        f"{r.get('name')} ({', '.join(countries(r)) or 'no countries'})" for r in regions
    )
    what = f"region {wanted}" if wanted else "no region"
    where = f" with country {country}" if country else " with a country storectl can address"
    raise Unplannable(
        "region",
        f"{what}{where} is in the store's /store/regions",
        f"the store offers: {offered or 'no regions'}",
    )


def price_of(variant: Object) -> float | None:
    amount = dig(variant, "calculated_price", "calculated_amount")
    return float(amount) if isinstance(amount, int | float) else None


def in_stock(variant: Object) -> bool:
    if variant.get("manage_inventory") is False or variant.get("allow_backorder") is True:
        return True
    quantity = variant.get("inventory_quantity")
    return not isinstance(quantity, int | float) or quantity > 0


def pick_variant(
    products: list[Object], variant_id: str | None, product: str | None, region: str
) -> tuple[Object, Object]:
    """(product, variant): the one asked for, else the first priced, in-stock variant the
    key's channel sells in the region; Unplannable names why none fits."""
    seen = 0
    unpriced: list[str] = []
    empty: list[str] = []
    for item in products:
        if product is not None and product not in (item.get("id"), item.get("handle")):
            continue
        for variant in objects(item.get("variants")):
            if variant_id is not None and variant.get("id") != variant_id:
                continue
            seen += 1
            name = str(variant.get("sku") or variant.get("id"))
            if price_of(variant) is None:
                unpriced.append(name)
            elif not in_stock(variant):
                empty.append(name)
            else:
                return item, variant
    asked = variant_id or product
    if seen == 0:
        raise Unplannable(
            "variant",
            f"the key's sales channel sells no {'variant ' + asked if asked else 'product'} "
            "(GET /store/products)",
            "publish the product and add it to the publishable key's sales channel",
        )
    if unpriced and not empty:
        raise Unplannable(
            "variant",
            f"no price in region {region} for {', '.join(unpriced[:3])}",
            f"give the variant a price in the region's currency (Admin > Products > {unpriced[0]}"
            " > Prices)",
        )
    raise Unplannable(
        "variant",
        f"no stock for {', '.join(empty[:3])} in the key's sales channel",
        "the key's channel has no stock location holding the variant, or none in stock: add "
        "an inventory level at a location linked to the channel",
    )


def pick_provider(offered: list[str], wanted: Payment, stripe_mode: str | None) -> tuple[str, str]:
    """(provider id, why). Live mode never charges: a live key refuses Stripe."""
    has_stripe, has_system = STRIPE in offered, SYSTEM in offered
    shown = ", ".join(offered) or "none"
    if wanted is Payment.SYSTEM:
        if not has_system:
            raise Unplannable(
                "payment-provider",
                f"the region does not offer {SYSTEM} (it offers {shown})",
                "add the system provider to the region, or smoke with --payment stripe",
            )
        return SYSTEM, "--payment system"
    if has_stripe and stripe_mode == "live":
        raise Unplannable(
            "payment-provider",
            "STRIPE_API_KEY is a live key: smoke never charges a real card",
            "use a test key (sk_test_...) for smoke, or --payment system if the region offers it",
        )
    if has_stripe and stripe_mode == "test":
        return STRIPE, "Stripe in test mode (pm_card_visa, confirmed server-side)"
    if wanted is Payment.STRIPE:
        why = "the region does not offer it" if not has_stripe else "STRIPE_API_KEY is not set"
        raise Unplannable(
            "payment-provider",
            f"--payment stripe: {why} (the region offers {shown})",
            "set STRIPE_API_KEY to a test key and add pp_stripe_stripe to the region",
        )
    if has_system:
        return SYSTEM, "the region offers no Stripe in test mode; the system provider"
    raise Unplannable(
        "payment-provider",
        f"no payment provider smoke can use (the region offers {shown})",
        "add pp_system_default or Stripe (with a test key) to the region",
    )


def subscribers(root: Path | None) -> tuple[str, ...]:
    """The store's own subscribers to order.placed (backend/src/subscribers): what a placed
    order also reaches (mail, ERP, fulfilment, marketing)."""
    if root is None:
        return ()
    folder = root / "backend" / "src" / "subscribers"
    if not folder.is_dir():
        folder = root / "src" / "subscribers"
    if not folder.is_dir():
        return ()
    found = []
    pattern = re.compile(r"""["'`]order\.placed["'`]""")
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".ts", ".js", ".mts", ".mjs") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        if pattern.search(text):
            found.append(str(path.relative_to(root)))
    return tuple(found)


def left_behind(provider: str | None, keep: bool) -> tuple[str, ...]:
    """What stays in the admin after the run, and why (Medusa deletes no orders)."""
    if keep:
        return (
            "the order, open (--keep): cancel it in the admin or rerun without --keep",
            "its reservation (stock held until the order is canceled)",
            "the completed cart and the guest customer",
        )
    lines = [
        "the order, canceled (Medusa deletes no orders; filter by metadata storectl_smoke "
        "or the storectl-smoke email)",
        "the completed cart and the guest customer (the store API cannot delete them)",
        "the payment session and its canceled payment",
    ]
    if provider == STRIPE:
        lines.append("the PaymentIntent in Stripe's test mode, canceled or refunded")
    return tuple(lines)


class Unplannable(Exception):
    """The store cannot take this checkout: at which step, why, and what to fix."""

    def __init__(self, step: str, summary: str, hint: str) -> None:
        super().__init__(summary)
        self.step = step
        self.summary = summary
        self.hint = hint
