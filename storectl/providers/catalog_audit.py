"""The sellability rules: what in a catalogue snapshot stops a sale, each gap naming the product,
variant and region and what to change in the admin. Pure functions over `catalog_read.Snapshot`;
`audit()` reads and applies them (reads only: nothing is created, not even a cart).

Why each rule exists (Medusa issues, v2 production reports):
- price: a published variant without a price in the region's currency cannot be added to a
  cart ("Variants with IDs … do not have a price"; medusajs/medusa#11952, #11974, #13120, #13941);
- shipping: a product whose shipping profile has no option for the customer's country is paid
  and then refused at `complete` ("require shipping profiles that are not satisfied";
  medusajs/medusa#11816, the check of PRs #10968/#10984);
- stock: a managed variant with nothing at any location of the channel, and no backorder;
- tax: a region's country with no tax region or no default rate is charged no tax
  (medusajs/medusa#14571, #9053, #12210);
- reservation: stock still held for a canceled order reads as sold out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net.deadline import Deadline
from storectl.providers import catalog_read
from storectl.providers.catalog_read import Snapshot
from storectl.providers.shape import JSON, Object, objects

#: The kinds, in the order reports show them, with their doctor check names.
KINDS = ("price", "shipping", "stock", "tax", "reservation")
FAIL, WARN = "fail", "warn"


@dataclass(frozen=True)
class Gap:
    """One thing that stops (or spoils) a sale, and what to change in the admin."""

    kind: str
    status: str
    summary: str
    fix: str
    region_id: str | None = None
    region: str | None = None
    product_id: str | None = None
    product: str | None = None
    variant_id: str | None = None
    variant: str | None = None

    @property
    def stops_sale(self) -> bool:
        """A FAIL (the sale cannot happen), not a WARN (it happens, spoiled)."""
        return self.status == FAIL


def _name(item: Object | None, *keys: str) -> str:
    if not item:
        return "?"
    for key in keys:
        if item.get(key):
            return str(item[key])
    return str(item.get("id") or "?")


def prices(snap: Snapshot) -> Iterator[Gap]:
    """Published variants the storefront sees without a price in the region's currency."""
    seen: set[tuple[str, str]] = set()
    for region in snap.regions:
        region_id = str(region.get("id"))
        currency = str(region.get("currency_code") or "?").upper()
        for channel in snap.channels:
            for product in snap.store_products.get((region_id, str(channel.get("id"))), []):
                for variant in objects(product.get("variants")):
                    if (region_id, variant.get("id")) in seen:
                        continue
                    priced = variant.get("calculated_price")
                    if isinstance(priced, dict) and priced.get("calculated_amount") is not None:
                        continue
                    seen.add((region_id, str(variant.get("id"))))
                    title, vname = _name(product, "title"), _name(variant, "title", "sku")
                    yield Gap(
                        "price",
                        FAIL,
                        f"{title} / {vname} has no {currency} price: add to cart fails in "
                        f"{_name(region, 'name')}",
                        f"Admin > Products > {title} > Edit prices: give variant {vname} a "
                        f"{currency} price (or a price for region {_name(region, 'name')})",
                        region_id,
                        _name(region, "name"),
                        str(product.get("id")),
                        title,
                        str(variant.get("id")),
                        vname,
                    )


def stock(snap: Snapshot) -> Iterator[Gap]:
    """Managed variants with no stock at any location of the channel, and no backorder."""
    first = str(snap.regions[0].get("id")) if snap.regions else None
    seen: set[str] = set()
    for channel in snap.channels:
        cname = _name(channel, "name")
        for product in snap.store_products.get((str(first), str(channel.get("id"))), []):
            for variant in objects(product.get("variants")):
                if str(variant.get("id")) in seen:
                    continue
                quantity = variant.get("inventory_quantity")
                managed = variant.get("manage_inventory") is True
                if not managed or variant.get("allow_backorder") is True:
                    continue
                if not isinstance(quantity, int | float) or quantity > 0:
                    continue
                seen.add(str(variant.get("id")))
                title, vname = _name(product, "title"), _name(variant, "title", "sku")
                yield Gap(
                    "stock",
                    WARN,
                    f"{title} / {vname} has no stock at any location of sales channel {cname}",
                    f"Admin > Inventory > {variant.get('sku') or vname}: stock it at a location "
                    f"of {cname}, or allow backorders on the variant",
                    None,
                    None,
                    str(product.get("id")),
                    title,
                    str(variant.get("id")),
                    vname,
                )


def _served(snap: Snapshot) -> dict[tuple[str, str], set[str]]:
    """(channel id, shipping profile id) -> the countries a store option serves from a stock
    location of the channel (enabled in store, not a return)."""
    served: dict[tuple[str, str], set[str]] = {}
    for option in snap.options:
        rules = {
            (str(r.get("attribute")), str(r.get("value"))) for r in objects(option.get("rules"))
        }
        if ("is_return", "true") in rules or ("enabled_in_store", "false") in rules:
            continue
        zone = option.get("service_zone") or {}
        codes = {
            str(g.get("country_code")).lower()
            for g in objects(zone.get("geo_zones") if isinstance(zone, dict) else None)
            if g.get("country_code")
        }
        for channel, locations in snap.locations.items():
            if option.get("stock_location_id") in locations:
                key = (channel, str(option.get("shipping_profile_id")))
                served.setdefault(key, set()).update(codes)
    return served


def shipping(snap: Snapshot) -> Iterator[Gap]:
    """Products whose shipping profile has no option for some of a region's countries."""
    served = _served(snap)
    ids = [str(c.get("id")) for c in snap.channels]
    for region in snap.regions:
        countries = {
            str(c.get("iso_2")).lower() for c in objects(region.get("countries")) if c.get("iso_2")
        }
        for product in snap.products:
            profile = product.get("shipping_profile")
            profile_id = str(profile.get("id")) if isinstance(profile, dict) else None
            channels = [str(c.get("id")) for c in objects(product.get("sales_channels"))]
            channels = [c for c in channels if c in ids] or ids
            covered: set[str] = set()
            for channel in channels:
                covered |= served.get((channel, str(profile_id)), set())
            missing = sorted(countries - covered)
            if profile_id is not None and not missing:
                continue
            yield _shipping_gap(region, product, profile, missing)


def _shipping_gap(region: Object, product: Object, profile: JSON, missing: list[str]) -> Gap:
    title, rname = _name(product, "title"), _name(region, "name")
    if not isinstance(profile, dict):
        summary = f"{title} has no shipping profile: checkout cannot complete in {rname}"
        fix = f"Admin > Products > {title} > Shipping: choose a shipping profile"
    else:
        pname = _name(profile, "name")
        summary = (
            f"{title}: shipping profile {pname} has no shipping option for "
            f"{', '.join(missing)} ({rname}): the customer pays, then the order is refused"
        )
        fix = (
            f"Admin > Settings > Locations & Shipping: add a shipping option for profile "
            f"{pname} in a service zone covering {', '.join(missing)}, at a location of the "
            f"sales channel (or move {title} to a profile that has one)"
        )
    return Gap(
        "shipping", FAIL, summary, fix, str(region.get("id")), rname, str(product.get("id")), title
    )


def taxes(snap: Snapshot) -> Iterator[Gap]:
    """Countries of a region with no tax region, or a tax region without a default rate."""
    by_country: dict[str, Object] = {}
    for tax_region in snap.tax_regions:
        if tax_region.get("province_code"):
            continue
        by_country[str(tax_region.get("country_code")).lower()] = tax_region
    for region in snap.regions:
        rname = _name(region, "name")
        for country in objects(region.get("countries")):
            code = str(country.get("iso_2") or "").lower()
            if not code:
                continue
            found = by_country.get(code)
            rates = objects((found or {}).get("tax_rates"))
            if found is not None and any(r.get("is_default") for r in rates):
                continue
            what = "no tax region" if found is None else "a tax region without a default rate"
            yield Gap(
                "tax",
                WARN,
                f"{code.upper()} ({rname}) has {what}: orders there are charged no tax, "
                "unless your prices include it",
                f"Admin > Settings > Tax Regions: create {code.upper()} with a default rate"
                if found is None
                else f"Admin > Settings > Tax Regions > {code.upper()}: add a default rate",
                str(region.get("id")),
                rname,
            )


def reservations(snap: Snapshot) -> Iterator[Gap]:
    """Reservations still held for a line item of a canceled order."""
    for reservation in snap.reservations:
        held = snap.canceled_items.get(str(reservation.get("line_item_id")))
        if held is None:
            continue
        order_id, display = held
        shown = f"#{display}" if display is not None else order_id
        yield Gap(
            "reservation",
            WARN,
            f"reservation {reservation.get('id')} still holds {reservation.get('quantity')} of "
            f"inventory item {reservation.get('inventory_item_id')} for canceled order {shown}",
            f"Admin > Inventory > {reservation.get('inventory_item_id')} > Reservations: delete "
            f"{reservation.get('id')} (the stock is back on sale)",
        )


def rules(snap: Snapshot) -> list[Gap]:
    """Every gap, in KINDS order."""
    return [*prices(snap), *shipping(snap), *stock(snap), *taxes(snap), *reservations(snap)]


def audit(env: Env, deadline: Deadline) -> tuple[Snapshot, list[Gap]]:
    """Read the catalogue as the storefront's key sells it and apply the rules. Raises
    NetworkError (with its stage) when a read fails or nothing can be read."""
    admin, store, token, var = catalog_read.open_clients(env, deadline)
    with admin, store:
        if admin.login() is None:
            raise NetworkError(
                Stage.CONFIG,
                "no admin credentials: shipping profiles, tax regions and reservations are "
                "only in the admin API",
                "set MEDUSA_ADMIN_API_KEY (or MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD)",
            )
        reader = catalog_read.Reader(admin, store)
        snap = catalog_read.read(reader, token, var, deadline)
        snap.requests += 1  # the login's own request
    return snap, rules(snap)
