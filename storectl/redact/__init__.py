"""Redaction of secrets: the one place that decides what a secret looks like when printed.

Every renderer and the error boundary pass their text through `scrub()`, which replaces each
secret value the run has seen (env values, passwords inside URLs) with its masked form, so a
secret that slips into an exception message or a finding is still never printed.

There is no process-wide redactor: the CLI opens one per run (`scoped()`), each loaded store's
configuration is added to it (`Redactor.add_env`: several stores' secrets at once), and
renderers and the error boundary read the run's redactor with `current()`. The `Redactor`
itself is `redactor.py`; what a secret looks like masked is `masking.py`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from typing import TypeVar

from storectl.redact.masking import (
    MASK,
    base64_forms,
    display,
    is_secret_name,
    is_switch,
    looks_secret,
    mask,
    mask_url,
    secret_shaped,
    url_parseable,
    url_password,
)
from storectl.redact.redactor import Redactor, SecretSource, credential_pairs

__all__ = [
    "MASK",
    "Redactor",
    "SecretSource",
    "base64_forms",
    "clean_peer_text",
    "credential_pairs",
    "current",
    "display",
    "is_secret_name",
    "is_switch",
    "looks_secret",
    "mask",
    "mask_url",
    "scoped",
    "scrub",
    "scrub_data",
    "secret_shaped",
    "url_parseable",
    "url_password",
]

T = TypeVar("T")


#: The redactor of the run in progress (set by `scoped()` for exactly one CLI invocation).
_RUN: ContextVar[Redactor] = ContextVar("storectl_redactor")


@contextmanager
def scoped(redactor: Redactor | None = None) -> Iterator[Redactor]:
    """Make `redactor` (or a new one) the run's redactor until the block ends."""
    token = _RUN.set(redactor if redactor is not None else Redactor())
    try:
        yield _RUN.get()
    finally:
        _RUN.reset(token)


def current() -> Redactor:
    """The run's redactor. Outside a run (library use) a fresh one: nothing is known to hide,
    and nothing learnt leaks into a later run."""
    try:
        return _RUN.get()
    except LookupError:
        return Redactor()


def scrub(text: str) -> str:
    """Scrub the run's secrets out of `text` (see `Redactor.scrub`)."""
    return current().scrub(text)


# C0 and C1 control characters, DEL, and the bidi overrides that reorder what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


_CONTROL_NO_NEWLINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_peer_text(text: str, *, newlines: bool = False) -> str:
    """Text a server sent (an SMTP reply, an error body, a region name), fit to enter a result:
    control characters (ESC, BEL, C0/C1) removed so no terminal escape reaches the user's
    terminal, tabs and (when `newlines`) newlines kept, and every remembered secret scrubbed,
    since peers echo credentials back (a 401 body quoting the Authorization header)."""
    pattern = _CONTROL if newlines else _CONTROL_NO_NEWLINE
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ")
    return scrub(pattern.sub("", text))


def scrub_data(value: T) -> T:
    """`value` with every string inside it scrubbed: dataclasses, lists, tuples and dicts are
    rebuilt, enums kept. Scrubbing values (not rendered text) cannot corrupt JSON or XML syntax
    when a short secret happens to spell `false` or a tag name."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return current().scrub(value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: scrub_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(scrub_data(item) for item in value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [scrub_data(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: scrub_data(v) for k, v in value.items()}  # type: ignore[return-value]
    return value
