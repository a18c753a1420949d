"""`storectl catalog` and doctor's catalogue checks against a real Medusa (testing/real_medusa.py):
a healthy control (the seeded store with tax regions), then data broken on purpose, each gap
asserted exactly: an unpriced variant, a product on a shipping profile with no option, a region
without tax regions, an unstocked variant, a reservation held for a canceled order. The store is
its own backend (module-scoped): nothing seeded here reaches the other real-backend tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testing.real_medusa import (
    VERSIONS,
    Admin,
    RealMedusa,
    place_order,
    real_medusa,
)
from tests.conftest import Result, run

pytestmark = pytest.mark.real_backend


@pytest.fixture(scope="module", params=VERSIONS)
def own_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealMedusa]:
    """A store of its own (the seed gives every seeded country a tax region: healthy)."""
    root = tmp_path_factory.mktemp(f"catalog-{request.param}")
    with real_medusa(request.param, root) as backend:
        yield backend


def catalog(backend: RealMedusa, *args: str) -> Result:
    return run("catalog", "--project", str(backend.project), *args)


def _product(admin: Admin, seeded: Any, title: str, profile: str, prices: list[Any]) -> str:
    product = admin.post(
        "/admin/products",
        {
            "title": title,
            "status": "published",
            "shipping_profile_id": profile,
            "sales_channels": [{"id": seeded.sales_channel_id}],
            "options": [{"title": "Size", "values": ["One"]}],
            "variants": [
                {
                    "title": "One",
                    "sku": title.upper().replace(" ", "-"),
                    "options": {"Size": "One"},
                    "manage_inventory": True,
                    "prices": prices,
                }
            ],
        },
        fields="id,variants.id,variants.sku",
    )["product"]
    return str(product["variants"][0]["sku"])


def _stock(admin: Admin, sku: str, location: str) -> None:
    items = admin.get("/admin/inventory-items", sku=sku)["inventory_items"]
    admin.post(
        f"/admin/inventory-items/{items[0]['id']}/location-levels",
        {"location_id": location, "stocked_quantity": 10},
    )


BOTH = [{"currency_code": "eur", "amount": 10}, {"currency_code": "usd", "amount": 12}]


def _break(backend: RealMedusa) -> None:
    """The broken data, as a merchant leaves it by mistake."""
    admin, seeded = Admin(backend.url), backend.seeded
    profiles = admin.get("/admin/shipping-profiles")["shipping_profiles"]
    default = next(p["id"] for p in profiles if p["type"] == "default")
    bulky = admin.post("/admin/shipping-profiles", {"name": "Bulky", "type": "bulky"})
    # a variant priced in EUR only: North America (USD) cannot add it to a cart
    _stock(
        admin, _product(admin, seeded, "Unpriced Tee", default, BOTH[:1]), seeded.stock_location_id
    )
    # a product on a profile with no shipping option: paid, then refused at complete
    _stock(
        admin,
        _product(admin, seeded, "Bulky Sofa", bulky["shipping_profile"]["id"], BOTH),
        seeded.stock_location_id,
    )
    # a managed variant with no inventory level anywhere
    _product(admin, seeded, "Ghost Mug", default, BOTH)
    # a region without tax regions (shipping served, so only tax is missing)
    admin.post(
        "/admin/regions",
        {"name": "Benelux", "currency_code": "eur", "countries": ["be", "nl"]},
    )
    _serve(admin, seeded.stock_location_id, default, ["be", "nl"])
    _held_reservation(admin, backend)


def _serve(admin: Admin, location: str, profile: str, countries: list[str]) -> None:
    """A second fulfillment set on the location whose zone covers `countries`."""
    located = admin.post(
        f"/admin/stock-locations/{location}/fulfillment-sets",
        {"name": "Benelux shipping", "type": "shipping"},
        fields="*fulfillment_sets",
    )["stock_location"]
    fset = next(f for f in located["fulfillment_sets"] if f["name"] == "Benelux shipping")
    zone = admin.post(
        f"/admin/fulfillment-sets/{fset['id']}/service-zones",
        {
            "name": "Benelux zone",
            "geo_zones": [{"type": "country", "country_code": c} for c in countries],
        },
    )["fulfillment_set"]["service_zones"][0]["id"]
    admin.post(
        "/admin/shipping-options",
        {
            "name": "Benelux Standard",
            "service_zone_id": zone,
            "shipping_profile_id": profile,
            "provider_id": "manual_manual",
            "price_type": "flat",
            "type": {"label": "Standard", "description": "2 days", "code": "benelux"},
            "prices": [{"currency_code": "eur", "amount": 5}],
            "rules": [
                {"attribute": "enabled_in_store", "value": "true", "operator": "eq"},
                {"attribute": "is_return", "value": "false", "operator": "eq"},
            ],
        },
    )


def _held_reservation(admin: Admin, backend: RealMedusa) -> None:
    """An order canceled, then a reservation made again for its line item (what a failed
    cancel workflow leaves behind)."""
    seeded = backend.seeded
    order_id = place_order(
        backend.url, seeded.publishable_key, seeded.regions["Europe"], seeded.variant_id
    )
    admin.post(f"/admin/orders/{order_id}/cancel", None)
    order = admin.get(f"/admin/orders/{order_id}", fields="id,items.id")["order"]
    items = admin.get("/admin/inventory-items", sku="TIER-HOODIE-M")["inventory_items"]
    admin.post(
        "/admin/reservations",
        {
            "line_item_id": order["items"][0]["id"],
            "inventory_item_id": items[0]["id"],
            "location_id": seeded.stock_location_id,
            "quantity": 1,
        },
    )


def gaps_of(result: Result) -> set[tuple[str, str | None, str | None]]:
    return {(g["kind"], g["region"], g["product"]) for g in result.json()["gaps"]}


def test_healthy_control_has_no_gap(own_store: RealMedusa) -> None:
    result = catalog(own_store, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    data = result.json()
    assert data["gaps"] == [] and data["ok"] is True
    assert data["products"] == 1 and data["regions"] == ["Europe", "North America"]
    doctor = run(
        "doctor", "--project", str(own_store.project), "--only", "catalog", "--format", "json"
    )
    assert doctor.exit_code == 0, doctor.stdout
    statuses = {c["check"]: c["status"] for c in doctor.json()["checks"]}
    assert statuses == {
        "read": "ok",
        "prices": "ok",
        "shipping-profiles": "ok",
        "stock": "ok",
        "tax-regions": "ok",
        "reservations": "ok",
    }


def test_broken_data_is_named_with_its_fix(own_store: RealMedusa, tmp_path: Path) -> None:
    _break(own_store)
    result = catalog(own_store, "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert gaps_of(result) == {
        ("price", "North America", "Unpriced Tee"),
        ("shipping", "Europe", "Bulky Sofa"),
        ("shipping", "North America", "Bulky Sofa"),
        ("shipping", "Benelux", "Bulky Sofa"),
        ("stock", None, "Ghost Mug"),
        ("tax", "Benelux", None),
        ("tax", "Benelux", None),
        ("reservation", None, None),
    }
    data = result.json()
    assert data["counts"] == {"price": 1, "shipping": 3, "stock": 1, "tax": 2, "reservation": 1}
    fixes = {g["kind"]: g["fix"] for g in data["gaps"]}
    assert "give variant One a USD price" in fixes["price"]
    assert "profile Bulky" in fixes["shipping"] and "Locations & Shipping" in fixes["shipping"]
    assert "Tax Regions" in fixes["tax"] and "delete" in fixes["reservation"]
    text = catalog(own_store)
    assert text.exit_code == 1 and "Bulky Sofa: shipping profile Bulky has no shipping option" in (
        text.stdout
    )
    junit = catalog(own_store, "--format", "junit")
    assert junit.stdout.count("<failure") == 4  # the price and 3 shipping gaps; warnings pass
    doctor = run(
        "doctor", "--project", str(own_store.project), "--only", "catalog", "--format", "json"
    )
    assert doctor.exit_code == 1
    statuses = {c["check"]: c["status"] for c in doctor.json()["checks"]}
    assert statuses == {
        "read": "ok",
        "prices": "fail",
        "shipping-profiles": "fail",
        "stock": "warn",
        "tax-regions": "warn",
        "reservations": "warn",
    }
