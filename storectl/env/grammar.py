"""Read env files exactly as the store's own node processes do (issue 15).

Pure functions, no I/O except `next_env` (which reads the storefront's files) and no imports from
storectl, so the loader can be rebuilt around it. Three readers are modelled from their code:

Backend (Medusa 2.21 ``loadEnv`` in ``@medusajs/utils`` ``common/load-env.js``)
    Files: ``.env.$NODE_ENV`` then ``.env`` when NODE_ENV is staging, production or test, else
    only ``.env`` (see `backend_files`). ``dotenv@16.6.1`` ``config({path: [...]})`` parses each
    file; within a file the later line wins, across files the first file wins, and a name already
    in the process environment is never overwritten. Then ``dotenv-expand@11.0.7`` ``expand``
    rewrites every parsed value (the process environment is consulted first) and writes the result
    into ``process.env``. ``loadEnv`` wraps both in ``try {} catch {}``: when expansion throws (a
    reference cycle overflows the stack, a value outgrows V8's string limit, a reference names a
    property of ``Object.prototype``), the process keeps every raw, unexpanded value.

Storefront (Next.js ``@next/env`` 14.x-16.x; it bundles ``dotenv@16.3.1``, ``dotenv-expand@10.0.0``)
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

The one deliberate difference from node: expansion never recurses in Python and a value that
grows past `MAX_VALUE` characters stops it with a problem (node would run out of stack or
memory, which for the backend means raw values and for the storefront a skipped file: we
report the same outcome).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MAX_VALUE",
    "Binding",
    "IgnoredLine",
    "LoadResult",
    "NextResult",
    "Problem",
    "Variable",
    "backend_files",
    "decode",
    "load_files",
    "next_env",
    "next_files",
    "next_version",
    "parse",
    "parse_file",
    "quote_value",
]

MAX_VALUE = 64 * 1024
"""Characters one value may reach while expanding before we stop (node has no such limit)."""

# JavaScript's \s (WhiteSpace + LineTerminator), \w (ASCII only without the u flag), the line
# terminators that `^`, `$` and `.` know in multiline mode. Python's own classes differ
# (\x1c-\x1f and \x85 are \s in Python, \ufeff is not; \w is Unicode), hence spelled out.
_JS_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_WS_CHARS = (
    "\t\n\x0b\x0c\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029"
    "\u202f\u205f\u3000\ufeff"
)
_S = f"[{_JS_WS}]"
_LT = "\n\r\u2028\u2029"
_BOL = f"(?<![^{_LT}])"
_EOL = f"(?![^{_LT}])"
_DOT = f"[^{_LT}]"

# dotenv 16.x lib/main.js LINE, term for term:
# (?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"
#   |\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)   with flags mg
_LINE = re.compile(
    rf"{_BOL}{_S}*(?:export{_S}+)?(?P<key>[A-Za-z0-9_.-]+)(?P<sep>{_S}*={_S}*?|:{_S}+?)"
    rf"(?P<value>(?P<quoted>{_S}*'(?:\\'|[^'])*'|{_S}*\"(?:\\\"|[^\"])*\"|{_S}*`(?:\\`|[^`])*`)"
    rf"|(?P<bare>[^#\r\n]+))?{_S}*(?:#{_DOT}*)?{_EOL}"
)
_UNQUOTE = re.compile(rf"{_BOL}(['\"`])([\s\S]*)\1{_EOL}")
_NEWLINES = re.compile(r"\r\n?")

# dotenv-expand 11.0.7 DOTENV_SUBSTITUTION_REGEX (flags gi; i changes nothing here).
_SUBST11 = re.compile(
    r"(\\)?(\$)(?!\()(\{?)([A-Za-z0-9_.]+)"
    r"(?::?-((?:\$\{(?:\$\{(?:\$\{[^}]*\}|[^}])*}|[^}])*}|[^}])+))?(\}?)"
)
# dotenv-expand 10.0.0 (bundled by @next/env): last unescaped $, then one reference.
_SUBST10 = re.compile(r"((?<!\\)\$\{?([A-Za-z0-9_]+)(?::-([^}\\]*))?\}?)")
_ESCAPED_DOLLAR = re.compile(r"\\\$")

# Names every plain JS object inherits: `parsed[name]` is then a function, not undefined.
_JS_PROTO = frozenset(
    "constructor __defineGetter__ __defineSetter__ hasOwnProperty __lookupGetter__"
    " __lookupSetter__ isPrototypeOf propertyIsEnumerable toString valueOf __proto__"
    " toLocaleString".split()
)
# Where node 20 (default --stack-size) overflows: nested interpolate() calls of dotenv-expand 11,
# replacements of dotenv-expand 10's tail recursion (measured; node's limit shifts a little with
# its version and flags, so a chain this deep is only approximately judged).
_MAX_DEPTH11 = 2000
_MAX_STEPS10 = 4311


@dataclass(frozen=True, slots=True)
class Binding:
    """One ``KEY=value`` dotenv recognised: its value before expansion and where it came from.

    ``quote`` is the quote that enclosed the value ("'", '"', "`" or "" when bare); ``notes`` name
    the surprising readings (see `NOTES`).
    """

    name: str
    value: str
    line: int
    quote: str
    notes: tuple[str, ...] = ()


NOTES = {
    "hash-cut": "a bare value stops at '#', even without a space before it: quote the value",
    "empty-before-hash": "'#' right after '=' starts a comment: the value is empty; quote it",
    "unterminated-quote": "the opening quote is never closed on this line: it is kept as part "
    "of the value; close the quote",
    "text-after-quote": "text follows the closing quote, so the quotes stay in the value; "
    "quote the whole value",
    "key-continued": "the name and its '=' are on different lines: dotenv joins them; put "
    "NAME=value on one line",
    "value-next-line": "the value was taken from the next line; put the value on the line of "
    "its name (or quote an empty value: NAME='')",
    "colon": "'NAME: value' is read as NAME=value by dotenv 16; write NAME=value",
    "single-quoted-dollar": "'$' is expanded even inside single quotes (dotenv-expand does not "
    "see quotes); escape it as \\$",
    "escaped-quote-kept": "a backslash before a quote is kept in the value (dotenv does not "
    "unescape quotes); use another quote character",
    "proto-name": "this name is a property of every JavaScript object: dotenv drops it",
}


@dataclass(frozen=True, slots=True)
class IgnoredLine:
    """A non-blank, non-comment line that no binding covers: node silently skips it."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the loader should report: a code, where, and the fix."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Variable:
    """A variable of the final process environment and where its value came from."""

    name: str
    value: str
    source: str  # "file" or "environment"
    file: str | None = None
    line: int | None = None
    raw: str | None = None  # the file's value before expansion


@dataclass
class LoadResult:
    """What the backend process would see after Medusa's ``loadEnv``."""

    env: dict[str, str]  # the whole process environment afterwards
    variables: dict[str, Variable]  # every name, with its source
    bindings: dict[str, list[Binding]]  # per file, in file order
    ignored: dict[str, list[IgnoredLine]]
    problems: list[Problem] = field(default_factory=list)
    expanded: bool = True  # False: expansion threw and every value stayed raw


@dataclass
class NextResult:
    """What a Next.js process would see after ``loadEnvConfig``."""

    files: list[str]  # the files read, in order (names relative to the storefront)
    env: dict[str, str]
    variables: dict[str, Variable]
    version: str
    mode: str
    bindings: dict[str, list[Binding]]
    ignored: dict[str, list[IgnoredLine]]
    problems: list[Problem] = field(default_factory=list)


class _JSError(Exception):
    """Stands for what node would throw (stack overflow, TypeError, string too long)."""

    def __init__(self, code: str, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.name = name


# ---------------------------------------------------------------------------------------------
# Grammar


def decode(data: bytes) -> str:
    """Decode file bytes as ``fs.readFileSync(path, 'utf8')`` does (BOM kept, U+FFFD for junk)."""
    return data.decode("utf-8", errors="replace")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def parse_file(text: str) -> tuple[list[Binding], list[IgnoredLine]]:
    """Every binding dotenv 16 reads from ``text``, in order (duplicates included), and the
    lines it silently skips. Line numbers count ``\\n``, ``\\r\\n`` and a lone ``\\r``."""
    from bisect import bisect_right

    src = _NEWLINES.sub("\n", text) if "\r" in text else text
    starts = _line_starts(src)
    bindings: list[Binding] = []
    covered: list[tuple[int, int]] = []
    for m in _LINE.finditer(src):
        key = m.group("key")
        raw = m.group("value") or ""
        value = raw.strip(_JS_WS_CHARS)
        first = value[:1]
        value = _UNQUOTE.sub(_group2, value) if first in "'\"`" and first else value
        if first == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        notes = _notes(m, src, key, raw, value, first)
        quote = first if m.group("quoted") is not None else ""
        line = bisect_right(starts, m.start("key"))
        bindings.append(Binding(key, value, line, quote, notes))
        covered.append((m.start(), m.end()))
    return bindings, _ignored(src, starts, covered)


def parse(text: str) -> list[Binding]:
    """Every binding dotenv 16 reads from ``text`` (see `parse_file`)."""
    return parse_file(text)[0]


def _group2(m: re.Match[str]) -> str:
    return m.group(2)


def _notes(
    m: re.Match[str], src: str, key: str, raw: str, value: str, first: str
) -> tuple[str, ...]:
    notes: list[str] = []
    sep = m.group("sep")
    if sep[0] == ":":
        notes.append("colon")
    elif any(c in _LT for c in sep[: sep.index("=")]):
        notes.append("key-continued")
    gap = sep[sep.index("=") + 1 :] if sep[0] != ":" else sep[1:]
    lead = raw[: len(raw) - len(raw.lstrip(_JS_WS_CHARS))]
    if raw and any(c in _LT for c in gap + lead):
        notes.append("value-next-line")
    bare = m.group("bare")
    if bare is not None:
        end = m.end("bare")
        if end < len(src) and src[end] == "#" and not bare[-1:].isspace():
            notes.append("hash-cut")
        if first and first in "'\"`":
            stripped = bare.strip(_JS_WS_CHARS)
            notes.append("text-after-quote" if first in stripped[1:] else "unterminated-quote")
    elif m.group("value") is None:
        after = m.end("sep")
        if after < len(src) and src[after] == "#":
            notes.append("empty-before-hash")
    if m.group("quoted") is not None and first == "'" and _has_reference(value):
        notes.append("single-quoted-dollar")
    if m.group("quoted") is not None and ("\\" + first) in value:
        notes.append("escaped-quote-kept")
    if key == "__proto__":
        notes.append("proto-name")
    return tuple(notes)


def _has_reference(value: str) -> bool:
    return any(m.group(1) is None for m in _SUBST11.finditer(value))


def _ignored(src: str, starts: list[int], covered: list[tuple[int, int]]) -> list[IgnoredLine]:
    out: list[IgnoredLine] = []
    ci = 0
    n = len(starts)
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < n else len(src)
        while ci < len(covered) and covered[ci][1] <= start:
            ci += 1
        if ci < len(covered) and covered[ci][0] < end and covered[ci][1] > start:
            continue
        text = src[start:end].strip(_JS_WS_CHARS)
        if text and not text.startswith("#"):
            out.append(IgnoredLine(i + 1, text))
    return out


def _js_order(keys: Iterable[str]) -> list[str]:
    """Property order of a JS object: array indices ascending, then insertion order."""
    ints: list[tuple[int, str]] = []
    rest: list[str] = []
    for k in keys:
        if _is_index(k):
            ints.append((int(k), k))
        else:
            rest.append(k)
    ints.sort()
    return [k for _, k in ints] + rest


def _to_object(bindings: Sequence[Binding]) -> dict[str, Binding]:
    """``parse``'s object: later line wins, ``__proto__`` is dropped, JS key order."""
    obj: dict[str, Binding] = {}
    for b in bindings:
        if b.name != "__proto__":
            obj[b.name] = b
    return {k: obj[k] for k in _js_order(obj)}


def _is_index(key: str) -> bool:
    """A JS array index ("0", "42"; not "01"): such properties come first and take another path."""
    return (
        key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) < 4294967295
    )


def _env_value(key: str, value: str) -> str:
    """What ``process.env[key] = value`` stores: the C environment ends a string at NUL (node
    keeps it whole for an array-index name, which goes through V8's indexed setter)."""
    i = value.find("\0")
    return value if i == -1 or _is_index(key) else value[:i]


# ---------------------------------------------------------------------------------------------
# Backend: Medusa loadEnv = dotenv 16.6.1 config({path}) + dotenv-expand 11.0.7 expand


def backend_files(node_env: str | None) -> list[str]:
    """The files Medusa's ``loadEnv(NODE_ENV, dir)`` asks dotenv for, in order."""
    if node_env in ("staging", "production", "test"):
        return [f".env.{node_env}", ".env"]
    return [".env"]


def load_files(texts: Sequence[tuple[str, str]], process_env: Mapping[str, str]) -> LoadResult:
    """The backend's view after ``loadEnv``: ``texts`` are (file name, decoded text) of the files
    that exist, in `backend_files` order; ``process_env`` the environment it starts with."""
    env = dict(process_env)
    merged: dict[str, tuple[str, Binding]] = {}
    per_file: dict[str, list[Binding]] = {}
    ignored: dict[str, list[IgnoredLine]] = {}
    problems: list[Problem] = []
    for name, text in texts:
        bindings, skipped = parse_file(text)
        per_file[name] = bindings
        ignored[name] = skipped
        problems.extend(_file_problems(name, bindings, skipped))
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
    except _JSError as e:
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


def _file_problems(
    name: str, bindings: Sequence[Binding], skipped: Sequence[IgnoredLine]
) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, Binding] = {}
    for b in bindings:
        for note in b.notes:
            out.append(Problem(note, NOTES[note], name, b.line, b.name))
        if b.name in seen:
            out.append(
                Problem(
                    "duplicate",
                    f"{b.name} is also set on line {seen[b.name].line}: the later line wins",
                    name,
                    b.line,
                    b.name,
                )
            )
        seen[b.name] = b
    for s in skipped:
        out.append(Problem("ignored-line", "not NAME=value: dotenv skips this line", name, s.line))
    return out


def _lookup(mapping: Mapping[str, str], key: str) -> str | None:
    """``obj[key]`` on a JS object: a missing inherited name is a function, which we cannot
    model faithfully, so it is reported as what it leads to: a thrown error."""
    v = mapping.get(key)
    if v is None and key in _JS_PROTO:
        raise _JSError(
            "js-prototype-name",
            f"${key} names a property every JavaScript object has: expansion throws",
            key,
        )
    return v


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
            raise _JSError(
                "cycle",
                "a reference cycle: dotenv-expand overflows its stack and Medusa keeps every "
                "value unexpanded",
                m.group(4),
            )
        elif len(stack) >= _MAX_DEPTH11:
            raise _JSError(
                "overflow",
                f"references nest over {_MAX_DEPTH11} deep: node's stack overflows and Medusa "
                "keeps every value unexpanded",
                m.group(4),
            )
        else:
            on_stack.add(sub[0])
            stack.append(_Frame(sub[0]))


def _too_long() -> _JSError:
    return _JSError(
        "too-long",
        f"a value grows past {MAX_VALUE // 1024} KiB while expanding (references repeat "
        "themselves): expansion stopped",
    )


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


# ---------------------------------------------------------------------------------------------
# Storefront: @next/env loadEnvConfig = dotenv 16.3.1 parse + dotenv-expand 10.0.0, per file

NEXT_DEFAULT_VERSION = "15.5.29"


def next_version(storefront: Path) -> tuple[str, Problem | None]:
    """The ``next`` version range the storefront declares (package.json), else current 15.x."""
    try:
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


def next_load(texts: Sequence[tuple[str, str]], process_env: Mapping[str, str]) -> NextResult:
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
        bindings, skipped = parse_file(text)
        per_file[name] = bindings
        ignored[name] = skipped
        problems.extend(_file_problems(name, bindings, skipped))
        obj = _to_object(bindings)
        parsed = {k: b.value for k, b in obj.items()}
        try:
            expanded = dict(parsed)
            for k in parsed:
                r = env[k] if k in env else expanded[k]
                expanded[k] = _ESCAPED_DOLLAR.sub("$", _interpolate10(r, env, expanded))
        except _JSError as e:
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
            continue
        for k in expanded:
            env[k] = _env_value(k, expanded[k])
        for k, v in expanded.items():
            if k not in added and k not in initial and k not in _JS_PROTO:
                added[k] = (name, obj[k], v)
    for k, (_, _, v) in added.items():
        env[k] = _env_value(k, v)
    variables = {}
    for k, v in env.items():
        if k in added:
            file, b, _ = added[k]
            variables[k] = Variable(k, v, "file", file, b.line, b.value)
        else:
            variables[k] = Variable(k, v, "environment")
    return NextResult(files, env, variables, NEXT_DEFAULT_VERSION, "", per_file, ignored, problems)


def _interpolate10(value: str, env: Mapping[str, str], parsed: Mapping[str, str]) -> str:
    """dotenv-expand 10 ``_interpolate`` (tail recursion) as a loop; a value met again means
    node would recurse until its stack overflows."""
    seen: set[tuple[int, int]] = set()  # (hash, length): the strings themselves cost memory
    e = value
    steps = 0
    while True:
        last = e.rfind("$")
        while last > 0 and e[last - 1] == "\\":
            last = e.rfind("$", 0, last - 1)
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
            raise _JSError(
                "cycle",
                "a reference to itself: dotenv-expand 10 recurses until the stack overflows",
                key,
            )
        if steps > _MAX_STEPS10:
            raise _JSError(
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


# ---------------------------------------------------------------------------------------------
# Writer


def quote_value(value: str) -> str:
    """The text after ``NAME=`` that dotenv 16 + dotenv-expand 11 read back as ``value``.

    Every ``$`` is escaped (quotes do not stop dotenv-expand 11); single quotes are preferred,
    then backticks, then double quotes (the only form that can hold a CR, as ``\\r``). Raises
    ValueError for the rare value no form can hold.
    """
    if "\0" in value:
        raise ValueError("an environment variable cannot hold a NUL character")
    body = _escape_dollars(value)
    candidate: str | None
    if "\r" not in value:
        if "'" not in value:
            candidate = f"'{body}'"
        elif "`" not in value:
            candidate = f"`{body}`"
        else:
            candidate = _double(value, body)
    else:
        candidate = _double(value, body)
    if candidate is None or _read_back(candidate) != value:
        raise ValueError("this value cannot be written so that dotenv reads it back unchanged")
    return candidate


def _double(value: str, body: str) -> str | None:
    if '"' in value or "\\n" in value or "\\r" in value:
        return None
    return '"' + body.replace("\r", "\\r") + '"'


def _escape_dollars(value: str) -> str:
    """Backslashes before each ``$`` so that interpolate + ``\\$``-resolution give ``$`` back."""
    if "$" not in value:
        return value
    out: list[str] = []
    i = 0
    n = len(value)
    run = 0  # backslashes just before position i
    while i < n:
        c = value[i]
        if c == "$":
            keyed = _SUBST11.match(value, i) is not None
            if run == 0:
                out.append("\\")
            else:
                out.append("\\" * (2 if keyed else 1))
            out.append("$")
            run = 0
        else:
            out.append(c)
            run = run + 1 if c == "\\" else 0
        i += 1
    return "".join(out)


def _read_back(text: str) -> str | None:
    bindings = parse("K=" + text + "\n")
    if len(bindings) != 1:
        return None
    result = load_files([("x", "K=" + text + "\n")], {})
    return result.env.get("K") if result.expanded else None
