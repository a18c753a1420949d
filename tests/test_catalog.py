"""`storectl catalog` and doctor's catalogue checks on the Medusa double: every list the audit
reads is followed past its first page of 100 (store products with their prices, admin products,
shipping options, tax regions, reservations), a list longer than the page cap is a PROTOCOL
error naming MAX_PAGES (never a silent truncation), and hostile answers (wrong shapes, missing
keys, non-JSON, a list that never ends, odd items) end in a stage, never a traceback.
The same audit against a real Medusa: tests/test_real_catalog.py."""

from __future__ import annotations

import itertools
import string
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest

from testing.medusa_server import (
    API_KEY,
    PUBLISHABLE_KEY,
    MedusaHandler,
    MedusaServer,
    fields_example_order,
)
from testing.procs import http_server
from tests.conftest import Result, run

CANCELED_ITEM = "ordli_01CANCELED0000000000000"
#: An order canceled after it was placed: its reservation should have gone with it.
CANCELED = {
    **fields_example_order(),
    "id": "order_01CANCELED0000000000000",
    "display_id": 7,
    "status": "canceled",
    "created_at": "2026-11-20T10:00:00.000Z",
    "items": [{"id": CANCELED_ITEM, "title": "Page product 3", "quantity": 1}],
}


def env_of(server: MedusaServer | str) -> dict[str, str]:
    url = server if isinstance(server, str) else server.url
    return {
        "MEDUSA_BACKEND_URL": url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
    }


def catalog(env: dict[str, str], *args: str) -> Result:
    return run("catalog", "--format", "json", "--timeout", "10", *args, env=env)


def doctor(env: dict[str, str]) -> Result:
    return run("doctor", "--only", "catalog", "--format", "json", "--timeout", "10", env=env)


def checks(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if c["provider"] == "catalog"}


def product(n: int, prices: dict[str, float] | None = None, profile: str = "sp_01DEFAULT") -> Any:
    """Published product `n` in the default channel: one variant, inventory not managed."""
    return {
        "id": f"prod_01PAGE{n:05d}",
        "title": f"Page product {n}",
        "handle": f"page-product-{n}",
        "status": "published",
        "thumbnail": None,
        "images": [],
        "shipping_profile": {"id": profile, "name": profile.removeprefix("sp_01").title()},
        "sales_channels": [{"id": "sc_01DEFAULT"}],
        "variants": [
            {
                "id": f"variant_01PAGE{n:05d}",
                "title": "One",
                "sku": f"PAGE-{n}",
                "manage_inventory": False,
                "allow_backorder": False,
                "inventory_quantity": 0,
                "prices": {"eur": 10, "usd": 12} if prices is None else prices,
            }
        ],
    }


def fillers(count: int) -> list[str]:
    """Country codes that are none of the double's regions' (fr, de, us, ca)."""
    codes = ("".join(p) for p in itertools.product(string.ascii_lowercase, repeat=2))
    return list(itertools.islice((c for c in codes if c not in ("fr", "de", "us", "ca")), count))


def many_pages(server: MedusaServer) -> None:
    """Each list the audit reads runs past its first page of 100, and what decides a gap sits
    on a later page: unread pages would change the findings."""
    state = server.state
    # 250 products: 3 pages of admin products and of store products per region. The last one
    # has no USD price; the first is on a profile only the 121st shipping option serves.
    state.products = [
        product(0, profile="sp_01SECOND"),
        *(product(n) for n in range(1, 249)),
        product(249, prices={"eur": 10}),
    ]
    warehouse = state.shipping_options[0]
    state.shipping_options = [
        warehouse,
        *(
            {
                "id": f"so_01FILLER{n:05d}",
                "name": f"Filler {n}",
                "stock_location_id": "sloc_01WAREHOUSE",
                "countries": ["fr"],
                "shipping_profile_id": "sp_01FILLER",
            }
            for n in range(119)
        ),
        {
            "id": "so_01SECOND",
            "name": "Second profile",
            "stock_location_id": "sloc_01WAREHOUSE",
            "countries": ["fr", "de", "us", "ca"],
            "shipping_profile_id": "sp_01SECOND",
        },
    ]
    # 134 tax regions: the regions' countries come last, Canada's without a default rate
    canada = {**state.tax_regions[3], "tax_rates": [{"id": "txr_CA", "is_default": False}]}
    state.tax_regions = [
        *(
            {"id": f"txreg_{c}", "country_code": c, "province_code": None, "tax_rates": []}
            for c in fillers(130)
        ),
        *state.tax_regions[:3],
        canada,
    ]
    # 150 reservations; the last holds stock for the canceled order's line
    state.orders[CANCELED["id"]] = CANCELED
    state.reservations = [
        {
            "id": f"res_01PAGE{n:05d}",
            "line_item_id": CANCELED_ITEM if n == 149 else f"ordli_01OPEN{n:05d}",
            "inventory_item_id": "iitem_01SHIRT",
            "location_id": "sloc_01WAREHOUSE",
            "quantity": 1,
            "created_at": "2026-11-21T08:00:00.000Z",
        }
        for n in range(150)
    ]


def test_every_list_is_read_past_its_first_page(medusa_server: MedusaServer) -> None:
    many_pages(medusa_server)
    result = catalog(env_of(medusa_server))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr == ""
    data = result.json()
    assert data["products"] == 250 and data["variants"] == 250
    assert data["counts"] == {"price": 1, "shipping": 0, "stock": 0, "tax": 1, "reservation": 1}
    price, tax, held = data["gaps"]
    assert (price["product"], price["variant"], price["region"]) == (
        "Page product 249",
        "One",
        "North America",
    )
    assert "no USD price" in price["summary"] and "Edit prices" in price["fix"]
    assert tax["summary"].startswith("CA (North America) has a tax region without a default rate")
    assert "res_01PAGE00149" in held["summary"] and "canceled order #7" in held["summary"]
    # pages of 100, never a request per product: the double counted each list's pages
    sent = Counter(path for method, path, _query, _body in medusa_server.state.requests)
    assert {path: sent[path] for path in PAGED} == PAGED
    assert data["requests"] == sum(PAGED.values()) + 3  # + the login, the key, the regions


#: Pages per list for many_pages(): 250 products in 2 regions, 121 options, 134 tax regions,
#: 150 reservations, one page of stock locations and one of canceled orders.
PAGED = {
    "/store/products": 6,
    "/admin/products": 3,
    "/admin/stock-locations": 1,
    "/admin/shipping-options": 2,
    "/admin/tax-regions": 2,
    "/admin/reservations": 2,
    "/admin/orders": 1,
}


def test_doctor_summarises_the_same_pages(medusa_server: MedusaServer) -> None:
    many_pages(medusa_server)
    result = doctor(env_of(medusa_server))
    assert result.exit_code == 1
    found = checks(result)
    assert found["read"]["status"] == "ok"
    assert found["read"]["summary"].startswith("250 published products, 250 variants, 2 regions")
    assert (found["prices"]["status"], found["prices"]["stage"]) == ("fail", "CONFIG")
    assert found["prices"]["summary"].startswith("1 found: Page product 249 / One has no USD")
    assert "'storectl catalog' lists every one" in found["prices"]["hint"]
    assert found["shipping-profiles"]["status"] == "ok"
    assert found["tax-regions"]["status"] == "warn"
    assert found["reservations"]["status"] == "warn"


def _endless_store(page: dict[str, list[str]]) -> Any:
    """A /store/products page at any offset of 10,050 products (all priced): more than the
    page cap (limits.MAX_PAGES = 100 pages of 100) can read."""
    offset = int(page.get("offset", ["0"])[0])
    items = [
        {"id": f"prod_{n}", "title": f"P{n}", "variants": [{"id": f"v{n}", "title": "One"}]}
        for n in range(offset, min(offset + 100, 10_050))
    ]
    return {"products": items, "count": 10_050, "offset": offset, "limit": 100}


def hostile_route(
    server: MedusaServer, path: str | dict[str, Any], answer: Any = None, ctype: str | None = None
) -> Any:
    """The double, but `path` answers `answer` (a function of the query, or a fixed body);
    or several routes, {path: body}."""
    answers = path if isinstance(path, dict) else {path: answer}

    class Hostile(MedusaHandler):
        state = server.state

        def _route(self, method: str, where: str, query: Any, body: Any) -> None:
            found = answers.get(urlsplit(where).path)
            if found is None:
                super()._route(method, where, query, body)
            elif callable(found):
                self._send(200, found(query))
            else:
                self._send(200, found, ctype)

    return http_server(Hostile)


def test_a_list_longer_than_the_page_cap_is_an_error_not_a_truncation(
    medusa_server: MedusaServer,
) -> None:
    with hostile_route(medusa_server, "/store/products", _endless_store) as url:
        result = catalog(env_of(url))
        checked = doctor(env_of(url))
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["stage"] == "PROTOCOL"
    assert "did not end after 100 pages (MAX_PAGES)" in error["message"]
    assert "/store/products" in error["message"]
    assert "Traceback" not in result.stderr
    read = checks(checked)["read"]
    assert (read["status"], read["stage"]) == ("fail", "PROTOCOL")
    assert "MAX_PAGES" in read["summary"]
    # two commands, two regions: at most 100 pages each, and the first region at the cap
    # stops the other's reading
    sent = [p for _m, p, _q, _b in medusa_server.state.requests if p == "/store/products"]
    assert 200 <= len(sent) <= 2 * 2 * 100


#: (route, body, content type, what the error says): each a PROTOCOL error naming the route.
HOSTILE = [
    ("/admin/products", {"products": {"id": "prod_1"}, "count": 1}, None, "not a list of objects"),
    ("/store/products", {"count": 3, "offset": 0, "limit": 100}, None, "not a list of objects"),
    ("/admin/tax-regions", {"tax_regions": [], "count": "many"}, None, "`count` is not a number"),
    ("/admin/reservations", "<!DOCTYPE html><p>Login</p>", "text/html", "not JSON"),
    ("/admin/shipping-options", '{"shipping_options": [{"id": "so_', None, "not JSON"),
    ("/admin/stock-locations", "[1, 2, 3]", None, "not JSON"),
    ("/admin/orders", {"orders": [1, 2], "count": 2}, None, "not a list of objects"),
]


@pytest.mark.parametrize(("path", "body", "ctype", "said"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_answers_end_in_a_protocol_stage(
    medusa_server: MedusaServer, path: str, body: Any, ctype: str | None, said: str
) -> None:
    many_pages(medusa_server)  # reservations held: the canceled orders are read too
    with hostile_route(medusa_server, path, body, ctype) as url:
        result = catalog(env_of(url))
        checked = doctor(env_of(url))
    detail = result.stdout + result.stderr
    assert result.exit_code == 1, detail
    assert "Traceback" not in detail and "internal error" not in detail
    error = result.json()["error"]
    assert error["stage"] == "PROTOCOL" and error["hint"], detail
    assert path in error["message"] and said in error["message"], detail
    read = checks(checked)["read"]
    assert (read["status"], read["stage"]) == ("fail", "PROTOCOL"), checked.stdout
    assert path in read["summary"]


def _endless_reservations(query: dict[str, list[str]]) -> Any:
    """A list that never ends: every page full of ids never seen, a count of a billion."""
    offset = int(query.get("offset", ["0"])[0])
    items = [{"id": f"res_{offset + n}", "line_item_id": None} for n in range(100)]
    return {"reservations": items, "count": 10**9, "offset": offset, "limit": 100}


def test_a_list_that_never_ends_stops_at_the_cap_within_the_deadline(
    medusa_server: MedusaServer,
) -> None:
    with hostile_route(medusa_server, "/admin/reservations", _endless_reservations) as url:
        result = run("catalog", "--format", "json", "--timeout", "20", env=env_of(url))
    error = result.json()["error"]
    assert result.exit_code == 1
    assert error["stage"] == "PROTOCOL" and "MAX_PAGES" in error["message"]


#: Lists of objects whose fields have the wrong types (the double itself keeps its types).
ODD = {
    "/admin/regions": {
        "regions": [
            {"id": "reg_1", "name": "Odd", "currency_code": None, "countries": "fr"},
            {
                "id": "reg_2",
                "name": "Two",
                "currency_code": "eur",
                "countries": [{"iso_2": "fr"}, 5],
            },
        ],
        "count": 2,
    },
    "/store/products": {
        "products": [
            {"id": "prod_1", "title": "Odd", "variants": "abc"},
            {
                "id": "prod_2",
                "title": "Two",
                "variants": [
                    3,
                    {
                        "id": "v_2",
                        "title": "Two",
                        "calculated_price": "free",
                        "manage_inventory": True,
                        "inventory_quantity": "lots",
                    },
                ],
            },
        ],
        "count": 2,
    },
    "/admin/products": {
        "products": [
            {"id": "prod_1", "title": "Odd", "shipping_profile": "sp", "sales_channels": 7},
            {"id": "prod_2", "title": "Two", "shipping_profile": {"id": 5}, "sales_channels": [1]},
        ],
        "count": 2,
    },
    "/admin/tax-regions": {
        "tax_regions": [{"id": "t", "country_code": "fr", "tax_rates": 5}, {"country_code": 3}],
        "count": 2,
    },
    "/admin/shipping-options": {
        "shipping_options": [
            {"id": "so_1", "shipping_profile_id": None, "rules": {"a": 1}, "service_zone": 4},
            {"id": "so_2", "service_zone": {"geo_zones": [7, {"country_code": None}]}},
        ],
        "count": 2,
    },
    "/admin/reservations": {
        "reservations": [
            {"id": "res_1", "line_item_id": CANCELED_ITEM, "created_at": 5},
            {"id": "res_2", "line_item_id": CANCELED_ITEM, "created_at": "2026-11-21T08:00Z"},
            {"id": "res_3", "line_item_id": 5, "created_at": "not a date"},
        ],
        "count": 3,
    },
    "/admin/orders": {"orders": [{"id": "order_1", "display_id": 7, "items": 3}], "count": 1},
}


def test_odd_items_in_well_formed_lists_are_read_not_crashed_on(
    medusa_server: MedusaServer,
) -> None:
    with hostile_route(medusa_server, ODD) as url:
        result = catalog(env_of(url))
        checked = doctor(env_of(url))
    detail = result.stdout + result.stderr
    assert result.exit_code == 1, detail
    assert "Traceback" not in detail and result.stderr == "", detail
    data = result.json()
    assert data["counts"]["price"] == 2, detail  # v_2 in both regions: "free" is no price
    assert data["counts"]["reservation"] == 0, detail  # the canceled order's items unreadable
    assert {g["product"] for g in data["gaps"] if g["kind"] == "shipping"} == {"Odd", "Two"}
    assert checks(checked)["read"]["status"] == "ok", checked.stdout
