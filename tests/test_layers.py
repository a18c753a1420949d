"""Every import under storectl/ follows the written layer map (docs/ARCHITECTURE.md), with no
circles: module level, inside functions and under TYPE_CHECKING alike."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import REPO

#: Room -> the rooms it may import (besides itself). Arrows point down only:
#: commands -> capabilities -> providers -> env -> redact/net/fsutil -> errors -> model.
#: `storectl` is the package root (its version string); `output` sits beside redact.
LOW = frozenset({"storectl.model", "storectl.errors"})
BASE = LOW | {"storectl.redact", "storectl.fsutil", "storectl.net", "storectl", "storectl.since"}
GUARD = BASE | {"storectl.env", "storectl.providers", "storectl.output"}
#: Capabilities may ask the guard (storectl/guard.py) before touching a real store.
CAPABILITY = GUARD | {"storectl.guard"}
LAYERS: Mapping[str, frozenset[str]] = {
    "storectl": frozenset(),
    "storectl.model": frozenset(),
    "storectl.errors": frozenset({"storectl.model"}),
    "storectl.redact": LOW,
    "storectl.fsutil": LOW,
    "storectl.since": LOW,
    "storectl.net": LOW,
    "storectl.output": LOW | {"storectl.redact", "storectl.fsutil"},
    "storectl.env": BASE,
    "storectl.providers": BASE | {"storectl.env"},
    "storectl.status": CAPABILITY,
    "storectl.doctor": CAPABILITY,
    "storectl.webhooks": CAPABILITY,
    "storectl.regions": CAPABILITY,
    "storectl.mail": CAPABILITY,
    "storectl.payments": CAPABILITY,
    "storectl.catalog": CAPABILITY,
    "storectl.smoke": CAPABILITY,
    "storectl.fleet": CAPABILITY,
    "storectl.variables": CAPABILITY,
    "storectl.guard": GUARD,
    "storectl.config": BASE | {"storectl.env", "storectl.providers"},
    "storectl.commands": CAPABILITY
    | {
        "storectl.config",
        "storectl.status",
        "storectl.doctor",
        "storectl.webhooks",
        "storectl.regions",
        "storectl.mail",
        "storectl.payments",
        "storectl.catalog",
        "storectl.smoke",
        "storectl.fleet",
        "storectl.variables",
    },
    "storectl.cli": BASE | {"storectl.output", "storectl.commands"},
    "storectl.__main__": frozenset({"storectl.cli"}),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room(module: str) -> str:
    """The longest key of LAYERS that is the module or a package holding it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in LAYERS:
            return candidate
    raise KeyError(f"{module} is in no room of the layer map: add it to LAYERS")


def imports(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, imported storectl module) for every import statement, wherever it stands."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from storectl.providers import stripe` may name a submodule: resolved later
                yield node.lineno, f"{base}.{alias.name}"


def violations(files: Mapping[str, tuple[str, bool]]) -> list[str]:
    """Every import that breaks the layer map, and every circle between modules."""
    found: dict[str, None] = {}  # ordered, one line per import statement
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in files.items():
        here = room(module)
        for line, name in imports(source, module, is_package):
            if not (name == "storectl" or name.startswith("storectl.")):
                continue
            # `from a.b import c`: the submodule a.b.c when there is one, else a.b itself
            target = name if name in files or name in LAYERS else name.rpartition(".")[0]
            there = room(target)
            graph.setdefault(module, set()).add(target if target in files else there)
            if there != here and there not in LAYERS[here]:
                found[f"{module}:{line} imports {target} ({here} -> {there})"] = None
    return [*found, *(f"import circle: {' -> '.join(c)}" for c in circles(graph))]


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target == node:
                continue
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def package_files(root: Path) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, root): (path.read_text(), path.name == "__init__.py")
        for path in sorted((root / "storectl").rglob("*.py"))
    }


def test_every_import_follows_the_layer_map() -> None:
    files = package_files(REPO)
    assert len(files) > 30  # the walk found the package
    assert violations(files) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("storectl.model", "from storectl.providers import registry\n", "storectl.providers"),
        ("storectl.env.loader", "def f():\n    from storectl.doctor import runner\n", "doctor"),
        (
            "storectl.output.json",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from storectl.commands._options import StatusFormat\n",
            "storectl.commands",
        ),
        ("storectl.errors", "from storectl import env\n", "storectl.env"),
    ],
)
def test_an_upward_import_fails(module: str, source: str, expected: str) -> None:
    """The checker is not vacuous: an upward import anywhere in a module is reported."""
    files = package_files(REPO)
    files[module] = (source, False)
    found = violations(files)
    assert any(module in v and expected in v for v in found), found


def test_a_circle_inside_a_room_fails() -> None:
    files = package_files(REPO)
    files["storectl.providers.a"] = ("from storectl.providers import b\n", False)
    files["storectl.providers.b"] = ("def f():\n    from storectl.providers import a\n", False)
    found = violations(files)
    assert any(v.startswith("import circle") and "storectl.providers.a" in v for v in found)


def test_a_module_outside_the_map_fails() -> None:
    with pytest.raises(KeyError, match="no room"):
        room("storectl_extra.thing")


#: Rooms below providers/: they may be told what a provider declares, never know it themselves.
BELOW_PROVIDERS = ("redact", "env", "net", "output", "fsutil.py", "model.py", "errors.py")


def _code_strings(source: str) -> Iterator[str]:
    """Every string constant of a module but its docstrings (examples there are prose)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


def test_lower_rooms_name_no_provider_variable() -> None:
    """Knowledge lives with its owner: a provider declares its variables (which are secret,
    which travel as a user and password); redact/, env/, net/ and output/ are told, and name
    none of them (redact/ once listed the credential pairs of three providers)."""
    import re

    from storectl.providers.registry import PROVIDERS

    names = {v.name for p in PROVIDERS for v in p.env_vars} | {p.activation for p in PROVIDERS}
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b")
    found = []
    for room in BELOW_PROVIDERS:
        base = REPO / "storectl" / room
        for path in [base] if base.suffix else sorted(base.rglob("*.py")):
            for text in _code_strings(path.read_text()):
                if pattern.search(text):
                    found.append(f"{path.relative_to(REPO)}: {text[:60]!r}")
    assert found == []


#: A function body's most lines (issue 22 B: files sized by concept, functions kept short).
MAX_BODY_LINES = 60


def _long_bodies(source: str) -> list[tuple[str, int]]:
    """(name, lines) of each function whose body, docstring aside, is longer than the cap;
    a declaration (a body that is one `return` of a literal) is exempt."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = node.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        if not body:
            continue
        literal = ast.Dict | ast.List | ast.Tuple | ast.Set
        if (
            len(body) == 1
            and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, literal)
        ):
            continue
        lines = (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1
        if lines > MAX_BODY_LINES:
            found.append((node.name, lines))
    return found


def test_function_bodies_stay_short() -> None:
    offenders = [
        f"{path.relative_to(REPO)}: {name} ({lines} lines)"
        for path in sorted((REPO / "storectl").rglob("*.py"))
        for name, lines in _long_bodies(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"bodies over {MAX_BODY_LINES} lines: " + "; ".join(offenders)


def test_a_long_body_is_seen_and_a_declaration_is_not() -> None:
    step = "    x = 1\n"
    long = f'def f():\n    """Why."""\n{step * (MAX_BODY_LINES + 1)}'
    table = "def g():\n    return {\n" + '        "k": 1,\n' * (MAX_BODY_LINES + 1) + "    }\n"
    assert _long_bodies(long) == [("f", MAX_BODY_LINES + 1)]
    assert _long_bodies(table) == []
