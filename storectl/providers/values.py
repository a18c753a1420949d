"""Values shared by several providers: URL and key checks, and the Stripe webhook URL that
both the Stripe and the Medusa probes look for."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from storectl.redact import url_parseable, url_password

if TYPE_CHECKING:
    from storectl.env import Env


def split_url(value: str) -> SplitResult | None:
    """`urlsplit` that returns None instead of raising on a malformed URL or port, and for a
    port that is not ASCII digits (`int()` and httpx read `٥١٣٧٢` as 51372: no service does)."""
    try:
        parts = urlsplit(value.strip())
        _ = parts.port
    except ValueError:
        return None
    if not ascii_number(_port_text(parts.netloc), allow_empty=True):
        return None
    return parts


def _port_text(netloc: str) -> str:
    """The port as written in a netloc (after userinfo and an IPv6 literal's `]`)."""
    hostport = netloc.rpartition("@")[2]
    return hostport.rpartition("]")[2].partition(":")[2]


def ascii_number(text: str, *, allow_empty: bool = False) -> bool:
    """Whether `text` is a number in ASCII digits only: `str.isdigit` and `int()` also take
    `²` (which int() then rejects) and Arabic-Indic digits (which it reads as a number)."""
    if not text:
        return allow_empty
    return text.isascii() and text.isdigit()


def url_unparseable(value: str) -> str | None:
    """Why a URL cannot be parsed as written (the reason, never the value), or None.

    These are the URLs whose password a parser would misplace, and print: no `scheme://`
    before the user info, `scheme:/` typed with one slash, `/`, `#` or `?` unencoded in the
    password, a port that is not ASCII digits."""
    stripped = value.strip()
    if url_parseable(stripped):
        return None
    if "://" not in stripped:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:/(?!/)", stripped):
            return "has 'scheme:/' with one slash where 'scheme://' belongs"
        if url_password(stripped) is not None:
            return "has no scheme:// before its user name and password"
        return None  # not URL-like: the providers' own checks say what is wrong
    netloc = stripped.split("://", 1)[1]
    if url_password(stripped) is not None and re.search(r"[/#?]", netloc.rpartition("@")[0]):
        return "its password holds '/', '#' or '?': percent-encode them (%2F, %23, %3F)"
    try:
        port = _port_text(urlsplit(stripped).netloc)
    except ValueError:  # `[` without `]`: urlsplit's "Invalid IPv6 URL"
        return "has an unbalanced '[' or ']' (an IPv6 address is written [::1])"
    if port and not ascii_number(port):
        if all(c.isdigit() for c in port):
            return "its port is not written in ASCII digits 0-9"
        return "its port is not a number"
    return "cannot be parsed"


def is_http_url(value: str) -> bool:
    parts = split_url(value)
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def is_loopback(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def stripe_mode(key: str) -> str | None:
    """'live' or 'test' from a Stripe key's prefix (sk_, rk_, pk_), else None."""
    for prefix in ("sk_", "rk_", "pk_"):
        if key.startswith(prefix + "live_"):
            return "live"
        if key.startswith(prefix + "test_"):
            return "test"
    return None


#: Where a stock Medusa 2.x serves Stripe webhooks for a provider registered with id "stripe".
MEDUSA_HOOK_PATH = "/hooks/payment/stripe_stripe"

#: The default STRIPE_WEBHOOK_PATH: the route a stock backend serves (issue 21 B), so the
#: default leads somewhere; the store document's path needs a custom route.
DEFAULT_WEBHOOK_PATH = MEDUSA_HOOK_PATH

#: The store document's webhook path: a stock Medusa 2.x refuses it (no publishable key).
DOCUMENT_WEBHOOK_PATH = "/store/webhooks/payment/stripe"

#: The one fix every command gives when the document's path is configured and the backend does
#: not serve it (an env edit: `fix_apply` reads it).
DOCUMENT_PATH_FIX = (
    f"set STRIPE_WEBHOOK_PATH={MEDUSA_HOOK_PATH} (the route a stock Medusa 2.x serves)"
)


def path_fix(env: Env, hint: str | None) -> str | None:
    """`hint` with the one fix in the form this store needs: STRIPE_WEBHOOK_URL wins over the
    path, so where it is set the fix names the whole URL (setting the path would do nothing)."""
    if hint is None or DOCUMENT_PATH_FIX not in hint or not env.is_set("STRIPE_WEBHOOK_URL"):
        return hint
    parts = split_url(env.value("STRIPE_WEBHOOK_URL"))
    if parts is None:
        return hint
    url = f"{parts.scheme}://{parts.netloc}{MEDUSA_HOOK_PATH}"
    return hint.replace(
        DOCUMENT_PATH_FIX, f"set STRIPE_WEBHOOK_URL={url} (the route a stock Medusa 2.x serves)"
    )


def is_document_path(url: str) -> bool:
    """Whether a webhook URL ends in the store document's path, not Medusa's."""
    parts = split_url(url)
    return parts is not None and parts.path.rstrip("/") == DOCUMENT_WEBHOOK_PATH


def webhook_url(env: Env) -> tuple[str | None, str]:
    """The webhook URL Stripe should call, and where it came from."""
    if env.is_set("STRIPE_WEBHOOK_URL"):
        return env.value(
            "STRIPE_WEBHOOK_URL"
        ), f"STRIPE_WEBHOOK_URL ({env.source('STRIPE_WEBHOOK_URL')})"
    path = env.value("STRIPE_WEBHOOK_PATH") or DEFAULT_WEBHOOK_PATH
    path_from = (
        f"STRIPE_WEBHOOK_PATH ({env.source('STRIPE_WEBHOOK_PATH')})"
        if env.is_set("STRIPE_WEBHOOK_PATH")
        else "the default path (a stock Medusa 2.x route)"
    )
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return None, "neither STRIPE_WEBHOOK_URL nor MEDUSA_BACKEND_URL is set"
    base = env.value("MEDUSA_BACKEND_URL").rstrip("/")
    return (
        f"{base}/{path.lstrip('/')}",
        f"MEDUSA_BACKEND_URL ({env.source('MEDUSA_BACKEND_URL')}) + {path_from}",
    )


def same_url(a: str, b: str) -> bool:
    """URLs equal up to a trailing slash and the case of scheme and host."""
    from urllib.parse import urlsplit

    def norm(url: str) -> tuple[str, str, str, str]:
        parts = urlsplit(url.strip())
        return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query)

    return norm(a) == norm(b)
