"""JSON from peers as a type. What Medusa, Stripe and Chromium answer is taken as `JSON` once,
where the client parses it; the code above reads it through these accessors, which check each
value's shape. A value of the wrong shape is a gap to the readers (None, no items), never a
crash; where a shape is required, the client raises a PROTOCOL `NetworkError` naming it."""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

from storectl.errors import NetworkError
from storectl.model import Stage

#: What `json.loads` (and so httpx's `Response.json()`) can hand back.
JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
#: A JSON object: what every peer answer and every item of a peer's list is.
Object: TypeAlias = "dict[str, JSON]"


def obj(value: JSON) -> Object | None:
    """The object `value` is, or None for anything else."""
    return value if isinstance(value, dict) else None


def objects(value: JSON) -> list[Object]:
    """The objects of a list field; anything else (null, a string, a number) has none. The
    readers take peers' items through it: a field of the wrong type is a gap, never a crash."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def is_objects(value: JSON) -> TypeGuard[list[Object]]:
    """Whether `value` is a list of objects only (a page of a list, as the clients require)."""
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def text(value: JSON) -> str | None:
    """The string `value` is, or None for anything else."""
    return value if isinstance(value, str) else None


def texts(value: JSON) -> list[str]:
    """The strings of a list field (anything else in it, or a field of another type: none)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def number(value: JSON) -> int | float | None:
    """The number `value` is (a bool is not one), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def count(value: JSON) -> int | None:
    """A number of items: an int of at least 0 (a bool is not one), or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def dig(value: JSON, *keys: str) -> JSON:
    """The value at `keys` down nested objects, or None where one on the way is not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def whole(value: JSON) -> int:
    """`int(value or 0)` for a peer's number (an int, a float, or digits in a string); an
    object or a list raises TypeError and other text ValueError, as `int()` does: the callers'
    error boundaries classify them."""
    if not value:
        return 0
    if isinstance(value, dict | list):
        raise TypeError(f"int() argument must be a number or a string, not {type(value).__name__}")
    return int(value)


def member(data: Object, key: str, where: str) -> Object:
    """`data[key]`, an object the peer must send (`where`: the request that answered): missing,
    or of another shape, it is a PROTOCOL error naming the field."""
    found = data.get(key)
    if not isinstance(found, dict):
        raise _missing(key, found, where, "an object")
    return found


def present(data: Object, key: str, where: str) -> JSON:
    """`data[key]`, a value the peer must send (an id): missing or null, a PROTOCOL error."""
    found = data.get(key)
    if found is None:
        raise _missing(key, found, where, "a value")
    return found


def _missing(key: str, found: JSON, where: str, wanted: str) -> NetworkError:
    said = "no" if found is None else f"a {type(found).__name__} as"
    return NetworkError(
        Stage.PROTOCOL,
        f"{where} answered {said} `{key}` ({wanted} expected)",
        "is the URL a Medusa 2.x backend (not a proxy or another API)? See its log",
    )
