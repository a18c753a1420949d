"""The text after ``NAME=`` that node reads back unchanged: what the writer puts in env files."""

from __future__ import annotations

from storectl.env.expand import load_files
from storectl.env.grammar import _SUBST11, parse

__all__ = ["quote_value"]


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
