"""dotenv 16's grammar, read exactly as node reads env files (issue 15). The types the loaders
share live in `storectl.env.results` and are re-exported here.

Pure functions, no I/O, nothing from storectl but `env.results`. dotenv's line regex is copied
term for term, with JavaScript's ``\\s``, ``\\w``, ``^``, ``$`` and ``.`` spelled out. The
loaders built on it: `storectl.env.expand` (the backend: Medusa ``loadEnv`` = dotenv 16.6.1 +
dotenv-expand 11.0.7), `storectl.env.nextenv` (the storefront: ``@next/env``, dotenv 16.3.1 +
dotenv-expand 10.0.0) and `storectl.env.quoting` (the writer's ``quote_value``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from storectl.env.results import (
    NOTES,
    Binding,
    IgnoredLine,
    JSError,
    LoadResult,
    NextResult,
    Problem,
    Variable,
)

__all__ = [
    "MAX_VALUE",
    "NOTES",
    "Binding",
    "IgnoredLine",
    "JSError",
    "LoadResult",
    "NextResult",
    "Parsed",
    "Problem",
    "Variable",
    "decode",
    "parse",
    "parse_file",
    "parse_source",
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
_ESCAPED_DOLLAR = re.compile(r"\\\$")

# Names every plain JS object inherits: `parsed[name]` is then a function, not undefined.
_JS_PROTO = frozenset(
    "constructor __defineGetter__ __defineSetter__ hasOwnProperty __lookupGetter__"
    " __lookupSetter__ isPrototypeOf propertyIsEnumerable toString valueOf __proto__"
    " toLocaleString".split()
)


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
    from bisect import bisect_left, bisect_right

    src = _NEWLINES.sub("\n", text) if "\r" in text else text
    starts = _line_starts(src)
    # dotenv folds CRLF to LF before matching: where it did (in `src` offsets), to map back.
    folded = [at - k for k, at in enumerate(_crlf_at(text))] if "\r\n" in text else []
    bindings: list[Binding] = []
    covered: list[tuple[int, int]] = []
    for m in _LINE.finditer(src):
        key = m.group("key")
        raw = m.group("value") or ""
        start, end = m.start("key"), _binding_end(m, raw)
        if folded:
            start += bisect_left(folded, start)
            end += bisect_left(folded, end)
        value = raw.strip(_JS_WS_CHARS)
        first = value[:1]
        # dotenv strips a quote pair from every "line" of the value (`/^(['"`])…\1$/mg`): JS
        # ends a line at U+2028 and U+2029 as well, which a bare value may hold
        if (first and first in "'\"`") or "\u2028" in value or "\u2029" in value:
            value = _UNQUOTE.sub(_group2, value)
        if first == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        notes = _notes(m, src, key, raw, value, first)
        quote = first if m.group("quoted") is not None else ""
        line = bisect_right(starts, m.start("key"))
        bindings.append(Binding(key, value, line, quote, notes, start, end))
        covered.append((m.start(), m.end()))
    return bindings, _ignored(src, starts, covered)


def _crlf_at(text: str) -> list[int]:
    """Offsets of every CRLF in ``text``."""
    out: list[int] = []
    i = text.find("\r\n")
    while i != -1:
        out.append(i)
        i = text.find("\r\n", i + 2)
    return out


def _binding_end(m: re.Match[str], raw: str) -> int:
    """Just past the value's last non-blank character (or the ``=``/``:`` when there is none),
    in the matched text's offsets."""
    if m.group("value") is not None:
        return m.start("value") + len(raw.rstrip(_JS_WS_CHARS))
    return m.start("sep") + len(m.group("sep").rstrip(_JS_WS_CHARS))


Parsed = tuple[list[Binding], list[IgnoredLine]]
"""What `parse_file` returns: a loader accepts it in place of a file's text (parsed once)."""


def parse_source(source: str | Parsed) -> Parsed:
    """A file's bindings and skipped lines, from its text or from an earlier `parse_file`."""
    return parse_file(source) if isinstance(source, str) else source


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


def file_problems(
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
        raise JSError(
            "js-prototype-name",
            f"${key} names a property every JavaScript object has: expansion throws",
            key,
        )
    return v


def _too_long() -> JSError:
    return JSError(
        "too-long",
        f"a value grows past {MAX_VALUE // 1024} KiB while expanding (references repeat "
        "themselves): expansion stopped",
    )
