"""Issue 21 D: one JSON shape. Every command's real `--format json` output validates against
its JSON Schema in docs/schemas/ (each opens with the envelope: schema_version, command, ok),
and a fleet run's document follows where the stores came from, not how many matched."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Result, run

SCHEMAS = REPO / "docs" / "schemas"

#: (schema file, argv) for every command; `{store}` is the README's demo store.
COMMANDS: list[tuple[str, list[str]]] = [
    ("status", ["status", "--project", "{store}"]),
    ("doctor", ["doctor", "--project", "{store}", "--timeout", "30"]),
    ("fleet", ["doctor", "--fleet", "storectl.toml", "--tag", "prod", "--timeout", "30"]),
    ("fleet", ["status", "--fleet", "storectl.toml"]),
    ("fleet", ["regions", "list", "--fleet", "storectl.toml", "--store", "shop"]),
    ("env", ["env", "--project", "{store}"]),
    ("webhooks-url", ["webhooks", "url", "--project", "{store}"]),
    ("webhooks-list", ["webhooks", "list", "--project", "{store}"]),
    ("webhooks-register", ["webhooks", "register", "--dry-run", "--project", "{store}"]),
    ("webhooks-test", ["webhooks", "test", "--project", "{store}"]),
    ("regions-list", ["regions", "list", "--project", "{store}"]),
    ("regions-change", ["regions", "enable-stripe", "--all", "--dry-run", "--project", "{store}"]),
    ("regions-change", ["regions", "disable-stripe", "--all", "--dry-run", "--project", "{store}"]),
    ("mail-templates", ["mail", "templates", "--project", "{store}"]),
    ("mail-test", ["mail", "test", "--to", "qa@example.com", "--project", "{store}"]),
    (
        "mail-preview",
        ["mail", "preview", "order.placed", "--sample", "--out", "{out}", "--project", "{store}"],
    ),
    (
        "mail-replay",
        [
            "mail",
            "replay",
            "order.placed",
            "--since",
            "30d",
            "--to",
            "qa@example.com",
            "--dry-run",
            "--project",
            "{store}",
        ],
    ),
    ("payments", ["payments", "--project", "{store}"]),
    ("error", ["status", "--project", "{store}/nowhere"]),
]


def _validator(name: str) -> Any:
    """A validator for docs/schemas/<name>.json, its $refs (the envelope) resolved locally."""
    import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extra
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry()
    for path in SCHEMAS.glob("*.json"):
        registry = registry.with_resource(
            path.name, Resource.from_contents(json.loads(path.read_text()))
        )
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _run(store: Path, argv: list[str]) -> Result:
    out = store.parent / "previews"
    args = [a.format(store=store, out=out) for a in argv]
    return run(*args, "--format", "json", env={"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]})


@pytest.mark.parametrize(("schema", "argv"), COMMANDS, ids=[" ".join(a[:2]) for _, a in COMMANDS])
def test_every_command_output_validates(
    demo_store: Path,
    schema: str,
    argv: list[str],
) -> None:
    result = _run(demo_store, argv)
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    errors = sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    assert document["command"] == " ".join(a for a in argv[:2] if not a.startswith("-"))
    assert document["ok"] is (result.exit_code == 0)


def test_every_schema_is_used_and_links_the_envelope() -> None:
    used = {name for name, _ in COMMANDS} | {"envelope"}
    assert {p.stem for p in SCHEMAS.glob("*.json")} == used
    for name in used - {"envelope"}:
        assert "envelope.json" in (SCHEMAS / f"{name}.json").read_text()


def test_a_tag_matching_one_store_is_still_the_fleet_document(
    demo_store: Path,
) -> None:
    one = _run(demo_store, ["status", "--fleet", "storectl.toml", "--tag", "prod"]).json()
    two = _run(demo_store, ["status", "--fleet", "storectl.toml", "--tag", "eu"]).json()
    assert [s["name"] for s in one["stores"]] == ["shop"]
    assert [s["name"] for s in two["stores"]] == ["shop", "shop-staging"]
    assert set(one) == set(two)
