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
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import Enum
from typing import Protocol, TypeVar
from urllib.parse import unquote

from storectl.redact.masking import (
    MASK,
    MIN_DERIVED,
    MIN_SCRUB,
    base64_forms,
    display,
    is_secret_name,
    is_switch,
    json_escaped,
    looks_secret,
    mask,
    mask_url,
    secret_parts,
    secret_shaped,
    split_userinfo,
    url_encoded,
    url_parseable,
    url_password,
)

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


class SecretSource(Protocol):
    """A loaded configuration, as the redactor reads it (storectl.env.Env is one)."""

    @property
    def secret_names(self) -> frozenset[str]: ...

    def named_values(self) -> Iterable[tuple[str, str]]:
        """Every (name, value) it holds: the effective values first, then shadowed ones."""
        ...


class Redactor:
    """Remembers secret values and scrubs them out of any text, in every form they travel in:
    as written, URL-encoded, JSON-escaped, and base64 (alone, and inside the HTTP Basic, AUTH
    PLAIN and AUTH LOGIN payloads that `remember_credentials` is told about)."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        #: bumped on every change to `_secrets`: the search index is rebuilt when it lags
        self._version = 0
        self._index: _Index | None = None
        self._lock = threading.Lock()  # guards `_secrets` and `_version`
        self._build_lock = threading.Lock()  # one index build at a time

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
        effective: dict[str, str] = {}
        for name, value in env.named_values():
            effective.setdefault(name, value)  # effective values come first
            by_name = is_secret_name(name) and not is_switch(value)
            secret = name in names or by_name or secret_shaped(value)
            if secret or url_password(value) is not None:
                self.remember(value)
        # Secrets also travel inside payloads built from (user, password): Basic, AUTH PLAIN.
        for user, password in credential_pairs(effective):
            self.remember_credentials(user, password)

    def remember(self, value: str, *, masked: str | None = None) -> None:
        """Treat `value` as secret from now on; also its password part if it is a URL."""
        value = value.strip()
        if not value:
            return
        password = url_password(value)
        if password is not None:
            self._add_forms(password, MASK)
            raw = split_userinfo(value)
            if raw is not None:
                userinfo = raw[1]
                self._add(userinfo.partition(":")[2], MASK)  # as written: encoded or not
                if not url_parseable(value):
                    self._add(userinfo, MASK)  # which part is the password is only a guess
            if masked is None:
                masked = mask_url(value)
            self._add(value, masked)
            return
        self._add_forms(value, masked if masked is not None else mask(value))
        for part in secret_parts(value):  # a URL's token, a Bearer's: they travel alone too
            self._add_forms(part, MASK)

    def remember_credentials(self, user: str, password: str) -> None:
        """Treat `password` as secret, and the credential payloads built from the pair: HTTP
        Basic `user:password`, AUTH PLAIN `\\0user\\0password` and AUTH LOGIN (each alone),
        in base64 at every alignment. The user name alone stays readable, unless the password
        is empty: then the user is the secret (Medusa's API key goes as Basic `key:`)."""
        secret = password if password.strip() else user
        if not secret.strip():
            return
        self.remember(secret)
        raw_user, raw_password = user.encode(), password.encode()
        payloads = (
            raw_user + b":" + raw_password,
            b"\0" + raw_user + b"\0" + raw_password,
            raw_user + b"\0" + raw_user + b"\0" + raw_password,
            # AUTH LOGIN sends it alone; `remember` may not have encoded it (a password that
            # reads as a URL, `:000@000`, is masked as one: found by tests/test_fuzz.py)
            raw_password,
        )
        for payload in payloads:
            for form in base64_forms(payload):
                self._add(form, MASK, derived=True)

    def _add_forms(self, secret: str, masked: str) -> None:
        """The secret itself (shown as `masked`) and its encoded forms (URL, JSON, base64)."""
        self._add(secret, masked)
        if len(secret) < MIN_SCRUB:
            return
        for form in (url_encoded(secret) | json_escaped(secret)) - {secret}:
            self._add(form, MASK, derived=True)
        for form in base64_forms(secret.encode()):
            self._add(form, MASK, derived=True)

    def _add(self, secret: str, masked: str, *, derived: bool = False) -> None:
        """Remember one form; a derived form is longer to be worth it, and never replaces a
        value's own mask (`sk_live_…0001` stays readable as such)."""
        if len(secret) < (MIN_DERIVED if derived else MIN_SCRUB):
            return
        with self._lock:
            if derived and secret in self._secrets:
                return
            self._secrets[secret] = masked
            self._version += 1

    def _current_index(self) -> _Index:
        """The search index of the secrets known now, rebuilt only after a secret was added."""
        index = self._index
        if index is not None and index.version == self._version:
            return index
        # One thread builds; the others (a fleet's workers all scrub as they start) wait for
        # it instead of each sorting the same ~8000 forms.
        with self._build_lock:
            with self._lock:
                version = self._version
                index = self._index
                if index is not None and index.version == version:
                    return index  # another thread built it while this one waited
                items = [*self._secrets.items()]
            index = _Index.build(version, items)
            self._index = index
            return index

    def scrub(self, text: str) -> str:
        """`text` with every remembered secret replaced by its masked form.

        The same as trying every secret, longest first, and replacing each one found (a
        replacement can make a later, shorter secret appear), but a text is only tested
        against the secrets whose first characters it holds: a run over 100 stores knows
        ~8000 forms, and a report has thousands of strings that hold none of them."""
        if len(text) < _GRAM or not self._secrets:
            return text
        index = self._current_index()
        done = -1  # the rank of the last secret replaced: only later ranks are tried
        while True:
            grams = {text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)}
            ranks = sorted(
                rank
                for gram in grams.intersection(index.by_prefix)
                for rank in index.by_prefix[gram]
                if rank > done
            )
            for rank in ranks:
                secret = index.order[rank]
                if secret in text:
                    text = text.replace(secret, index.masks[rank])
                    done = rank
                    break
            else:
                return text


#: Every remembered form is at least this long (`MIN_SCRUB`, `MIN_DERIVED`): its first
#: `_GRAM` characters are the key `scrub` finds it by.
_GRAM = min(MIN_SCRUB, MIN_DERIVED)


@dataclasses.dataclass(frozen=True)
class _Index:
    """The secrets in the order `scrub` tries them (longest first, then as remembered), with
    their masks, and the ranks of the secrets that start with each `_GRAM` characters."""

    version: int
    order: tuple[str, ...]
    masks: tuple[str, ...]
    by_prefix: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, version: int, items: list[tuple[str, str]]) -> _Index:
        ordered = sorted(items, key=lambda item: len(item[0]), reverse=True)
        by_prefix: dict[str, list[int]] = {}
        for rank, (secret, _masked) in enumerate(ordered):
            by_prefix.setdefault(secret[:_GRAM], []).append(rank)
        return cls(
            version,
            tuple(secret for secret, _ in ordered),
            tuple(masked for _, masked in ordered),
            {prefix: tuple(ranks) for prefix, ranks in by_prefix.items()},
        )


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


#: Which variables travel together as (user, password): the user name goes into the payloads
#: the peer receives (HTTP Basic, AUTH PLAIN), so the redactor must know both.
_CREDENTIAL_PAIRS = (
    ("SMTP_USER", "SMTP_PASS"),
    ("MEDUSA_ADMIN_EMAIL", "MEDUSA_ADMIN_PASSWORD"),
    ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"),
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
)


def credential_pairs(values: Mapping[str, str]) -> list[tuple[str, str]]:
    """(user, password) pairs the store's configuration sends: SMTP and Medusa logins, S3 keys,
    MEDUSA_ADMIN_API_KEY as Basic `key:` (an empty password), and a URL's `user:password`."""
    pairs: list[tuple[str, str]] = []
    for user_name, password_name in _CREDENTIAL_PAIRS:
        password = values.get(password_name, "").strip()
        if password:
            pairs.append((values.get(user_name, "").strip(), password))
    key = values.get("MEDUSA_ADMIN_API_KEY", "").strip()
    if key:
        pairs.append((key, ""))  # Basic base64("key:"): the key is the user, no password
    for value in values.values():
        in_url = url_password(value)
        found = split_userinfo(value)
        if in_url is not None and found is not None:
            pairs.append((unquote(found[1].partition(":")[0]), in_url))
    return pairs


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
