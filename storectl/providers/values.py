"""Small value checks shared by the providers' lint rules."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit


def split_url(value: str) -> SplitResult | None:
    """`urlsplit` that returns None instead of raising on a malformed URL or port."""
    try:
        parts = urlsplit(value.strip())
        _ = parts.port
    except ValueError:
        return None
    return parts


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
