"""The Stripe double's GET /v1/payment_intents and /v1/events: created[gte|gt|lte|lt], limit,
starting_after; events also types[], type and delivery_success (as stripe-mock's spec has them).
Newest first, as Stripe lists them."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from testing.stripe_data import Answer, Key, bad_limit, error, unknown

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
    "eq": operator.eq,
}

Objects = list[dict[str, Any]]


def list_objects(
    url: str, objects: Objects, key: Key, params: dict[str, Any], filters: set[str]
) -> Answer:
    """One page of `objects` (those of the key's mode) as Stripe lists them at `url`;
    `filters` names the parameters this list takes beyond the common ones."""
    allowed = {"created", "limit", "starting_after", "ending_before", "expand", *filters}
    extra = set(params) - allowed
    if extra:
        return unknown(sorted(extra)[0])
    if problem := bad_limit(params):
        return problem
    items = [o for o in objects if o["livemode"] == (key.mode == "live")]
    for narrow in (_created, _event_types, _delivered):
        narrowed = narrow(items, params)
        if isinstance(narrowed, tuple):
            return narrowed
        items = narrowed
    # newest first; ties by id, newest last-added first (Stripe's order)
    items = items[::-1]
    items.sort(key=lambda o: o["created"], reverse=True)
    return _page(url, items, params)


def _created(items: Objects, params: dict[str, Any]) -> Objects | Answer:
    created = params.get("created")
    bounds: dict[str, Any] = (
        created if isinstance(created, dict) else {} if created is None else {"eq": created}
    )
    for op, value in bounds.items():
        if op not in _COMPARE or not str(value).isdigit():
            return error(
                400,
                "invalid_request_error",
                f"Invalid created[{op}]: must be an integer timestamp",
                code="parameter_invalid_integer",
                param=f"created[{op}]",
            )
        items = [o for o in items if _COMPARE[op](o["created"], int(value))]
    return items


def _event_types(items: Objects, params: dict[str, Any]) -> Objects | Answer:
    types = params.get("types")
    if types is not None:
        if not isinstance(types, list) or len(types) > 20:
            return error(
                400,
                "invalid_request_error",
                "Invalid array: types must be an array of at most 20 event types",
                code="parameter_invalid_array",
                param="types",
            )
        items = [o for o in items if o["type"] in types]
    if "type" in params:
        items = [o for o in items if o["type"] == params["type"]]
    return items


def _delivered(items: Objects, params: dict[str, Any]) -> Objects | Answer:
    if "delivery_success" not in params:
        return items
    flag = params["delivery_success"]
    if flag not in ("true", "false"):
        return error(
            400,
            "invalid_request_error",
            "Invalid boolean: delivery_success",
            code="parameter_invalid_boolean",
            param="delivery_success",
        )
    return [o for o in items if o["_delivered"] == (flag == "true")]


def _page(url: str, items: Objects, params: dict[str, Any]) -> Answer:
    after = params.get("starting_after")
    if after:
        ids = [o["id"] for o in items]
        if after not in ids:
            kind = "payment_intent" if "intents" in url else "event"
            return error(
                404,
                "invalid_request_error",
                f"No such {kind}: '{after}'",
                code="resource_missing",
                param="starting_after",
            )
        items = items[ids.index(after) + 1 :]
    page = items[: int(params.get("limit", "10"))]
    return 200, {
        "object": "list",
        "url": url,
        "has_more": len(items) > len(page),
        "data": [{k: v for k, v in o.items() if not k.startswith("_")} for o in page],
    }
