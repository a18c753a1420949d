"""THE sanitiser: every string from a store file, a fleet file or a peer passes here before a
format writes it, so no value can move the cursor, retitle a terminal, reorder what is shown,
break a line, start a GitHub Actions workflow command or inject markdown into a step summary.

- `text`: one value as one visible line (the escaping `storectl env` has always used: a value
  with nothing unprintable is shown as is, otherwise each unprintable character as a Python
  escape, backslashes doubled); `values`: the same for every string inside a result.
- `lines`: the writer's last guard on human text: no line starts a workflow command.
- `markdown`: a step-summary cell, HTML and markdown escaped so it renders as text.
- `json_text`: a JSON document keeps every real value, written so that no terminal or runner acts
  on it; `xml_text`: a JUnit document with nothing XML 1.0 forbids.
- `shell`: a command line to copy, each argument shell-quoted.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

T = TypeVar("T")

#: The runner's legacy `##[command]` form is recognised anywhere in a line (actions/runner
#: src/Runner.Common/ActionCommand.cs `TryParse`: `message.IndexOf("##[")`), the `::command::`
#: form at a line's start after leading whitespace (`TryParseV2`: `message.TrimStart()`).
_LEGACY_COMMAND = "##["
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _needs_escape(value: str) -> bool:
    return not value.isprintable() or _LEGACY_COMMAND in value


def _escape_char(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def text(value: str) -> str:
    """`value` as one visible line: unchanged when every character is printable; otherwise
    line breaks, tabs, C0/C1 controls (ESC, so no CSI/OSC sequence), DEL, bidi overrides
    (U+202E), zero-width and other format characters, line separators and lone surrogates are
    written as `\\n`, `\\x1b`, `\\u202e`... and backslashes doubled, so what is shown reads back
    unambiguously. `##[` (a workflow command anywhere in a log line) becomes `##\\x5b`."""
    if not _needs_escape(value):
        return value
    escaped = "".join(_escape_char(c) for c in value)
    return escaped.replace(_LEGACY_COMMAND, "##\\x5b")


def values(data: T) -> T:
    """`data` with `text` applied to every string inside it (dict keys too): dataclasses, lists,
    tuples and dicts are rebuilt, enums and other values kept. Renderers of human text, JUnit
    and GitHub output call it once on the whole result, right before they write it."""
    if isinstance(data, Enum):
        return data
    if isinstance(data, str):
        return text(data)  # type: ignore[return-value]
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        changes = {f.name: values(getattr(data, f.name)) for f in dataclasses.fields(data)}
        return dataclasses.replace(data, **changes)
    if isinstance(data, tuple):
        return tuple(values(item) for item in data)  # type: ignore[return-value]
    if isinstance(data, list):
        return [values(item) for item in data]  # type: ignore[return-value]
    if isinstance(data, dict):
        return {values(k): values(v) for k, v in data.items()}  # type: ignore[return-value]
    return data


#: What may stay in human text as written: the Painter's colour (SGR) sequences, newlines.
_SGR = r"\x1b\[[0-9;]*m"
_UNSAFE = re.compile(rf"({_SGR})|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A line the runner would take as a `::command::`: whitespace (and colour) then `::`.
_COMMAND_START = re.compile(rf"^((?:\s|{_SGR})*):(?=:)", re.MULTILINE)


def lines(human: str) -> str:
    """The last guard on human text as it is written (values were made safe by `values`; a
    note or an error message may still quote one): control characters other than newlines and
    colour escaped, `##[` neutralised, and a `::` that would start a line neutralised as
    `\\x3a:`, so no line of storectl's output is a workflow command."""
    human = _UNSAFE.sub(lambda m: m.group(1) or _escape_char(m.group(0)), human)
    human = human.replace(_LEGACY_COMMAND, "##\\x5b")
    return _COMMAND_START.sub(lambda m: m.group(1) + "\\x3a", human)


#: CommonMark lets any ASCII punctuation be backslash-escaped. Escaped here: what opens a link,
#: image, code span, emphasis, strikethrough, math or table column (`[]()!`*_~$|\`), and what
#: GitHub turns into a link or an emoji on its own (`https\:\/\/…`, `www\.…`, `a\@b`, `\:smile\:`).
_MD_PUNCTUATION = re.compile(r"[\\`*_\[\]()!|~$:/.@]")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown(cell: str) -> str:
    """A markdown table cell that renders exactly as `cell` reads: one visible line (`text`),
    `<`, `>` and `&` as HTML entities (no tag, no comment, no entity of the peer's), and the
    punctuation markdown acts on backslash-escaped (no link, image, emphasis, autolink, emoji
    or extra column)."""
    one = text(cell)
    one = _MD_PUNCTUATION.sub(lambda m: "\\" + m.group(0), one)
    return re.sub(r"[&<>]", lambda m: _HTML[m.group(0)], one)


#: Characters json.dumps leaves raw (it escapes only C0, `"` and `\`) that a terminal or the
#: Actions runner would act on when a CI step prints the document.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(document: str) -> str:
    """A JSON document with the same values, written safe to print: DEL, C1 controls, bidi
    overrides and line separators as `\\uXXXX`, and `##[` as `##\\u005b`. These can only occur
    inside strings, so the document parses to exactly the values it held."""
    document = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
    return document.replace(_LEGACY_COMMAND, "##\\u005b")


#: Characters XML 1.0 does not allow (a lone surrogate cannot even be encoded).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """A string fit for an XML 1.0 text node or attribute: `text` (so controls are visible and
    the document stays one value per line), then anything XML forbids dropped as a last net."""
    return _NOT_XML.sub("", text(value))


def xml_document(document: str) -> str:
    """A serialised XML document with `##[` written as a character reference: same values."""
    return document.replace(_LEGACY_COMMAND, "##&#91;")


def shell(argv: Iterable[str]) -> str:
    """A command line for a person to copy and run: every argument shell-quoted (POSIX sh), so
    a value can never become a second command, a substitution or a redirection."""
    import shlex

    return shlex.join(argv)
