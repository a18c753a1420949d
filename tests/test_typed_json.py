"""Issue 22 D: `Any` only at SDK boundaries. What a peer answers is parsed once, by its client,
into `providers.shape.JSON`/`Object`; no module passes it around as `dict[str, Any]`."""

from __future__ import annotations

import re

from tests.conftest import REPO

#: A peer's JSON (or any mapping of it) typed as Any, in any of its spellings.
UNTYPED = re.compile(r"\b(?:dict|Mapping)\[str, Any\]|\blist\[Any\]")

#: Where a mapping of Any is still allowed, and why (not a peer's JSON).
ALLOWED = {
    "storectl/providers/redis.py": "redis-py's connection keywords and its pipeline's replies",
    "storectl/providers/s3_api.py": "botocore sessions (SDK objects)",
    "storectl/cli.py": "Typer's completion parameters (SDK objects)",
}


def test_no_module_passes_json_around_as_a_dict_of_any() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "storectl").rglob("*.py"))
        if str(path.relative_to(REPO)) not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNTYPED.search(line)
    ]
    assert not found, "type it as providers.shape.Object / JSON:\n" + "\n".join(found)


def test_every_allowance_is_still_needed() -> None:
    """An allowance whose file no longer needs it goes: the list stays the true one."""
    unused = [
        name for name in ALLOWED if not UNTYPED.search((REPO / name).read_text(encoding="utf-8"))
    ]
    assert not unused, f"no longer needed: {unused}"


def test_the_pattern_sees_each_spelling() -> None:
    """The check above can fail: each spelling it must catch is caught."""
    for text in ("x: dict[str, Any] = {}", "def f() -> list[Any]:", "m: Mapping[str, Any]"):
        assert UNTYPED.search(text), text
    assert not UNTYPED.search("x: dict[str, JSON] = {}")
