"""What the sellability audit reads: the store API as the storefront sees it (prices and stock
per region and sales channel) and the admin API for what the store API does not show (shipping
profiles, shipping options by stock location, tax regions, reservations). Reads only.

Every list is read in pages of 100 (`PAGE`), never one request per product, within the page cap
(net/limits.py) and the command's one deadline; `Snapshot.requests` counts what was sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers.medusa_api import Admin, limit_error
from storectl.providers.shape import JSON, Object, count, is_objects, objects
from storectl.providers.storefront.lint import KEY, backend_own, storefront_backend

if TYPE_CHECKING:
    from storectl.providers.medusa_api import Query
    from storectl.providers.storefront.client import Store

#: Items per page: Medusa's lists take up to 100 without complaint (medusa-2.21-admin.md).
PAGE = 100

#: What the storefront asks for (the Next.js starter's product page) plus stock fields.
STORE_PRODUCT_FIELDS = (
    "id,title,handle,variants.id,variants.title,variants.sku,variants.manage_inventory,"
    "variants.allow_backorder,*variants.calculated_price,+variants.inventory_quantity"
)
ADMIN_PRODUCT_FIELDS = "id,title,shipping_profile.id,shipping_profile.name,sales_channels.id"
OPTION_FIELDS = (
    "id,name,shipping_profile_id,service_zone.geo_zones.country_code,rules.attribute,"
    "rules.value,rules.operator"
)
KEY_FIELDS = "id,title,token,revoked_at,*sales_channels"


@dataclass
class Snapshot:
    """Everything the rules look at, keyed as the backend names it."""

    key_title: str
    channels: list[Object]
    regions: list[Object]
    #: channel id -> its stock locations' ids
    locations: dict[str, list[str]]
    #: every shipping option of a location of a channel, with `stock_location_id` added
    options: list[Object]
    #: admin products (published, in the key's channels): id, title, shipping_profile
    products: list[Object]
    #: (region id, channel id) -> store products as the storefront sees them there
    store_products: dict[tuple[str, str], list[Object]]
    tax_regions: list[Object]
    reservations: list[Object]
    #: canceled orders' line item ids -> (order id, display id)
    canceled_items: dict[str, tuple[str, JSON]] = field(default_factory=dict)
    requests: int = 0


class Reader:
    """The two clients of one audit; every list read in pages, every request counted."""

    def __init__(self, admin: Admin, store: Store) -> None:
        self.admin = admin
        self.store = store
        self.requests = 0
        self._count = threading.Lock()
        #: set when one of the lists read side by side failed: the others stop at their next page
        self.stop = threading.Event()

    def admin_list(self, path: str, key: str, params: Query) -> list[Object]:
        return self._pages(
            lambda query: self.admin.call("GET", path, params=query),
            self.admin.base,
            path,
            key,
            params,
        )

    def store_list(self, path: str, key: str, params: Query) -> list[Object]:
        return self._pages(
            lambda query: self.store.get(path, query), self.store.base, path, key, params
        )

    def _pages(
        self,
        get: Callable[[Query], Object],
        base: str,
        path: str,
        key: str,
        params: Query,
    ) -> list[Object]:
        """Every item of a list (limit/offset/count), within the page cap: a page or a count
        of the wrong shape is a PROTOCOL error, never guessed at."""

        def fetch(offset: int | None) -> tuple[list[Object], int | None]:
            start = offset or 0
            if self.stop.is_set():
                raise _Stopped
            with self._count:
                self.requests += 1
            data = get({**params, "limit": PAGE, "offset": start})
            page, total = data.get(key), count(data.get("count", 0))
            if not is_objects(page):
                raise _shape(path, f"`{key}` is not a list of objects")
            if total is None:
                raise _shape(path, "`count` is not a number of items")
            end = start + len(page)
            return page, (end if page and end < total else None)

        try:
            return limits.pages(fetch, what=f"GET {path} (offset pagination)")
        except limits.LimitExceeded as exc:
            raise limit_error(exc, base) from None


class _Stopped(Exception):
    """A list read side by side with one that failed: that failure is the one reported."""


def _shape(path: str, what: str) -> NetworkError:
    return NetworkError(
        Stage.PROTOCOL,
        f"GET {path} answered in an unexpected shape: {what}",
        "is the storefront's backend URL a Medusa 2.x backend (not a proxy or another API)?",
    )


def key_channels(reader: Reader, token: str, var: str) -> tuple[str, list[Object]]:
    """The publishable key's title and sales channels, or a CONFIG error naming the fix."""
    keys = reader.admin_list(
        "/admin/api-keys", "api_keys", {"type": "publishable", "fields": KEY_FIELDS}
    )
    key = next((k for k in keys if k.get("token") == token), None)
    if key is None:
        raise NetworkError(
            Stage.CONFIG,
            f"{var} is not one of this backend's publishable keys",
            "copy the key from this backend's Admin > Settings > Publishable API Keys",
        )
    channels = objects(key.get("sales_channels"))
    if not channels:
        raise NetworkError(
            Stage.CONFIG,
            f"the publishable key '{key.get('title')}' has no sales channel: nothing is sold",
            "add a sales channel to the key in Admin > Settings > Publishable API Keys",
        )
    return str(key.get("title") or key.get("id")), channels


def read(reader: Reader, token: str, var: str, deadline: Deadline) -> Snapshot:
    """One snapshot of the catalogue as the key's storefront sells it. After the key and the
    regions, the lists are independent: they are read side by side (net/parallel.py), each in
    pages, under the one deadline; the requests are the same as one after the other."""
    from storectl.net import parallel  # threads: off status's start-up path, which loads this

    title, channels = key_channels(reader, token, var)
    regions = reader.admin_list(
        "/admin/regions", "regions", {"fields": "id,name,currency_code,countries.iso_2"}
    )
    ids = [str(c.get("id")) for c in channels]
    pairs = [(str(r.get("id")), channel) for r in regions for channel in ids]
    snapshot = Snapshot(title, channels, regions, {}, [], [], {}, [], [])

    def products() -> None:
        snapshot.products = reader.admin_list(
            "/admin/products",
            "products",
            {"sales_channel_id[]": ids, "status[]": "published", "fields": ADMIN_PRODUCT_FIELDS},
        )

    def taxes() -> None:
        snapshot.tax_regions = reader.admin_list(
            "/admin/tax-regions",
            "tax_regions",
            {"fields": "id,country_code,province_code,*tax_rates"},
        )

    # the longest lists first: the store's priced pages, one list per region and channel
    calls = [_store_products(reader, snapshot, region, channel, ids) for region, channel in pairs]
    calls += [products, lambda: _shipping(reader, snapshot, ids), taxes]
    calls.append(lambda: _held(reader, snapshot))
    parallel.side_by_side(calls, stop=reader.stop)  # raises the first failure, never its echo
    snapshot.store_products = {pair: snapshot.store_products[pair] for pair in pairs}
    snapshot.requests = reader.requests
    return snapshot


def _store_products(
    reader: Reader, snapshot: Snapshot, region: str, channel: str, ids: list[str]
) -> Callable[[], None]:
    """The call reading what the storefront sees in one region (and channel)."""

    def call() -> None:
        params: dict[str, JSON] = {"region_id": region, "fields": STORE_PRODUCT_FIELDS}
        if len(ids) > 1:  # a key with several channels needs one named for stock
            params["sales_channel_id"] = channel
        snapshot.store_products[(region, channel)] = reader.store_list(
            "/store/products", "products", params
        )

    return call


def _shipping(reader: Reader, snapshot: Snapshot, ids: list[str]) -> None:
    """The channels' stock locations, then every shipping option of each location."""
    for channel in ids:
        found = reader.admin_list(
            "/admin/stock-locations", "stock_locations", {"sales_channel_id": channel}
        )
        snapshot.locations[channel] = [str(loc.get("id")) for loc in found]
    for location in sorted({loc for locs in snapshot.locations.values() for loc in locs}):
        for option in reader.admin_list(
            "/admin/shipping-options",
            "shipping_options",
            {"stock_location_id": location, "fields": OPTION_FIELDS},
        ):
            snapshot.options.append({**option, "stock_location_id": location})


def _held(reader: Reader, snapshot: Snapshot) -> None:
    """Reservations, and the canceled orders placed since the oldest of them: a reservation is
    made when its order is placed, so older canceled orders cannot hold one."""
    snapshot.reservations = reader.admin_list(
        "/admin/reservations",
        "reservations",
        {"fields": "id,line_item_id,inventory_item_id,location_id,quantity,created_at"},
    )
    dated = [r.get("created_at") for r in snapshot.reservations if r.get("line_item_id")]
    oldest = min((_when(d) for d in dated if isinstance(d, str)), default=None)
    if oldest is None:
        return
    since = (oldest - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    orders = reader.admin_list(
        "/admin/orders",
        "orders",
        {"status[]": "canceled", "created_at[$gte]": since, "fields": "id,display_id,items.id"},
    )
    for order in orders:
        for item in objects(order.get("items")):
            if item.get("id"):
                snapshot.canceled_items[str(item["id"])] = (
                    str(order.get("id")),
                    order.get("display_id"),
                )


def _when(text: str) -> datetime:
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def open_clients(env: Env, deadline: Deadline) -> tuple[Admin, Store, str, str]:
    """(admin, store, the key, the variable naming the backend) for the storefront's key; a
    CONFIG error when a piece is missing. The admin client must still log in."""
    from storectl.providers.storefront.client import Store

    url = storefront_backend(env) or backend_own(env)
    if url is None or not env.is_set(KEY):
        raise NetworkError(
            Stage.CONFIG,
            "the audit needs the storefront's publishable key and backend URL",
            f"set {KEY} and MEDUSA_BACKEND_URL in the storefront's env",
        )
    admin = Admin(env, deadline.remaining(), deadline)
    store = Store(url.value, env.value(KEY), deadline, url.var)
    return admin, store, env.value(KEY), KEY
