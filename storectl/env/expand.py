"""The backend's view of its env files: Medusa 2.21 ``loadEnv`` (``@medusajs/utils``
``common/load-env.js``).

Files: ``.env.$NODE_ENV`` then ``.env`` when NODE_ENV is staging, production or test, else only
``.env`` (see `backend_files`). ``dotenv@16.6.1`` ``config({path: [...]})`` parses each file;
within a file the later line wins, across files the first file wins, and a name already in the
process environment is never overwritten. Then ``dotenv-expand@11.0.7`` ``expand`` rewrites every
parsed value (the process environment is consulted first) and writes the result into
``process.env``. ``loadEnv`` wraps both in ``try {} catch {}``: when expansion throws (a reference
cycle overflows the stack, a value outgrows V8's string limit, a reference names a property of
``Object.prototype``), the process keeps every raw, unexpanded value.

Expansion never recurses in Python (an explicit stack), and a value that grows past
`grammar.MAX_VALUE` characters stops it with a problem: node would run out of stack or memory,
which for the backend means raw values, the outcome we report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from storectl.env.grammar import (
    _ESCAPED_DOLLAR,
    _SUBST11,
    MAX_VALUE,
    Binding,
    IgnoredLine,
    JSError,
    LoadResult,
    Parsed,
    Problem,
    Variable,
    _env_value,
    _js_order,
    _lookup,
    _to_object,
    _too_long,
    file_problems,
    parse_source,
)

__all__ = ["backend_files", "load_files"]

# Where node 20 (default --stack-size) overflows: nested interpolate() calls of dotenv-expand 11
# (measured; node's limit shifts a little with its version and flags, so a chain this deep is
# only approximately judged).
_MAX_DEPTH11 = 2000


# ---------------------------------------------------------------------------------------------
# Backend: Medusa loadEnv = dotenv 16.6.1 config({path}) + dotenv-expand 11.0.7 expand


def backend_files(node_env: str | None) -> list[str]:
    """The files Medusa's ``loadEnv(NODE_ENV, dir)`` asks dotenv for, in order."""
    if node_env in ("staging", "production", "test"):
        return [f".env.{node_env}", ".env"]
    return [".env"]


def load_files(
    texts: Sequence[tuple[str, str | Parsed]], process_env: Mapping[str, str]
) -> LoadResult:
    """The backend's view after ``loadEnv``: ``texts`` are (file name, decoded text) of the files
    that exist, in `backend_files` order; ``process_env`` the environment it starts with."""
    env = dict(process_env)
    merged: dict[str, tuple[str, Binding]] = {}
    per_file: dict[str, list[Binding]] = {}
    ignored: dict[str, list[IgnoredLine]] = {}
    problems: list[Problem] = []
    for name, text in texts:
        bindings, skipped = parse_source(text)
        per_file[name] = bindings
        ignored[name] = skipped
        problems.extend(file_problems(name, bindings, skipped))
        for key, b in _to_object(bindings).items():
            merged.setdefault(key, (name, b))
    order = _js_order(merged)
    parsed = {k: merged[k][1].value for k in order}
    for k in order:  # dotenv's populate: never override
        if k not in env:
            env[k] = _env_value(k, parsed[k])
    raw_env = dict(env)
    expanded = True
    try:
        for k in order:
            if env[k] == parsed[k]:
                value = _interpolate11(parsed[k], env, parsed)
            else:
                value = env[k]
            parsed[k] = _ESCAPED_DOLLAR.sub("$", value)
        for k in order:
            env[k] = _env_value(k, parsed[k])
    except JSError as e:
        env = raw_env
        expanded = False
        where = merged.get(e.name or "")
        problems.append(
            Problem(
                e.code,
                str(e),
                where[0] if where else None,
                where[1].line if where else None,
                e.name,
            ),
        )
    variables: dict[str, Variable] = {}
    for k, v in env.items():
        if k in merged and k not in process_env:
            file, b = merged[k]
            variables[k] = Variable(k, v, "file", file, b.line, b.value)
        else:
            variables[k] = Variable(k, v, "environment")
    return LoadResult(env, variables, per_file, ignored, problems, expanded)


class _Frame:
    """One pending ``interpolate(value)`` call of the emulated stack."""

    __slots__ = ("value", "matches", "i", "parts", "length")

    def __init__(self, value: str) -> None:
        self.value = value
        self.matches = list(_SUBST11.finditer(value))
        self.i = 0
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
        if self.length > MAX_VALUE:
            raise _too_long()


def _interpolate11(value: str, env: Mapping[str, str], parsed: Mapping[str, str]) -> str:
    """dotenv-expand 11 ``interpolate``, with an explicit stack instead of recursion.

    Within one top-level call the environment and parsed values are fixed, so a result is a
    function of the value alone: memoised, and a value met again on the stack is a cycle.
    """
    if "$" not in value:
        return value
    memo: dict[str, str] = {}
    stack = [_Frame(value)]
    on_stack = {value}
    while True:
        f = stack[-1]
        if f.i == len(f.matches):
            f.add(f.value[f.matches[-1].end() :] if f.matches else f.value)
            out = "".join(f.parts)
            stack.pop()
            on_stack.discard(f.value)
            memo[f.value] = out
            if not stack:
                return out
            stack[-1].add(out)
            continue
        m = f.matches[f.i]
        f.add(f.value[f.matches[f.i - 1].end() if f.i else 0 : m.start()])
        f.i += 1
        sub = _replacement11(m, f.value, env, parsed)
        if isinstance(sub, str):
            f.add(sub)
        elif sub[0] in memo:
            f.add(memo[sub[0]])
        elif sub[0] in on_stack:
            raise JSError(
                "cycle",
                "a reference cycle: dotenv-expand overflows its stack and Medusa keeps every "
                "value unexpanded",
                m.group(4),
            )
        elif len(stack) >= _MAX_DEPTH11:
            raise JSError(
                "overflow",
                f"references nest over {_MAX_DEPTH11} deep: node's stack overflows and Medusa "
                "keeps every value unexpanded",
                m.group(4),
            )
        else:
            on_stack.add(sub[0])
            stack.append(_Frame(sub[0]))


def _replacement11(
    m: re.Match[str], value: str, env: Mapping[str, str], parsed: Mapping[str, str]
) -> str | tuple[str]:
    """The callback of dotenv-expand 11's ``value.replace``: a string, or (value,) to expand."""
    if m.group(1) == "\\":
        return m.group(0)[1:]
    key = m.group(4)
    ev = _lookup(env, key)
    if ev:
        if ev == parsed.get(key):
            return ev
        return (ev,)
    pv = _lookup(parsed, key)
    if pv and pv != value:
        return (pv,)
    default = m.group(5)
    if default:
        return (default,) if default.startswith("$") else default
    return ""
