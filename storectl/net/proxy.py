"""The proxies of the process environment, read as curl and the SDKs read them.

`HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http URLs, `ALL_PROXY` for either when the
scheme's own is unset (lower-case names first, as curl), and `NO_PROXY`: a comma-separated
list of hosts, domains (`example.com` and `.example.com` both match its subdomains), `host:port`,
IP networks (`10.0.0.0/8`), or `*` for every host. Every HTTP client storectl makes asks
`Proxies.for_url()` which proxy (if any) to go through, so the bounded transport sends the
proxied requests too. Imports nothing heavy (start-up).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

#: The variables storectl honours, in the order doctor's header shows them.
NAMES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


def _read(environ: Mapping[str, str], name: str) -> str:
    """A variable by its lower-case name first (curl's order), then upper-case; "" if unset."""
    return (environ.get(name.lower()) or environ.get(name) or "").strip()


def _with_scheme(value: str) -> str:
    """`proxy.example.com:3128` means an HTTP proxy, as curl reads it."""
    return value if "://" in value else f"http://{value}"


@dataclass(frozen=True)
class Proxies:
    """Which proxy each URL goes through; empty when the environment sets none."""

    https: str = ""
    http: str = ""
    all: str = ""
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Proxies:
        env = os.environ if environ is None else environ
        skip = tuple(e.strip().lower() for e in _read(env, "NO_PROXY").split(",") if e.strip())
        return cls(
            https=_read(env, "HTTPS_PROXY"),
            http=_read(env, "HTTP_PROXY"),
            all=_read(env, "ALL_PROXY"),
            no_proxy=skip,
        )

    def __bool__(self) -> bool:
        return bool(self.https or self.http or self.all)

    def for_url(self, url: str) -> str | None:
        """The proxy URL to send a request for `url` through, or None for a direct connection."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        chosen = self.https if scheme == "https" else self.http if scheme == "http" else ""
        chosen = chosen or self.all
        if not chosen or self.bypass(parts.hostname or "", parts.port):
            return None
        return _with_scheme(chosen)

    def bypass(self, host: str, port: int | None = None) -> bool:
        """NO_PROXY names this host (a domain also covers its subdomains)."""
        host = host.lower().strip("[]").rstrip(".")
        for entry in self.no_proxy:
            if entry == "*":
                return True
            name, _, want_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
            if want_port and port is not None and str(port) != want_port:
                continue
            name = name.strip("[]").lstrip("*").lstrip(".").rstrip(".")
            if host == name or host.endswith("." + name) or _in_network(host, name):
                return True
        return False

    def shown(self) -> list[tuple[str, str]]:
        """(name, value) of each variable set, a proxy URL's credentials masked."""
        rows = [("HTTPS_PROXY", self.https), ("HTTP_PROXY", self.http), ("ALL_PROXY", self.all)]
        found = [(name, mask_credentials(value)) for name, value in rows if value]
        if self.no_proxy:
            found.append(("NO_PROXY", ",".join(self.no_proxy)))
        return found


def _has_port(entry: str) -> bool:
    """`host:8080` or `[::1]:8080` (an IPv6 address alone has colons too)."""
    head, sep, tail = entry.rpartition(":")
    return bool(sep) and tail.isdigit() and (head.endswith("]") or ":" not in head)


def _in_network(host: str, entry: str) -> bool:
    """`host` is an IP address inside the network (or equal to the address) `entry` names."""
    if not any(c.isdigit() for c in entry) or not any(c.isdigit() for c in host):
        return False
    import ipaddress  # only for NO_PROXY entries that look like addresses

    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def mask_credentials(url: str) -> str:
    """A proxy URL with its user and password replaced by `***` (shown in doctor's header)."""
    parts = urlsplit(_with_scheme(url))
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
