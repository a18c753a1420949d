"""Which stores a run covers: the fleet file `storectl.toml`, an ad-hoc fleet from repeatable
--project/--environment, and --store/--tag selection.

A bad fleet file is the user's mistake in one place, so it stops the run (exit 2) with the file
and line; a store whose own env is broken is only a failed store (see `run`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storectl.errors import ConfigError, UsageError

FLEET_FILE = "storectl.toml"
#: The keys a `[[store]]` table may hold, and the top-level keys of the file.
STORE_KEYS = ("name", "project", "env_files", "environment", "require", "tags")
TOP_KEYS = ("store",)
#: A store name, matched against the whole string (fullmatch: `$` would let "shop\n" pass).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Store:
    """One store of the run: where its configuration is, and how to select it."""

    name: str
    project: Path | None = None
    env_files: tuple[Path, ...] = ()
    environment: str | None = None
    require: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def _line_of(text: str, pattern: str, occurrence: int = 0) -> int | None:
    """The 1-based line of the `occurrence`-th match of `pattern` (a regex) in `text`."""
    regex = re.compile(pattern, re.MULTILINE)
    for index, match in enumerate(regex.finditer(text)):
        if index == occurrence:
            return text.count("\n", 0, match.start()) + 1
    return None


def _store_line(text: str, index: int) -> int | None:
    return _line_of(text, r"^\s*\[\[\s*store\s*\]\]", index)


def _key_line(text: str, key: str, start: int | None) -> int | None:
    """The line of `key = ` at or after line `start` (the store's table header)."""
    offset = 0
    if start is not None:
        offset = sum(len(line) + 1 for line in text.split("\n")[: start - 1])
    found = _line_of(text[offset:], rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    if found is None:
        return start
    return found + (start - 1 if start is not None else 0)


def _bad(path: Path, line: int | None, message: str, hint: str) -> ConfigError:
    where = f"{path}:{line}" if line is not None else str(path)
    return ConfigError(f"{where}: {message}", hint=hint)


def _strings(value: object, key: str, where: tuple[Path, int | None]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _bad(*where, f"{key} must be a string or a list of strings", f'write {key} = ["..."]')


def parse(text: str, path: Path, providers: Sequence[str]) -> list[Store]:
    """The stores of a fleet file's text; paths are relative to the file's folder."""
    tables = _tables(text, path)
    _check_keys(tables, text, path, providers)
    seen: dict[str, int | None] = {}
    return [
        _store(table, _store_line(text, index), text, path, providers, seen)
        for index, table in enumerate(tables)
    ]


def _tables(text: str, path: Path) -> list[dict[str, object]]:
    """The [[store]] tables of valid TOML that holds nothing else."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _syntax_line(str(exc))
        raise _bad(path, line, f"not valid TOML: {exc}", "fix the syntax on that line") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise _bad(
            path, None, "not valid TOML: nested too deeply to read", "flatten the nesting"
        ) from None
    for key in data:
        if key not in TOP_KEYS:
            raise _bad(
                path,
                _line_of(text, rf"^\s*\[?\[?\s*[\"']?{re.escape(key)}\b"),
                f"unknown key {key!r}",
                "a fleet file holds [[store]] tables only",
            )
    tables = data.get("store", [])
    if not isinstance(tables, list) or not tables:
        raise _bad(path, 1, "no stores", 'add one [[store]] table per store (name = "...")')
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise _bad(
                path,
                _line_of(text, r"^\s*store\b") or 1,
                f"store number {index + 1} is not a table",
                'write each store as a [[store]] table (name = "...")',
            )
    return tables


def _store(
    table: dict[str, object],
    start: int | None,
    text: str,
    path: Path,
    providers: Sequence[str],
    seen: dict[str, int | None],
) -> Store:
    """One [[store]] table starting at line `start`, checked key by key."""
    name = _store_name(table, start, text, path, seen)
    where = (path, start)
    folder, env_files = _location(table, name, start, text, path)
    environment = table.get("environment")
    if environment is not None and not isinstance(environment, str):
        raise _bad(*where, "environment must be a string", 'environment = "production"')
    require = _strings(table.get("require", []), "require", where)
    return Store(
        name=name,
        project=folder,
        env_files=env_files,
        environment=environment,
        require=require,
        tags=_strings(table.get("tags", []), "tags", where),
    )


def _guess(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_keys(
    tables: list[dict[str, object]], text: str, path: Path, providers: Sequence[str]
) -> None:
    """Every unknown key and every unknown provider in `require`, of every store, in one
    error (issue 21 D: a user fixes them all at once), each with its line and a suggestion."""
    bad: list[tuple[int | None, str]] = []
    for index, table in enumerate(tables):
        start = _store_line(text, index)
        for key in table:
            if key not in STORE_KEYS:
                line = _key_line(text, key, start)
                bad.append((line, f"unknown key {key!r} (line {line}{_guess(key, STORE_KEYS)})"))
        require = table.get("require", [])
        names = [require] if isinstance(require, str) else require
        if isinstance(names, list):
            line = _key_line(text, "require", start)
            for name in names:
                if isinstance(name, str) and name not in providers:
                    bad.append(
                        (
                            line,
                            f"unknown provider {name!r} in require (line {line}"
                            f"{_guess(name, providers)})",
                        )
                    )
    if bad:
        raise _bad(
            path,
            bad[0][0],
            "; ".join(message for _, message in bad),
            f"a store may have: {', '.join(STORE_KEYS)}; require names: {', '.join(providers)}",
        )


def _store_name(
    table: dict[str, object], start: int | None, text: str, path: Path, seen: dict[str, int | None]
) -> str:
    """The store's name: present, well-formed, and not used by an earlier store."""
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _bad(
            path,
            _key_line(text, "name", start) if name is not None else start,
            "every [[store]] needs a name: letters, digits, '.', '_' or '-'",
            'add name = "shop-eu"',
        )
    if name in seen:
        raise _bad(
            path,
            _key_line(text, "name", start),
            f"duplicate store name {name!r} (first at line {seen[name]})",
            "give every store its own name",
        )
    seen[name] = start
    return name


def _location(
    table: dict[str, object], name: str, start: int | None, text: str, path: Path
) -> tuple[Path | None, tuple[Path, ...]]:
    """(project folder, env files), relative to the fleet file: exactly one of them is given."""
    where = (path, start)
    base = path.parent
    project = table.get("project")
    if project is not None and not isinstance(project, str):
        raise _bad(*where, "project must be a string (a folder)", 'project = "shops/eu"')
    env_files = _strings(table.get("env_files", []), "env_files", where)
    if project is not None and env_files:
        raise _bad(*where, "give project or env_files, not both", "keep one of them")
    if project is None and not env_files:
        raise _bad(*where, f"store {name!r} has neither project nor env_files", "add one")
    folder = base / project if project is not None else None
    if folder is not None and not folder.is_dir():
        raise _bad(
            path,
            _key_line(text, "project", start),
            f"store {name!r}: project folder {folder} does not exist",
            "fix the path (relative to the fleet file's folder)",
        )
    return folder, tuple(base / item for item in env_files)


def _syntax_line(message: str) -> int | None:
    """tomllib before 3.14 has no `lineno`: its message ends `(at line N, column M)`."""
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


def read(path: Path, providers: Sequence[str]) -> list[Store]:
    """The stores of the fleet file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"fleet file {path} does not exist", hint="check --fleet") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read fleet file {path}: {exc}", hint="check --fleet") from None
    return parse(text, path, providers)


def ad_hoc(projects: Sequence[Path], environments: Sequence[str]) -> list[Store]:
    """Every --project × every --environment, named `folder` or `folder/environment`."""
    folders: list[Path | None] = list(projects) or [None]
    envs: list[str | None] = list(environments) or [None]
    stores = []
    for folder in folders:
        label = folder.name if folder is not None and folder.name else str(folder or ".")
        for environment in envs:
            name = label if len(envs) == 1 or environment is None else f"{label}/{environment}"
            if len(folders) == 1 and environment is not None and len(envs) > 1:
                name = environment
            stores.append(Store(name=name, project=folder, environment=environment))
    names = [s.name for s in stores]
    if len(set(names)) != len(names):
        stores = [
            Store(f"{s.name}#{i + 1}", s.project, s.env_files, s.environment)
            for i, s in enumerate(stores)
        ]
    return stores


def select(stores: Sequence[Store], names: Sequence[str], tags: Sequence[str]) -> list[Store]:
    """The stores named by --store or carrying a --tag (all when neither is given)."""
    wanted = [n for item in names for n in item.split(",") if n]
    known = {s.name for s in stores}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise UsageError(
            f"unknown store {', '.join(unknown)}", hint=f"choose from: {', '.join(sorted(known))}"
        )
    chosen = [
        s
        for s in stores
        if (not wanted and not tags) or s.name in wanted or set(s.tags) & set(tags)
    ]
    if not chosen:
        raise UsageError(
            f"no store has tag {', '.join(tags)}",
            hint="tags in the fleet file: "
            + (", ".join(sorted({t for s in stores for t in s.tags})) or "none"),
        )
    return chosen
