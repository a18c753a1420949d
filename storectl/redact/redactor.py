"""The Redactor: remembers a run's secret values and scrubs them out of any text, in every
form they travel in. Which variables travel together as (user, password) is declared by the
providers (`EnvVar.user`, `EnvVar.basic_user`) and reaches it with the loaded configuration:
this room knows no provider."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from typing import Protocol
from urllib.parse import unquote

from storectl.redact.masking import (
    MASK,
    MIN_DERIVED,
    MIN_SCRUB,
    base64_forms,
    is_secret_name,
    is_switch,
    json_escaped,
    mask,
    mask_url,
    secret_parts,
    secret_shaped,
    split_userinfo,
    url_encoded,
    url_parseable,
    url_password,
)

#: (user variable, password variable); None as the password: the user variable alone is the
#: secret, sent as HTTP Basic `value:` (an API key).
Pair = tuple[str, str | None]


class SecretSource(Protocol):
    """A loaded configuration, as the redactor reads it (storectl.env.Env is one)."""

    @property
    def secret_names(self) -> frozenset[str]: ...

    @property
    def credential_pairs(self) -> tuple[Pair, ...]:
        """The variables that travel together (declared by the providers)."""
        ...

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
        for user, password in credential_pairs(effective, env.credential_pairs):
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


#: A convention of every AWS SDK (no provider's variable): the pair any process env may hold.
_CONVENTIONS: tuple[Pair, ...] = (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),)


def credential_pairs(values: Mapping[str, str], declared: Iterable[Pair]) -> list[tuple[str, str]]:
    """(user, password) pairs the configuration sends: each declared pair whose password is
    set (a login, S3 keys), a lone secret as Basic `key:` (an empty password), and a URL's
    `user:password`."""
    pairs: list[tuple[str, str]] = []
    for user_name, password_name in (*declared, *_CONVENTIONS):
        if password_name is None:
            key = values.get(user_name, "").strip()
            if key:
                pairs.append((key, ""))  # Basic base64("key:"): the key is the user
            continue
        password = values.get(password_name, "").strip()
        if password:
            pairs.append((values.get(user_name, "").strip(), password))
    for value in values.values():
        in_url = url_password(value)
        found = split_userinfo(value)
        if in_url is not None and found is not None:
            pairs.append((unquote(found[1].partition(":")[0]), in_url))
    return pairs
