"""Redaction of secrets: the one place that decides what a secret looks like when printed.

Every renderer and the error boundary pass their text through `scrub()`, which replaces each
secret value the run has seen (env values, passwords inside URLs) with its masked form, so a
secret that slips into an exception message or a finding is still never printed.

There is no process-wide redactor: the CLI opens one per run (`scoped()`), each loaded store's
configuration is added to it (`Redactor.add_env`: several stores' secrets at once), and
renderers and the error boundary read the run's redactor with `current()`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from typing import Protocol, TypeVar
from urllib.parse import quote, unquote

T = TypeVar("T")

MASK = "****"

# Names whose values are secret even when a provider does not declare them.
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|_PASS$|TOKEN|PRIVATE|_API_KEY$|CREDENTIAL)")
# Prefixes of keys that are shown as prefix + last four characters.
_KEY_PREFIX = re.compile(r"^(sk|rk|pk|whsec)_(live_|test_)?")
# Values that are secret whatever the variable is called.
_SECRET_VALUE = re.compile(r"^(sk_|rk_|whsec_)")
# Values shorter than this are not scrubbed from free text: replacing "a" everywhere would
# make every message unreadable, and such a value is not a credential worth the name.
_MIN_SCRUB = 4


def is_secret_name(name: str) -> bool:
    """Whether a variable name says its value is secret (STRIPE_API_KEY, SMTP_PASS, ...)."""
    return not name.startswith("NEXT_PUBLIC_") and bool(_SECRET_NAME.search(name.upper()))


def looks_secret(value: str) -> bool:
    """Whether a value is a secret by its shape (a Stripe secret or restricted key, a whsec_)."""
    return bool(_SECRET_VALUE.match(value.strip()))


def url_password(value: str) -> str | None:
    """The password inside a URL's userinfo (`redis://:pw@host`), or None.

    Userinfo is everything between `://` and the last `@`, as `mask_url` reads it: a password
    holding `/` or `#` makes `urlsplit` see no userinfo at all, and it must still be a secret."""
    scheme, sep, rest = value.strip().partition("://")
    if not sep or "@" not in rest:
        return None
    userinfo = rest.rpartition("@")[0]
    _user, colon, password = userinfo.partition(":")
    if not colon or not password:
        return None
    return unquote(password)


def mask_url(value: str) -> str:
    """A URL with its password replaced by the mask: `redis://:****@host:6379`."""
    stripped = value.strip()
    scheme, sep, rest = stripped.partition("://")
    if not sep or "@" not in rest:
        return value
    userinfo, _, hostpart = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if not colon:
        return value
    return f"{scheme}://{user}:{MASK}@{hostpart}"


def mask(value: str) -> str:
    """The printable form of a secret: keys keep prefix and last four, the rest is masked."""
    stripped = value.strip()
    if url_password(stripped) is not None:
        return mask_url(stripped)
    match = _KEY_PREFIX.match(stripped)
    if match:
        prefix = match.group(0)
        body = stripped[len(prefix) :]
        if len(body) >= 12:
            return f"{prefix}…{body[-4:]}"
        return f"{prefix}…"
    return MASK


def display(name: str, value: str, *, secret: bool = False) -> str:
    """How a variable's value is shown: masked when secret, and URLs never with a password."""
    if secret or is_secret_name(name) or looks_secret(value):
        return mask(value)
    if url_password(value) is not None:
        return mask_url(value)
    return value


class SecretSource(Protocol):
    """A loaded configuration, as the redactor reads it (storectl.env.Env is one)."""

    @property
    def secret_names(self) -> frozenset[str]: ...

    def named_values(self) -> Iterable[tuple[str, str]]:
        """Every (name, value) it holds: effective or shadowed, from any file."""
        ...


class Redactor:
    """Remembers secret values and scrubs them out of any text."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    @classmethod
    def for_env(cls, env: SecretSource, secret_names: Iterable[str] = ()) -> Redactor:
        """A redactor that knows every secret of one loaded configuration."""
        redactor = cls()
        redactor.add_env(env, secret_names)
        return redactor

    def add_env(self, env: SecretSource, secret_names: Iterable[str] = ()) -> None:
        """Remember every secret value of a store's configuration; call once per store when a
        run reads several, so that no store's secret can appear anywhere in the report."""
        names = env.secret_names | frozenset(secret_names)
        for name, value in env.named_values():
            secret = name in names or is_secret_name(name) or looks_secret(value)
            if secret or url_password(value) is not None:
                self.remember(value)

    def remember(self, value: str, *, masked: str | None = None) -> None:
        """Treat `value` as secret from now on; also its password part if it is a URL."""
        value = value.strip()
        if not value:
            return
        password = url_password(value)
        if password is not None:
            self._add(password, MASK)
            self._add(quote(password, safe=""), MASK)
            if masked is None:
                masked = mask_url(value)
            self._add(value, masked)
            return
        self._add(value, masked if masked is not None else mask(value))

    def _add(self, secret: str, masked: str) -> None:
        if len(secret) >= _MIN_SCRUB:
            self._secrets[secret] = masked

    def scrub(self, text: str) -> str:
        """`text` with every remembered secret replaced by its masked form."""
        if not self._secrets or not text:
            return text
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, self._secrets[secret])
        return text


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
