"""What the grammar's problems mean for the user: a finding with the line and the fix.

The grammar (`storectl.env.grammar`) names each surprising reading with a short code; here each
becomes a `Finding` under a stable `env.*` code. Old codes stay where they still apply
(`env.malformed-line`, `env.duplicate-key`, `env.expansion-cycle`).
"""

from __future__ import annotations

from storectl.env.grammar import Problem
from storectl.model import Finding, Severity

# grammar code -> (finding code, severity, what Medusa does, the fix)
_READINGS: dict[str, tuple[str, Severity, str, str]] = {
    "hash-cut": (
        "env.hash-cut",
        Severity.WARNING,
        "{name}: the unquoted value stops at '#' (even without a space before it), so Medusa "
        "reads only the part before it",
        "quote the value: {name}='...#...'",
    ),
    "empty-before-hash": (
        "env.empty-before-hash",
        Severity.WARNING,
        "{name}: '#' right after '=' starts a comment, so Medusa reads an empty value",
        "quote the value: {name}='#...'",
    ),
    "unterminated-quote": (
        "env.unterminated-quote",
        Severity.WARNING,
        "{name}: the opening quote is never closed on this line, so Medusa keeps the quote "
        "character as part of the value",
        "close the quote",
    ),
    "text-after-quote": (
        "env.text-after-quote",
        Severity.WARNING,
        "{name}: text follows the closing quote, so Medusa keeps the quotes in the value",
        "quote the whole value",
    ),
    "key-continued": (
        "env.key-continued",
        Severity.WARNING,
        "{name}: the name and its '=' are on different lines, and Medusa's dotenv joins them",
        "put {name}=value on one line",
    ),
    "value-next-line": (
        "env.value-next-line",
        Severity.WARNING,
        "{name}: nothing follows '=' on this line, so Medusa takes the value from the next line",
        "put the value on the line of its name, or write {name}='' for an empty value",
    ),
    "colon": (
        "env.colon",
        Severity.WARNING,
        "{name}: 'NAME: value' is read as NAME=value by Medusa's dotenv 16",
        "write {name}=value",
    ),
    "single-quoted-dollar": (
        "env.single-quoted-dollar",
        Severity.WARNING,
        "{name}: '$' is expanded even inside single quotes (dotenv-expand 11 does not see quotes)",
        "escape each $ as \\$",
    ),
    "escaped-quote-kept": (
        "env.escaped-quote-kept",
        Severity.WARNING,
        "{name}: a backslash before a quote stays in the value (dotenv does not unescape quotes)",
        "enclose the value in another quote character",
    ),
    "proto-name": (
        "env.js-prototype-name",
        Severity.WARNING,
        "{name} is a property of every JavaScript object: Medusa's dotenv drops it",
        "rename the variable",
    ),
    "duplicate": (
        "env.duplicate-key",
        Severity.WARNING,
        "{message}",
        "delete one of the two {name} lines",
    ),
    "ignored-line": (
        "env.malformed-line",
        Severity.WARNING,
        "line {line} is not NAME=value: Medusa's dotenv ignores it",
        "write it as NAME=value, quote values with spaces or '#', or delete it",
    ),
    "cycle": (
        "env.expansion-cycle",
        Severity.ERROR,
        "{message}",
        "break the cycle: give one of these variables a literal value (or escape $ as \\$)",
    ),
    "overflow": (
        "env.expansion-overflow",
        Severity.ERROR,
        "{message}",
        "shorten the chain of ${{...}} references",
    ),
    "too-long": (
        "env.expansion-too-long",
        Severity.ERROR,
        "{message}",
        "a value that references another several times doubles at each level: write the "
        "literal value instead",
    ),
    "js-prototype-name": (
        "env.js-prototype-name",
        Severity.ERROR,
        "{message}",
        "rename the variable the reference names",
    ),
    "next-version": ("env.next-version", Severity.INFO, "{message}", "nothing to do"),
    "next-processed": (
        "env.next-processed",
        Severity.INFO,
        "{message}",
        "unset __NEXT_PROCESSED_ENV to see what the storefront's files set",
    ),
}

#: Problems after which the backend kept every value unexpanded.
FATAL = frozenset({"cycle", "overflow", "too-long", "js-prototype-name"})


def finding(problem: Problem, display: str | None, *, storefront: bool = False) -> Finding:
    """The finding for one of the grammar's problems, `display` naming its file."""
    code, severity, message, hint = _READINGS.get(
        problem.code, (f"env.{problem.code}", Severity.WARNING, "{message}", "")
    )
    name = problem.name or "the variable"
    text = message.format(name=name, line=problem.line, message=problem.message)
    if problem.code in FATAL and problem.line is None and problem.name:
        text = f"{problem.name}: {text}"
    if problem.code in FATAL and not storefront and "unexpanded" not in text:
        text += ": Medusa's process keeps every value unexpanded"
    source = display
    if display is not None and problem.line is not None:
        source = f"{display}:{problem.line}"
    return Finding(
        code,
        severity,
        text,
        hint=hint.format(name=name) or None,
        source=source,
        provider="env",
    )
