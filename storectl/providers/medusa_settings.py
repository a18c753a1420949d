"""Medusa's own production settings: secrets, CORS lists, database SSL, worker mode.

The rules follow Medusa 2.21.2's source (testing/fixtures/medusa-2.21-admin.md, "Medusa's own
production settings"): CORS lists are split on "," and never trimmed; SSL to Postgres is off
exactly when the URL matches Medusa's regex; the session cookie is Secure in production.
The live half (admin CORS preflight, the session cookie) runs inside the medusa probe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from storectl.model import Finding, Severity, Stage, Status, finding
from storectl.providers.values import is_loopback, split_url

if TYPE_CHECKING:
    import httpx

    from storectl.env import Env
    from storectl.providers.medusa_api import Admin
    from storectl.providers.probe import Steps

NAME = "medusa"

#: What a browser sends before a credentialed JSON call to the store API (the contract).
PREFLIGHT_HEADERS = "x-publishable-api-key,content-type"

#: Medusa's defaults when a CORS variable is unset (`define-config.js`).
CORS_DEFAULTS = {
    "STORE_CORS": "http://localhost:8000",
    "ADMIN_CORS": "http://localhost:7000,http://localhost:7001,http://localhost:5173",
    "AUTH_CORS": "http://localhost:7000,http://localhost:7001,http://localhost:5173",
}
CORS_VARS = tuple(CORS_DEFAULTS)

#: `load-module-database-config.js`: no SSL when the whole URL matches this.
NO_SSL = re.compile(r"localhost|127\.0\.0\.1|ssl_mode=(disable|false)|sslmode=(disable)", re.I)
_SSL_OFF = re.compile(r"ssl_mode=(disable|false)|sslmode=(disable)", re.I)

WORKER_MODES = ("shared", "worker", "server")
DEFAULT_SECRET = "supersecret"
#: Variables whose presence says "this env is a Medusa backend's" (gate for the rules here).
BACKEND_MARKERS = ("DATABASE_URL", "MEDUSA_BACKEND_URL", "JWT_SECRET", "COOKIE_SECRET", *CORS_VARS)


def is_production(env: Env) -> bool:
    return env.environment == "production"


def cors_entries(value: str) -> list[str]:
    """Medusa's parseCorsOrigins: split on ",", no trimming (empty entries dropped)."""
    return [item for item in value.split(",") if item != ""]


def _as_regex(entry: str) -> re.Pattern[str] | None:
    """An entry written `/.../` is a RegExp in Medusa, when it compiles."""
    if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
        try:
            return re.compile(entry[1:-1])
        except re.error:
            return None
    return None


def cors_value(env: Env, var: str) -> str:
    """The list Medusa uses: the variable, or its default when unset."""
    return env.get(var) if env.is_set(var) else CORS_DEFAULTS[var]  # type: ignore[return-value]


def cors_allows(value: str, origin: str) -> bool:
    """Whether the `cors` middleware, given Medusa's parsed list, allows this Origin."""
    for entry in cors_entries(value):
        pattern = _as_regex(entry)
        if pattern is not None and pattern.search(origin):
            return True
        if entry == origin:
            return True
    return False


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, as a browser sends it in `Origin`."""
    parts = split_url(url)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def lint(env: Env) -> Iterator[Finding]:
    """The backend's production settings, when this env is a backend's."""
    if not any(env.is_set(name) for name in BACKEND_MARKERS):
        return
    yield from _secrets(env)
    for var in CORS_VARS:
        yield from _cors(env, var)
    yield from _database(env)
    yield from _worker_mode(env)


def _secrets(env: Env) -> Iterator[Finding]:
    strict = env.environment in ("production", "staging")
    for var in ("JWT_SECRET", "COOKIE_SECRET"):
        value = env.value(var)
        if value and value != DEFAULT_SECRET:
            continue
        state = "unset" if not value else f"'{DEFAULT_SECRET}'"
        consequence = (
            "in production Medusa then refuses to start, or a medusa-config.ts that writes "
            f'`process.env.{var} || "supersecret"` signs with a value anyone knows'
            if strict
            else f"Medusa uses '{DEFAULT_SECRET}' outside production: fine for development"
        )
        yield finding(
            NAME,
            "secret-default",
            Severity.ERROR if strict else Severity.INFO,
            f"{var} is {state} ({env.environment}): {consequence}",
            hint=f"set {var} to a long random value (openssl rand -hex 32)",
            source=env.source(var),
        )
    jwt, cookie = env.value("JWT_SECRET"), env.value("COOKIE_SECRET")
    if jwt and jwt == cookie and jwt != DEFAULT_SECRET:
        yield finding(
            NAME,
            "secrets-equal",
            Severity.WARNING,
            "JWT_SECRET and COOKIE_SECRET are the same value: one leak gives away both",
            hint="give COOKIE_SECRET its own random value (openssl rand -hex 32)",
            source=env.source("COOKIE_SECRET"),
        )


def _cors(env: Env, var: str) -> Iterator[Finding]:
    source = env.source(var)
    if not env.is_set(var):
        if is_production(env):
            yield finding(
                NAME,
                "cors-unset",
                Severity.ERROR,
                f"{var} is unset, so Medusa allows only {CORS_DEFAULTS[var]} (its default): "
                "browsers on the real site are blocked",
                hint=f"set {var} to the site's origins, comma-separated, no spaces",
            )
        return
    for entry in cors_entries(env.get(var) or ""):
        if _as_regex(entry) is not None:
            continue
        if entry != entry.strip():
            yield finding(
                NAME,
                "cors-space",
                Severity.ERROR,
                f"{var} has the origin {entry!r}: Medusa splits on ',' and does not trim, "
                "so this origin never matches and that site is blocked",
                hint=f"remove the spaces around the commas in {var}",
                source=source,
            )
            continue
        if entry == "*":
            yield finding(
                NAME,
                "cors-wildcard",
                Severity.ERROR,
                f"{var} is '*': Medusa compares each origin exactly and sends credentials, "
                "so '*' allows no site (and would allow every site if it did)",
                hint=f"list the exact origins in {var}, e.g. https://shop.example.com",
                source=source,
            )
            continue
        yield from _cors_origin(env, var, entry)


def _cors_origin(env: Env, var: str, entry: str) -> Iterator[Finding]:
    """One entry of a CORS list that is neither a /regex/, spaced, nor '*': a bare origin."""
    source = env.source(var)
    parts = split_url(entry)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        yield finding(
            NAME,
            "cors-origin-invalid",
            Severity.ERROR,
            f"{var} has {entry!r}, which is not an origin (scheme://host[:port])",
            hint=f"write each origin in {var} as https://host, or /regex/",
            source=source,
        )
        return
    if parts.path or parts.query or parts.fragment:
        yield finding(
            NAME,
            "cors-path",
            Severity.ERROR,
            f"{var} has {entry!r}: a browser's Origin never has a path or a trailing "
            "slash, so this entry never matches",
            hint=f"write it as {parts.scheme}://{parts.netloc} in {var}",
            source=source,
        )
    if is_production(env) and is_loopback(parts.hostname):
        yield finding(
            NAME,
            "cors-localhost",
            Severity.WARNING,
            f"{var} allows {entry} in production: a development origin",
            hint=f"remove it from {var}; list the public site's origin instead",
            source=source,
        )
    elif is_production(env) and parts.scheme == "http":
        yield finding(
            NAME,
            "cors-http",
            Severity.WARNING,
            f"{var} allows {entry} over plain http in production",
            hint=f"serve that site over https and write https:// in {var}",
            source=source,
        )


def _database(env: Env) -> Iterator[Finding]:
    url = env.value("DATABASE_URL")
    if not url:
        return
    parts = split_url(url)
    host = parts.hostname if parts is not None else None
    local = is_loopback(host)
    source = env.source("DATABASE_URL")
    if local:
        if is_production(env):
            yield finding(
                NAME,
                "database-local",
                Severity.WARNING,
                f"DATABASE_URL points at a database on this machine ({host}) in production",
                hint="check that the server really runs its own Postgres; a managed database "
                "needs its own host name here",
                source=source,
            )
        return
    if _SSL_OFF.search(url):
        yield finding(
            NAME,
            "database-ssl-off",
            Severity.ERROR if is_production(env) else Severity.WARNING,
            f"DATABASE_URL turns SSL off for {host}: passwords and data cross the network "
            "in clear, and managed Postgres (RDS, Supabase, Neon...) refuses the connection",
            hint="remove sslmode=disable / ssl_mode=disable|false from DATABASE_URL",
            source=source,
        )
    elif NO_SSL.search(url):
        yield finding(
            NAME,
            "database-ssl-accidental",
            Severity.WARNING,
            f"DATABASE_URL names the remote host {host} but contains 'localhost' or "
            "'127.0.0.1' elsewhere: Medusa's test matches the whole URL and turns SSL off",
            hint="rename the user, password or database so the URL has no 'localhost' in it",
            source=source,
        )


def _worker_mode(env: Env) -> Iterator[Finding]:
    mode = env.value("MEDUSA_WORKER_MODE")
    if not mode:
        return
    source = env.source("MEDUSA_WORKER_MODE")
    if mode not in WORKER_MODES:
        yield finding(
            NAME,
            "worker-mode-invalid",
            Severity.ERROR,
            f"MEDUSA_WORKER_MODE is {mode!r}; Medusa knows shared, worker and server",
            hint="set MEDUSA_WORKER_MODE to shared (one process), or worker/server for a split",
            source=source,
        )
    elif mode != "shared" and not env.is_set("REDIS_URL"):
        yield finding(
            NAME,
            "worker-without-redis",
            Severity.ERROR,
            f"MEDUSA_WORKER_MODE={mode} without REDIS_URL: the event bus and workflow engine "
            "stay in memory, so the worker never sees the server's events (no order mail, "
            "no scheduled jobs)",
            hint="set REDIS_URL (the Redis event bus and workflow engine modules), or "
            "MEDUSA_WORKER_MODE=shared",
            source=source,
        )


# --- live: the admin's CORS preflight and session cookie ---------------------------------------


def preflight(
    send: Callable[..., httpx.Response], path: str, origin: str, method: str = "POST"
) -> str | None:
    """A browser's CORS preflight through `send` (the admin's or the store API's bounded
    request); the Access-Control-Allow-Origin that came back, if any."""
    response = send(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": PREFLIGHT_HEADERS,
        },
    )
    allowed = response.headers.get("access-control-allow-origin")
    return str(allowed) if allowed is not None else None


def probe_admin(
    admin: Admin, env: Env, steps: Steps, mode: str | None, admin_url: str | None = None
) -> None:
    """Admin-side live checks: CORS from the admin's origin, the Secure session cookie.

    The admin's origin is `admin_url` (an admin hosted apart from the backend), else the
    backend's own (the admin at /app): a browser sends no preflight to its own origin, so there
    a missing Access-Control-Allow-Origin is only noted."""
    backend = origin_of(env.value("MEDUSA_BACKEND_URL"))
    origin = origin_of(admin_url) if admin_url else backend
    if origin is None:
        return
    for check, path, var in (
        ("cors-auth-admin", "/auth/user/emailpass", "AUTH_CORS"),
        ("cors-admin", "/admin/users/me", "ADMIN_CORS"),
    ):
        allowed = preflight(
            partial(admin.send, auth=None),
            path,
            origin,
            "POST" if path.startswith("/auth") else "GET",
        )
        if allowed == origin:
            steps.ok(check, f"the preflight to {path} from {origin} is allowed")
        elif origin == backend:
            steps.add(
                check,
                Status.SKIP,
                f"{origin} is not in the backend's {var}; the admin served by the backend "
                "itself needs no CORS (a browser sends no preflight to its own origin)",
                hint=f"if the admin is hosted elsewhere, pass --admin-url to check {var}",
            )
        else:
            steps.fail(
                check,
                Stage.CONFIG,
                f"the preflight to {path} from the admin's origin {origin} got no "
                "Access-Control-Allow-Origin: the browser blocks the admin's "
                + ("login" if var == "AUTH_CORS" else "API calls"),
                f"add {origin} to {var} (comma-separated, no spaces) and restart the backend",
            )
    if is_production(env):
        _session_cookie(admin, env, steps, mode)


def _session_cookie(admin: Admin, env: Env, steps: Steps, mode: str | None) -> None:
    parts = split_url(env.value("MEDUSA_BACKEND_URL"))
    if parts is not None and parts.scheme == "http":
        steps.fail(
            "session-cookie",
            Stage.CONFIG,
            "MEDUSA_BACKEND_URL is plain http in production: Medusa sets its session cookie "
            "Secure, the browser drops it, and the admin loops on 401",
            "serve the backend over https (behind a proxy that sends X-Forwarded-Proto)",
        )
        return
    if mode is None or not mode.startswith("email"):
        steps.add(
            "session-cookie",
            Status.SKIP,
            "the session cookie needs an admin login (MEDUSA_ADMIN_EMAIL/PASSWORD)",
        )
        return
    response = admin.send("POST", "/auth/session")
    cookies = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    if response.status_code == 200 and not cookies:
        # express-session (proxy: true) sets a Secure cookie only on a request it sees as
        # https: over TLS to Node itself, or with X-Forwarded-Proto: https (source notes).
        steps.fail(
            "session-cookie",
            Stage.CONFIG,
            "POST /auth/session answered 200 but set no cookie: the backend runs in production "
            "and did not see the request as https, so the admin loops on 401",
            "the proxy in front of Medusa must send X-Forwarded-Proto: https "
            "(e.g. nginx: proxy_set_header X-Forwarded-Proto $scheme)",
        )
    elif response.status_code != 200 or not cookies:
        steps.fail(
            "session-cookie",
            Stage.PROTOCOL,
            f"POST /auth/session answered {response.status_code} without a session cookie",
            "see the backend's log; is COOKIE_SECRET set on the server?",
        )
    elif not any(re.search(r";\s*secure\b", c, re.I) for c in cookies):
        steps.fail(
            "session-cookie",
            Stage.CONFIG,
            "the session cookie is not Secure: the backend does not run with NODE_ENV=production",
            "start the backend with NODE_ENV=production",
        )
    else:
        steps.ok("session-cookie", "admin login sets a Secure session cookie")
