"""What `storectl mail` reads before it renders: the store's sender and name, its templates,
orders from the Medusa admin API, --since, and whether an order's id or email may go into a
mail header."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from storectl.env import Env
from storectl.errors import ConfigError, NetworkError, StorectlError, UsageError
from storectl.mail import address
from storectl.mail import render as mail
from storectl.model import Stage
from storectl.providers import medusa_api
from storectl.providers.shape import Object, objects
from storectl.providers.spelling import missing_hint
from storectl.since import since


def sender(env: Env) -> str:
    value = env.value("SMTP_FROM")
    if not value:
        hint = missing_hint(env, "SMTP_FROM", "set SMTP_FROM")
        raise ConfigError("SMTP_FROM is not set: mail has no sender", hint=hint)
    return value


def store_name(env: Env) -> str:
    """STORECTL_STORE_NAME, else the display name in SMTP_FROM, else its domain."""
    from email.utils import parseaddr

    if env.is_set("STORECTL_STORE_NAME"):
        return env.value("STORECTL_STORE_NAME")
    name, address = parseaddr(env.value("SMTP_FROM"))
    return name or address.rpartition("@")[2] or "Our store"


def templates(env: Env, folder: Path | None, locale: str | None) -> mail.Templates:
    """The store's templates; amounts in --locale, else each order's (see Templates)."""
    override = folder or (
        Path(env.value("STORECTL_TEMPLATES_DIR")) if env.is_set("STORECTL_TEMPLATES_DIR") else None
    )
    if locale is not None and address.valid_locale(locale) is None:
        raise UsageError(f"--locale {locale!r} is not a locale", hint="use e.g. en_US or de_DE")
    fallback = None
    if env.is_set("STORECTL_LOCALE"):
        fallback = address.valid_locale(env.value("STORECTL_LOCALE"))
        if fallback is None:
            raise ConfigError(
                f"STORECTL_LOCALE={env.value('STORECTL_LOCALE')!r} is not a locale",
                hint="use a locale such as en_US, de_DE or ja_JP",
            )
    return mail.Templates(
        override,
        address.valid_locale(locale),
        fallback_locale=fallback,
        storefront_url=env.value("STOREFRONT_URL") or None,
    )


def fetch_one(env: Env, order_id: str, timeout: float) -> Object:
    with admin_api(env, timeout) as admin:
        try:
            return admin.order(order_id, mail.ORDER_FIELDS)
        except NetworkError as exc:
            if exc.stage is not Stage.NOT_FOUND:
                raise
            message, newest = exc.message, _newest(admin)
        raise NetworkError(Stage.NOT_FOUND, message, _choose_hint(newest, "check the id"))


#: How many of the newest orders a hint names.
NEWEST = 5


def _newest(admin: medusa_api.Admin) -> list[str]:
    """The newest orders' ids (best effort: a hint, never the error)."""
    try:
        answer = admin.call(
            "GET",
            "/admin/orders",
            params={"fields": "id,created_at", "order": "-created_at", "limit": NEWEST},
        )
    except StorectlError:
        return []
    ids = [str(o.get("id")) for o in objects(answer.get("orders")) if o.get("id")]
    return [i for i in ids if unusable(i, "id") is None][:NEWEST]


def newest_ids(env: Env, timeout: float) -> list[str]:
    """The newest orders' ids, or none when the admin API cannot be read (a hint's detail)."""
    try:
        with admin_api(env, timeout) as admin:
            return _newest(admin)
    except StorectlError:
        return []


def _choose_hint(ids: list[str], first: str) -> str:
    """`first`, then what exists: the newest orders' ids, or --sample."""
    if not ids:
        return f"{first}, or use --sample (no order could be listed)"
    return f"{first}; the newest orders: {', '.join(ids)} (or use --sample)"


def choose_order_hint(env: Env, timeout: float) -> str:
    """The hint for a preview that names neither --order nor --sample: what exists."""
    return _choose_hint(newest_ids(env, timeout), "pass one of them")


def admin_api(env: Env, timeout: float) -> medusa_api.Admin:
    if not env.is_set("MEDUSA_BACKEND_URL"):
        raise ConfigError(
            "MEDUSA_BACKEND_URL is not set: orders come from the admin API",
            hint="set it, or use --sample",
        )
    admin = medusa_api.Admin(env, timeout)
    if admin.login() is None:
        admin.http.close()
        raise ConfigError(
            "no admin credentials to read orders",
            hint="set MEDUSA_ADMIN_API_KEY, or MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD",
        )
    return admin


def parse_since(value: str, now: datetime | None = None) -> str:
    """--since as an ISO time, in the one grammar every command shares (storectl/since.py)."""
    return since(value, now).isoformat(timespec="seconds")


def unusable(value: str, field: str) -> str | None:
    """Why an order's id or email cannot go into a mail header or an SMTP command (a line
    break there would inject headers or commands), or None."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"the order's {field} contains a line break or control character: not sent"
    if field == "email" and _several_addresses(value):
        # `To:` would show them all while SMTP's RCPT takes one: say so, send to none (issue 20 G)
        return "the order's email holds more than one address: not sent"
    return None


def _several_addresses(value: str) -> bool:
    """Whether an email field names more than one mailbox (`a@x, b@y`, `a@x; b@y`, `a@x b@y`)."""
    from email.utils import getaddresses

    stripped = value.strip()
    if stripped.count("@") > 1 or any(mark in stripped for mark in ",;"):
        return True
    return len(getaddresses([stripped])) > 1 or any(c.isspace() for c in stripped)
