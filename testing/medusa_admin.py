"""The Medusa double's /admin/* routes, one handler per route group (files, notifications,
regions, the store's catalog, orders, payments), and the `fields` and paging rules they share.
The request plumbing, auth and the other rooms are in testing/medusa_server.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from testing.http_double import JsonHandler
from testing.medusa_data import (
    CONTRACT_ORDER_EXTRA,
    REGION_DEFAULT_FIELDS,
    MedusaState,
    provider_record,
)
from testing.medusa_queries import query_problem, select, unrecognized

Query = dict[str, list[str]]
#: A route group: True when it answered the request.
Group = Callable[[str, str, Query, Any], bool]

#: What GET /admin/payments shows without `fields`.
PAYMENT_DEFAULT_FIELDS = (
    "id",
    "currency_code",
    "amount",
    "captured_at",
    "payment_collection_id",
    "payment_session_id",
    "captures",
    "refunds",
)
#: What POST /admin/regions/{id} accepts.
REGION_UPDATE_FIELDS = frozenset(
    {
        "name",
        "currency_code",
        "countries",
        "automatic_taxes",
        "payment_providers",
        "metadata",
        "is_tax_inclusive",
    }
)


def fields_of(query: Query) -> list[str]:
    """Medusa's `fields` parameter, every value and comma-separated item."""
    return [f for item in query.get("fields", []) for f in item.split(",") if f]


def _number(query: Query, name: str, default: int) -> int:
    return int(query.get(name, [str(default)])[0])


class AdminRoutes(JsonHandler):
    """The admin routes of `MedusaHandler` (the actor is already authorised)."""

    state: MedusaState
    json_type = "application/json; charset=utf-8"
    _raw: bytes = b""

    def _html_404(self, method: str, path: str) -> None:
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n"
            "</body>\n</html>\n"
        )
        self._send(404, page, "text/html; charset=utf-8")

    def _page(
        self,
        key: str,
        items: list[Any],
        query: Query,
        default: int = 20,
        headers: dict[str, str] | None = None,
    ) -> None:
        """One page of `items` under `key`, with count, offset and limit (Medusa's list shape)."""
        limit = _number(query, "limit", default)
        offset = _number(query, "offset", 0)
        page = items[offset : offset + limit]
        body = {key: page, "count": len(items), "offset": offset, "limit": limit}
        self._send(200, body, headers=headers)

    def _admin(self, method: str, path: str, query: Query, body: Any) -> None:
        groups: tuple[Group, ...] = (
            self._files,
            self._notifications,
            self._regions,
            self._catalog,
            self._orders,
        )
        if not any(group(method, path, query, body) for group in groups):
            self._html_404(method, path)

    # --- files and notifications ------------------------------------------------------------

    def _files(self, method: str, path: str, query: Query, body: Any) -> bool:
        if path == "/admin/uploads" and method == "POST":
            self._upload()
        elif path.startswith("/admin/uploads/") and method == "DELETE":
            self._delete_file(path.rsplit("/", 1)[1])
        else:
            return False
        return True

    def _delete_file(self, file_id: str) -> None:
        with self.state.lock:
            removed = self.state.files.pop(file_id, None)
        if removed is None:
            self._send(404, {"type": "not_found", "message": f"File with id: {file_id} not found"})
            return
        if self.state.file_store is not None:
            self.state.file_store(file_id, None)
        self._send(200, {"id": file_id, "object": "file", "deleted": True})

    def _upload(self) -> None:
        """POST /admin/uploads, multipart with field `files`; answers each file's id and URL."""
        from email.parser import BytesParser
        from email.policy import HTTP

        content_type = self.headers.get("Content-Type") or ""
        if not content_type.startswith("multipart/form-data"):
            self._send(400, {"type": "invalid_data", "message": "No files were uploaded"})
            return
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self._raw
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

    def _notifications(self, method: str, path: str, query: Query, body: Any) -> bool:
        """GET /admin/notifications: strict filters (api/admin/notifications/validators.js:
        q, id, channel, and on 2.21 `to`; anything else, resource_id included, is a 400),
        newest first (default order -created_at), 50 a page by default."""
        if path != "/admin/notifications" or method != "GET":
            return False
        problem = query_problem(path, query, self.state.version)
        if problem is not None:
            self._send(400, problem)
            return True
        found = [
            n
            for n in self.state.notifications
            if all(n.get(name) in query[name] for name in ("id", "channel", "to") if name in query)
        ]
        found.sort(key=lambda n: str(n.get("created_at") or ""), reverse=True)
        self._page("notifications", found, query, default=50)
        return True

    # --- regions ----------------------------------------------------------------------------

    def _regions(self, method: str, path: str, query: Query, body: Any) -> bool:
        if path == "/admin/regions" and method == "GET":
            shown = [self._fields(r, query) for r in self.state.regions]
            self._page("regions", shown, query, default=50)
            return True
        if not path.startswith("/admin/regions/"):
            return False
        region_id = path.rsplit("/", 1)[1]
        region = next((r for r in self.state.regions if r["id"] == region_id), None)
        if region is None:
            quoted = f'"{region_id}"' if method == "POST" else region_id
            self._send(404, {"type": "not_found", "message": f"Region with id {quoted} not found"})
        elif method == "GET":
            self._send(200, {"region": self._fields(region, query)})
        elif method == "POST":
            self._update_region(region, query, body)
        else:
            self._html_404(method, path)
        return True

    def _fields(self, region: dict[str, Any], query: Query) -> dict[str, Any]:
        """Medusa's `fields`: plain names, `*relation` for a whole relation, `rel.field`;
        unknown names are ignored; payment_providers only when asked for."""
        fields = fields_of(query)
        if not fields:
            return {k: region[k] for k in REGION_DEFAULT_FIELDS}
        others = [f for f in fields if f.lstrip("*+").split(".")[0] != "payment_providers"]
        shown: dict[str, Any] = {"id": region["id"], **select(region, others or ["id"])}
        if len(others) < len(fields):
            shown["payment_providers"] = [provider_record(p) for p in region["payment_providers"]]
        return shown

    def _update_region(self, region: dict[str, Any], query: Query, body: Any) -> None:
        """POST /admin/regions/{id}; payment_providers REPLACES the region's list."""
        if not isinstance(body, dict):
            body = {}
        problem = _region_update_problem(body, self.state.providers)
        if problem is not None:
            self._send(*problem)
            return
        if "payment_providers" in body:
            with self.state.lock:
                region["payment_providers"] = list(dict.fromkeys(body["payment_providers"]))
        if "name" in body:
            region["name"] = body["name"]
        self._send(200, {"region": self._fields(region, query)})

    # --- the store's catalog: payment providers, api keys, locations, shipping ---------------

    def _catalog(self, method: str, path: str, query: Query, body: Any) -> bool:
        if method != "GET":
            return False
        problem = query_problem(path, query)
        if problem is not None:
            self._send(400, problem)
        elif path == "/admin/payments/payment-providers":
            items = [{"id": p, "is_enabled": True} for p in self.state.providers]
            self._page("payment_providers", items, query)
        elif path == "/admin/api-keys":
            wanted = query.get("type", [None])[0]
            keys = [k for k in self.state.api_keys if wanted in (None, k["type"])]
            shown = [select(self._key_fields(k, query), fields_of(query)) for k in keys]
            self._page("api_keys", shown, query)
        elif path == "/admin/stock-locations":
            channel = query.get("sales_channel_id", [None])[0]
            found = [
                {"id": loc["id"], "name": loc["name"]}
                for loc in self.state.stock_locations
                if channel is None or channel in loc["sales_channels"]
            ]
            self._page("stock_locations", found, query)
        elif path == "/admin/products":
            self._admin_products(query)
        elif path == "/admin/tax-regions":
            found = [select(t, fields_of(query)) for t in self.state.tax_regions]
            self._page("tax_regions", found, query)
        elif path == "/admin/reservations":
            found = [select(r, fields_of(query)) for r in self.state.reservations]
            self._page("reservations", found, query)
        elif path == "/admin/shipping-options":
            location = query.get("stock_location_id", [None])[0]
            found = [
                select(_shipping_option(o), fields_of(query))
                for o in self.state.shipping_options
                if location is None or o["stock_location_id"] == location
            ]
            self._page("shipping_options", found, query)
        else:
            return False
        return True

    def _admin_products(self, query: Query) -> None:
        """GET /admin/products: `status` must be an array (a plain value is 400, as live)."""
        if "status" in query:
            self._send(
                400,
                {
                    "type": "invalid_data",
                    "message": "Invalid request: Expected "
                    f"type: 'array' for field 'status', got: '{query['status'][0]}'",
                },
            )
            return
        wanted = set(query.get("status[]", []))
        channels = set(query.get("sales_channel_id[]", []) + query.get("sales_channel_id", []))
        found = [
            select(
                {k: v for k, v in p.items() if k != "variants"}
                | {
                    "variants": [
                        {
                            k: v
                            for k, v in variant.items()
                            if k not in ("prices", "inventory_quantity")
                        }
                        for variant in p.get("variants", [])
                    ]
                },
                fields_of(query),
            )
            for p in self.state.products
            if (not wanted or p.get("status") in wanted)
            and (not channels or channels & {c["id"] for c in p.get("sales_channels", [])})
        ]
        self._page("products", found, query, default=50)

    def _key_fields(self, key: dict[str, Any], query: Query) -> dict[str, Any]:
        """An api key. Its sales channels' id and name are default fields (query-config.js);
        `*sales_channels` asks for all of theirs; `fields` without a +/-/* prefix replaces
        the defaults (FieldParser), so then they come only when named."""
        shown = {k: v for k, v in key.items() if k != "sales_channels"}
        fields = fields_of(query)
        named = any(f.lstrip("*+").split(".")[0] == "sales_channels" for f in fields)
        replaced = any(not f.startswith(("+", "-", "*")) and not f.endswith(".*") for f in fields)
        channels = [c for c in self.state.sales_channels if c["id"] in key["sales_channels"]]
        if named:
            shown["sales_channels"] = channels
        elif not replaced and "-sales_channels" not in fields:
            shown["sales_channels"] = [{"id": c["id"], "name": c["name"]} for c in channels]
        return shown

    # --- orders and payments ----------------------------------------------------------------

    def _orders(self, method: str, path: str, query: Query, body: Any) -> bool:
        if method != "GET":
            return False
        if path == "/admin/payments":
            self._payments(query)
        elif path.startswith("/admin/orders/"):
            order_id = path.rsplit("/", 1)[1]
            order = self.state.orders.get(order_id)
            if order is None:
                self._send(404, {"type": "not_found", "message": f"Order id not found: {order_id}"})
            else:
                shown = order_fields(order, query)
                if self.state.version == "2.8":
                    shown = _detail_route_2_8(shown)
                self._send(200, {"order": shown})
        elif path == "/admin/orders":
            since = query.get("created_at[$gte]", [""])[0]
            wanted = query.get("id")  # api/admin/orders/validators.js: id, one or many
            statuses = query.get("status[]")  # the catalogue audit's canceled orders
            found = sorted(
                (
                    o
                    for o in self.state.orders.values()
                    if o["created_at"] >= since
                    and (wanted is None or o["id"] in wanted)
                    and (statuses is None or o.get("status") in statuses)
                ),
                key=lambda o: str(o["created_at"]),
                reverse=query.get("order", [""])[0].startswith("-"),
            )
            listed = [order_fields(o, query) for o in found]
            if self.state.version == "2.8":
                # 2.8.8's list leaves the shipping address out even when `fields` asks for it
                # (found by tests/test_real_differential.py against a real 2.8.8)
                listed = [{k: v for k, v in o.items() if k != "shipping_address"} for o in listed]
            self._page("orders", listed, query, default=50)
        else:
            return False
        return True

    def _payments(self, query: Query) -> None:
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
        fields = fields_of(query)
        names = [f.lstrip("*+") for f in fields] if fields else list(PAYMENT_DEFAULT_FIELDS)
        self._page("payments", [{k: p[k] for k in ["id", *names] if k in p} for p in found], query)


def _region_update_problem(body: dict[str, Any], providers: Any) -> tuple[int, Any] | None:
    """Medusa's answer refusing a region update, or None: unknown fields, a payment_providers
    that is not an array, or a provider that is not enabled."""
    unknown = [k for k in body if k not in REGION_UPDATE_FIELDS]
    if unknown:
        return 400, unrecognized(unknown)
    if "payment_providers" not in body:
        return None
    wanted = body["payment_providers"]
    if not isinstance(wanted, list):
        return 400, {
            "type": "invalid_data",
            "message": "Invalid request: Expected type: 'array' for field "
            f"'payment_providers', got: '{wanted}'",
        }
    unknown_ids = [p for p in wanted if p not in providers]
    if unknown_ids:
        return 404, {
            "type": "not_found",
            "message": f"Payment providers with ids {', '.join(unknown_ids)} not "
            "found or not enabled",
        }
    return None


def _shipping_option(option: dict[str, Any]) -> dict[str, Any]:
    """A shipping option with its service zone's countries, as the admin list shows it."""
    return {
        "id": option["id"],
        "name": option["name"],
        "shipping_profile_id": option.get("shipping_profile_id", "sp_01DEFAULT"),
        "rules": [
            {"attribute": "enabled_in_store", "value": "true", "operator": "eq"},
            {"attribute": "is_return", "value": "false", "operator": "eq"},
        ],
        "service_zone": {
            "id": "serzo_" + option["id"][3:],
            "geo_zones": [
                {"id": f"fgz_{c}", "type": "country", "country_code": c}
                for c in option["countries"]
            ],
        },
    }


def order_fields(order: dict[str, Any], query: Query) -> dict[str, Any]:
    """Medusa's fields for orders: without them, no email and no currency_code (contract)."""
    fields = fields_of(query)
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
            shown[key] = [_item_fields(item, subs) for item in value]
        elif isinstance(value, dict):
            shown[key] = {s: value.get(s) for s in subs}
    return shown


def _item_fields(item: dict[str, Any], subs: list[str]) -> dict[str, Any]:
    """One line item's asked fields. `detail.x` is the order item behind the line item
    (@medusajs/order utils/transform-order.js maps `items.detail.*` to it): its quantity."""
    shown = {s: item.get(s) for s in ["id", *subs] if s in item}
    detail = {rest for head, _, rest in (s.partition(".") for s in subs) if head == "detail"} & set(
        item
    )
    if detail:
        shown["detail"] = {name: item[name] for name in sorted(detail)}
    return shown


def _detail_route_2_8(order: dict[str, Any]) -> dict[str, Any]:
    """GET /admin/orders/{id} as 2.8.8 answers it (contract, "Older releases"): transform-order.js
    maps `items.quantity` to the line item's own (absent) quantity, so items come without it and
    with subtotal/total 0, and the order's total counts shipping only. `items.detail.quantity`
    still carries it; the list route is complete."""
    items = [
        {
            **{k: v for k, v in item.items() if k != "quantity"},
            **{k: 0 for k in ("subtotal", "total") if k in item},
        }
        for item in order.get("items") or []
    ]
    changed = {**order, "items": items} if "items" in order else dict(order)
    if "total" in changed and "shipping_total" in changed:
        changed["total"] = changed["shipping_total"]
    return changed
