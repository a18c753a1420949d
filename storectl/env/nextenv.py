"""The storefront's view of its env files: Next.js ``@next/env`` ``loadEnvConfig`` (14.x-16.x),
which bundles ``dotenv@16.3.1`` and ``dotenv-expand@10.0.0``.

    Files: ``.env.$mode.local``, ``.env.local`` (not in test), ``.env.$mode``, ``.env``; mode is
    "test" whenever NODE_ENV=test. Differences from the backend:

    * the grammar is the same (16.3.1 and 16.6.1 share the line regex and the unquoting);
    * each file is parsed and expanded on its own, in order, against the live process
      environment, which the previous files already updated: a reference resolves to a variable of
      an earlier file, but not to one of a later file;
    * dotenv-expand 10 substitutes from the last ``$`` backwards, tries the process environment,
      then the ``:-default``, then the same file; ``$NAME}`` swallows a stray ``}``; the default
      stops at ``\\`` and ``}``; names are ``\\w+`` (no dots); the replacement goes through
      ``String.replace``, so ``$$``, ``$&``, ``$``` and ``$'`` inside a referenced value are
      rewritten (``pa$$word`` reads back as ``pa$word``);
    * a name both in a file and in the process environment gets the *expansion* of the
      environment's value written back into ``process.env``;
    * an expansion error (``A=$A`` recurses forever) skips that one file, logged, instead of
      dropping expansion for all files;
    * ``__NEXT_PROCESSED_ENV`` set in the environment means no file is read at all, and the
      loader sets it to "true".

The one deliberate difference from node: a value that grows past `MAX_VALUE` characters stops
expansion with a problem (node would run out of memory: the file is skipped, as we report).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from storectl.env.grammar import (
    _ESCAPED_DOLLAR,
    _JS_PROTO,
    MAX_VALUE,
    Binding,
    IgnoredLine,
    JSError,
    NextResult,
    Parsed,
    Problem,
    Variable,
    _env_value,
    _lookup,
    _to_object,
    _too_long,
    decode,
    file_problems,
    parse_source,
)

__all__ = ["NEXT_DEFAULT_VERSION", "next_env", "next_files", "next_load", "next_version"]

#: In the reversed text: a `$` not followed by a backslash (not preceded by one, read forward).
_UNESCAPED_REVERSED = re.compile(r"\$(?!\\)")
_SUBST10 = re.compile(r"((?<!\\)\$\{?([A-Za-z0-9_]+)(?::-([^}\\]*))?\}?)")
# Where node 20 (default --stack-size) overflows: nested interpolate() calls of dotenv-expand 11,
# replacements of dotenv-expand 10's tail recursion (measured; node's limit shifts a little with
# its version and flags, so a chain this deep is only approximately judged).
_MAX_STEPS10 = 4311

NEXT_DEFAULT_VERSION = "15.5.29"


def next_version(storefront: Path) -> tuple[str, Problem | None]:
    """The ``next`` version range the storefront declares (package.json), else current 15.x."""
    try:
        import json  # here: only a storefront with a package.json pays for it (start-up)

        pkg = json.loads((storefront / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NEXT_DEFAULT_VERSION, None
    spec = None
    if isinstance(pkg, dict):
        for section in ("dependencies", "devDependencies"):
            deps = pkg.get(section)
            if isinstance(deps, dict) and isinstance(deps.get("next"), str):
                spec = deps["next"]
                break
    if spec is None:
        return NEXT_DEFAULT_VERSION, None
    m = re.search(r"\d+", spec)
    if m and 14 <= int(m.group()) <= 16:
        return spec, None
    return spec, Problem(
        "next-version",
        f"next {spec}: only the loader of Next.js 14-16 (dotenv 16.3.1, dotenv-expand 10) is "
        "modelled; values are read as Next.js 15 would",
        "package.json",
    )


def next_files(mode: str, process_env: Mapping[str, str]) -> tuple[str, list[str]]:
    """The mode @next/env uses and its files, most important first."""
    if process_env.get("NODE_ENV") == "test":
        mode = "test"
    names = [f".env.{mode}.local", ".env.local", f".env.{mode}", ".env"]
    if mode == "test":
        names.remove(".env.local")
    return mode, names


def next_env(storefront: Path, mode: str, process_env: Mapping[str, str]) -> NextResult:
    """What ``next dev`` (mode "development") or ``next build``/``start`` ("production") sees in
    the storefront folder, starting from ``process_env``."""
    version, vproblem = next_version(storefront)
    mode, names = next_files(mode, process_env)
    texts: list[tuple[str, str]] = []
    for n in names:
        path = storefront / n
        if path.is_file():
            texts.append((n, decode(path.read_bytes())))
    result = next_load(texts, process_env)
    result.version = version
    result.mode = mode
    if vproblem:
        result.problems.insert(0, vproblem)
    return result


def next_load(
    texts: Sequence[tuple[str, str | Parsed]], process_env: Mapping[str, str]
) -> NextResult:
    """@next/env's ``processEnv`` on the given (name, text) files, in order."""
    initial = dict(process_env)
    per_file: dict[str, list[Binding]] = {}
    ignored: dict[str, list[IgnoredLine]] = {}
    problems: list[Problem] = []
    files = [n for n, _ in texts]
    if initial.get("__NEXT_PROCESSED_ENV") or not texts:
        variables = {k: Variable(k, v, "environment") for k, v in initial.items()}
        if texts:
            problems.append(
                Problem(
                    "next-processed",
                    "__NEXT_PROCESSED_ENV is set: Next.js reads no env file",
                )
            )
        return NextResult(
            files, initial, variables, NEXT_DEFAULT_VERSION, "", per_file, ignored, problems
        )
    env = dict(initial)
    env["__NEXT_PROCESSED_ENV"] = "true"
    added: dict[str, tuple[str, Binding, str]] = {}
    for name, text in texts:
        bindings, skipped = parse_source(text)
        per_file[name] = bindings
        ignored[name] = skipped
        problems.extend(file_problems(name, bindings, skipped))
        obj = _to_object(bindings)
        expanded = _expand_file(name, obj, env, problems)
        if expanded is None:
            continue
        for k in expanded:
            env[k] = _env_value(k, expanded[k])
        for k, v in expanded.items():
            if k not in added and k not in initial and k not in _JS_PROTO:
                added[k] = (name, obj[k], v)
    for k, (_, _, v) in added.items():
        env[k] = _env_value(k, v)
    variables = {
        k: Variable(k, v, "file", added[k][0], added[k][1].line, added[k][1].value)
        if k in added
        else Variable(k, v, "environment")
        for k, v in env.items()
    }
    return NextResult(files, env, variables, NEXT_DEFAULT_VERSION, "", per_file, ignored, problems)


def _expand_file(
    name: str, obj: Mapping[str, Binding], env: Mapping[str, str], problems: list[Problem]
) -> dict[str, str] | None:
    """One file's values expanded by dotenv-expand 10, or None (a problem recorded) when the
    expansion throws: Next.js then skips the whole file."""
    parsed = {k: b.value for k, b in obj.items()}
    try:
        expanded = dict(parsed)
        for k in parsed:
            r = env[k] if k in env else expanded[k]
            expanded[k] = _ESCAPED_DOLLAR.sub("$", _interpolate10(r, env, expanded))
    except JSError as e:
        b = obj.get(e.name or "")
        problems.append(
            Problem(
                e.code,
                f"{e} - Next.js logs 'Failed to load env from {name}' and skips the file",
                name,
                b.line if b else None,
                e.name,
            )
        )
        return None
    return expanded


def _last_dollar(e: str) -> int:
    """dotenv-expand 10's `lastIndexOf('$')` loop: the last `$` not right after a backslash
    (one at the very start counts), or -1. A run of escaped ones is skipped in one search of the
    reversed text, not one `rfind` each (a value full of `\\$` made that quadratic)."""
    last = e.rfind("$")
    if last <= 0 or e[last - 1] != "\\":
        return last
    found = _UNESCAPED_REVERSED.search(e[last - 2 :: -1]) if last >= 2 else None
    return -1 if found is None else last - 2 - found.start()


def _interpolate10(value: str, env: Mapping[str, str], parsed: Mapping[str, str]) -> str:
    """dotenv-expand 10 ``_interpolate`` (tail recursion) as a loop; a value met again means
    node would recurse until its stack overflows."""
    seen: set[tuple[int, int]] = set()  # (hash, length): the strings themselves cost memory
    e = value
    steps = 0
    while True:
        last = _last_dollar(e)
        if last == -1:
            return e
        found = _SUBST10.search(e, last)
        if found is None:
            return e
        whole, key, default = found.group(1), found.group(2), found.group(3)
        repl = _lookup(env, key) or default or _lookup(parsed, key) or ""
        at = e.find(whole)
        e = e[:at] + _js_substitution(repl, e, at, whole) + e[at + len(whole) :]
        steps += 1
        mark = (hash(e), len(e))
        if mark in seen:
            raise JSError(
                "cycle",
                "a reference to itself: dotenv-expand 10 recurses until the stack overflows",
                key,
            )
        if steps > _MAX_STEPS10:
            raise JSError(
                "overflow",
                f"over {_MAX_STEPS10} substitutions in one value: node's stack overflows",
                key,
            )
        if len(e) > MAX_VALUE:
            raise _too_long()
        seen.add(mark)


def _js_substitution(repl: str, subject: str, at: int, matched: str) -> str:
    """``String.prototype.replace``'s GetSubstitution for a string pattern (no captures)."""
    if "$" not in repl:
        return repl
    out: list[str] = []
    i = 0
    n = len(repl)
    while i < n:
        c = repl[i]
        if c == "$" and i + 1 < n:
            d = repl[i + 1]
            if d == "$":
                out.append("$")
                i += 2
                continue
            if d == "&":
                out.append(matched)
                i += 2
                continue
            if d == "`":
                out.append(subject[:at])
                i += 2
                continue
            if d == "'":
                out.append(subject[at + len(matched) :])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)
