"""The types the env loaders share: a file's bindings and ignored lines, the problems worth
reporting, the variables of the final environment, and what each loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Binding:
    """One ``KEY=value`` dotenv recognised: its value before expansion and where it came from.

    ``quote`` is the quote that enclosed the value ("'", '"', "`" or "" when bare); ``notes`` name
    the surprising readings (see `NOTES`). ``start``/``end`` are offsets in the text as given
    (CRLF counted as two characters): from the name's first character to just past the value
    (its closing quote included; a name continued on the next line, a value taken from the next
    line or spanning several lines included). An ``export`` prefix and the indentation before,
    and the blanks and ``# comment`` after, belong to the line, not to the binding: the writer
    replaces exactly these characters, so it and the reader agree on what a name owns.
    """

    name: str
    value: str
    line: int
    quote: str
    notes: tuple[str, ...] = ()
    start: int = 0
    end: int = 0


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


class JSError(Exception):
    """Stands for what node would throw (stack overflow, TypeError, string too long)."""

    def __init__(self, code: str, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.name = name
