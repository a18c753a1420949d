"""Which query parameters Medusa 2.21.2 (and 2.8.8) accept on the list routes storectl uses.

Medusa validates every query with its route's zod schema made `.strict()`
(`@medusajs/framework` dist/zod/zod-helpers.js `zodValidator`), so an unknown parameter is a
400, not ignored. The names below are the schemas' keys, read from `@medusajs/medusa` 2.21.2
(testing/fixtures/medusa-2.21-source-notes.md has the file and line of each)."""

from __future__ import annotations

from typing import Any

Query = dict[str, list[str]]

#: createFindParams (dist/api/utils/validators.js): paging, `fields`, `order`, `with_deleted`.
_FIND = ("fields", "offset", "limit", "order", "with_deleted")
#: applyAndAndOrOperators (dist/api/utils/common-validators/common.js).
_AND_OR = ("$and", "$or")
_TIMES = ("created_at", "updated_at", "deleted_at")

LIST_PARAMS: dict[str, frozenset[str]] = {
    "/admin/api-keys": frozenset(
        (*_FIND, *_AND_OR, *_TIMES, "q", "id", "title", "token", "type", "revoked_at")
    ),
    "/admin/stock-locations": frozenset(
        (*_FIND, *_AND_OR, *_TIMES, "q", "id", "name", "address_id", "sales_channel_id")
    ),
    "/admin/shipping-options": frozenset(
        (
            *_FIND,
            *_TIMES,
            "id",
            "q",
            "service_zone_id",
            "shipping_profile_id",
            "provider_id",
            "stock_location_id",
            "is_return",
            "admin_only",
            "shipping_option_type_id",
        )
    ),
    # api/admin/notifications/validators.js:8-20 (2.21.2): find params (limit 50, order
    # -created_at) + q, id, channel, to, each also under $and/$or. No resource_id, no template.
    "/admin/notifications": frozenset((*_FIND, *_AND_OR, "q", "id", "channel", "to")),
    "/store/regions": frozenset((*_FIND, *_AND_OR, "q", "id", "currency_code", "name")),
    "/store/products": frozenset(
        (
            *_FIND,
            *_AND_OR,
            *_TIMES,
            "region_id",
            "country_code",
            "province",
            "cart_id",
            "sales_channel_id",
            "q",
            "id",
            "title",
            "handle",
            "is_giftcard",
            "category_id",
            "option_id",
            "option_value_id",
            "external_id",
            "collection_id",
            "tag_id",
            "type_id",
            "variants",
        )
    ),
}

#: Where Medusa 2.8.8 (the last 2.8.x) accepts less: api/admin/notifications/validators.js:8-19
#: there has q, id, channel (no `to`).
LIST_PARAMS_2_8: dict[str, frozenset[str]] = {
    **LIST_PARAMS,
    "/admin/notifications": frozenset((*_FIND, *_AND_OR, "q", "id", "channel")),
}

#: z.nativeEnum(ApiKeyType) on GET /admin/api-keys `type`.
API_KEY_TYPES = ("publishable", "secret")


def invalid(message: str) -> dict[str, Any]:
    """Medusa's body for a MedusaError INVALID_DATA raised by a validator (status 400)."""
    return {"type": "invalid_data", "message": f"Invalid request: {message}"}


def unrecognized(keys: list[str]) -> dict[str, Any]:
    """zod's unrecognized_keys issue as Medusa formats it: the names in ONE pair of quotes."""
    return invalid(f"Unrecognized fields: '{', '.join(keys)}'")


def query_problem(path: str, query: Query, version: str = "2.21") -> dict[str, Any] | None:
    """The 400 body Medusa (`version`: "2.21" or "2.8") answers for this list query, or None
    when it validates.

    A bracketed or dotted key (`created_at[$gte]`, `variants.options`) is judged by its
    top-level name, as express's qs and Medusa's normalizeQuery nest it."""
    allowed = (LIST_PARAMS_2_8 if version == "2.8" else LIST_PARAMS).get(path)
    if allowed is None:
        return None
    names = list(dict.fromkeys(k.split("[")[0].split(".")[0] for k in query))
    unknown = [k for k in names if k not in allowed]
    if unknown:
        return unrecognized(unknown)
    if path == "/admin/api-keys":
        for value in query.get("type", []):
            if value not in API_KEY_TYPES:
                return invalid(
                    f"Expected: '{', '.join(API_KEY_TYPES)}' for field 'type', but got: '{value}'"
                )
    return None


def select(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Medusa's `fields` on one record, as its FieldParser and remote query answer them: a name
    without a `+`/`-`/`*` prefix replaces the default fields, so only the named ones come back
    (with `id`); `*relation` is the whole relation, `relation.field` one field of it (relations
    keep their `id`); names the record does not have are ignored. Fields that only add (`+x`,
    `*rel`) keep the record as it is. (`@medusajs/framework` http/utils/get-query-config.js)"""
    if not any(not f.startswith(("+", "-", "*")) for f in fields):
        return record
    shown: dict[str, Any] = {"id": record["id"]} if "id" in record else {}
    for item in fields:
        whole = item.startswith("*")
        head, _, rest = item.lstrip("*+").partition(".")
        if head not in record or item.startswith("-"):
            continue
        value = record[head]
        if whole or not rest or not isinstance(value, dict | list):
            shown[head] = value
        elif isinstance(value, dict):
            shown[head] = _merge(shown.get(head), select(value, [rest]))
        else:
            old = shown.get(head) or [None] * len(value)
            shown[head] = [_merge(o, select(v, [rest])) for o, v in zip(old, value, strict=True)]
    return shown


def _merge(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    return {**old, **new} if isinstance(old, dict) else new
