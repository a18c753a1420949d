"""The Next.js storefront: its publishable key, the backend URL it calls, its own origin.

Offline, the storefront's env files (and CORS as the backend's env sets it); live, the store API
as the storefront calls it: /health, /store/regions with the key, browser preflights, product
image URLs, and with admin credentials the key's sales channel, stock location and shipping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net.deadline import Deadline
from storectl.providers import storefront_live as live
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.medusa_settings import (
    BACKEND_MARKERS,
    cors_allows,
    cors_value,
    is_production,
    origin_of,
)
from storectl.providers.probe import Steps
from storectl.providers.storefront_live import BackendUrl
from storectl.providers.values import is_http_url, is_loopback, same_url, split_url

NAME = "storefront"
KEY = "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY"
PUBLIC_URL = "NEXT_PUBLIC_MEDUSA_BACKEND_URL"
BASE_URL = "NEXT_PUBLIC_BASE_URL"
#: The current Next.js starter's server-only name for the backend (the backend's name too).
SERVER_URL = "MEDUSA_BACKEND_URL"

ENV_VARS = (
    EnvVar(KEY, "the store API's publishable key (pk_...), sent as x-publishable-api-key"),
    EnvVar(PUBLIC_URL, "the backend URL in older starters (current ones: MEDUSA_BACKEND_URL)"),
    EnvVar(BASE_URL, "the storefront's own URL: its origin must be in STORE_CORS and AUTH_CORS"),
)

_TOKEN = re.compile(r"^pk_[0-9a-f]{64}$")
_PLACEHOLDER = re.compile(r"[<>{}…]|\.\.\.|your|xxx|change|replace|example|todo|^pk_?$", re.I)


def _storefront_paths(env: Env) -> set[Any]:
    return {f.path for f in env.files if f.role == "storefront"}


def storefront_backend(env: Env) -> BackendUrl | None:
    """MEDUSA_BACKEND_URL from the storefront's own files (current starter), else
    NEXT_PUBLIC_MEDUSA_BACKEND_URL (older starters)."""
    for env_file in env.files:  # highest precedence first
        if env_file.role != "storefront":
            continue
        found = [e for e in env_file.entries if e.name == SERVER_URL and e.raw.strip()]
        if found:
            entry = found[-1]
            return BackendUrl(entry.raw.strip(), SERVER_URL, env_file.source(entry.line))
    if env.is_set(PUBLIC_URL):
        return BackendUrl(env.value(PUBLIC_URL), PUBLIC_URL, env.source(PUBLIC_URL))
    # One namespace for both (the process environment, or --env-file without storefront
    # files): the storefront reads the same MEDUSA_BACKEND_URL.
    item = env.values.get(SERVER_URL)
    has_files = any(f.role == "storefront" and f.exists for f in env.files)
    if item is not None and item.value.strip() and (item.path is None or not has_files):
        return BackendUrl(item.value.strip(), SERVER_URL, item.source)
    return None


def backend_own(env: Env) -> BackendUrl | None:
    """The backend's MEDUSA_BACKEND_URL: the process environment or a backend file."""
    item = env.values.get(SERVER_URL)
    if item is None or not item.value.strip() or item.path in _storefront_paths(env):
        return None
    return BackendUrl(item.value.strip(), SERVER_URL, item.source)


def _configured(env: Env) -> bool:
    """Whether this env has a storefront to check: its files, or one of its variables."""
    has_files = any(f.role == "storefront" and f.exists for f in env.files)
    return has_files or any(env.is_set(v.name) for v in ENV_VARS)


def lint(env: Env) -> Iterator[Finding]:
    """In development a storefront without a key is simply off (status says so); in
    production or staging a storefront without one is broken."""
    if not _configured(env):
        return
    if not env.is_set(KEY) and env.environment not in ("production", "staging"):
        return
    yield from _key(env)
    yield from _backend_url(env)
    yield from _base_url(env)


def _key(env: Env) -> Iterator[Finding]:
    key, source = env.value(KEY), env.source(KEY)
    fix = "copy the key from Admin > Settings > Publishable API Keys (pk_ and 64 hex digits)"
    if not key:
        yield finding(
            NAME,
            "publishable-key-missing",
            Severity.ERROR,
            f"{KEY} is not set: every /store/* call answers 400 'Publishable API key "
            "required', and the storefront shows no products",
            hint=f"{fix} into {KEY} in the storefront's .env.local",
        )
    elif key.startswith(("pk_test_", "pk_live_")):
        yield finding(
            NAME,
            "publishable-key-stripe",
            Severity.ERROR,
            f"{KEY} holds a Stripe publishable key, not a Medusa one",
            hint=f"{fix}; Stripe's key goes in NEXT_PUBLIC_STRIPE_KEY",
            source=source,
        )
    elif not key.startswith("pk_") or _PLACEHOLDER.search(key):
        why = "a template placeholder" if key.startswith("pk_") else "no pk_ prefix"
        yield finding(
            NAME,
            "publishable-key-format",
            Severity.ERROR,
            f"{KEY} is not a publishable key ({why})",
            hint=fix,
            source=source,
        )
    elif not _TOKEN.match(key):
        yield finding(
            NAME,
            "publishable-key-format",
            Severity.WARNING,
            f"{KEY} starts with pk_ but is not pk_ and 64 hex digits, as Medusa makes them",
            hint=fix,
            source=source,
        )


def _backend_url(env: Env) -> Iterator[Finding]:
    url = storefront_backend(env)
    if url is None:
        yield finding(
            NAME,
            "backend-url-missing",
            Severity.ERROR if is_production(env) else Severity.WARNING,
            f"the storefront sets neither {SERVER_URL} (current Next.js starter, server-only) "
            f"nor {PUBLIC_URL} (older starters): it calls http://localhost:9000",
            hint=f"set {SERVER_URL} in the storefront's .env.local to the backend's https URL",
        )
        return
    said = f"{url.var} (read by the storefront, {url.source})"
    if (
        url.var == SERVER_URL
        and env.is_set(PUBLIC_URL)
        and not same_url(env.value(PUBLIC_URL), url.value)
    ):
        yield finding(
            NAME,
            "backend-url-both",
            Severity.WARNING,
            f"the storefront sets {SERVER_URL}={url.value} and {PUBLIC_URL}="
            f"{env.value(PUBLIC_URL)}: the current starter uses the first, older code the second",
            hint="give both the same URL, or delete the one your storefront does not read",
            source=env.source(PUBLIC_URL),
        )
    if not is_http_url(url.value):
        yield finding(
            NAME,
            "backend-url-invalid",
            Severity.ERROR,
            f"{said} is not an http(s) URL",
            hint="write it as https://api.example.com (no path)",
            source=url.source,
        )
        return
    yield from _backend_reach(env, url, said)
    own = backend_own(env)
    if own is not None and not same_url(own.value, url.value):
        yield finding(
            NAME,
            "backend-url-mismatch",
            Severity.WARNING,
            f"the storefront calls {url.value} ({said}) but the backend's {SERVER_URL} is "
            f"{own.value} ({own.source}): a different backend, or a different name for it",
            hint="point both at the same backend ('storectl doctor' compares their regions)",
            source=url.source,
        )


def _backend_reach(env: Env, url: BackendUrl, said: str) -> Iterator[Finding]:
    """In production, who calls the storefront's backend URL must be able to reach it, safely."""
    parts = split_url(url.value)
    assert parts is not None
    # NEXT_PUBLIC_ is what visitors' browsers call; the starter's server-only name is called
    # by the Next.js server, which may run beside the backend.
    browser = url.var == PUBLIC_URL
    where = "visitors' browsers" if browser else "the Next.js server (only if it runs beside it)"
    if is_production(env) and is_loopback(parts.hostname):
        yield finding(
            NAME,
            "backend-url-localhost",
            Severity.ERROR if browser else Severity.WARNING,
            f"{said} is {url.value} in production: only {where} can reach a backend on localhost",
            hint=f"set {url.var} to the backend's public https URL",
            source=url.source,
        )
    elif is_production(env) and parts.scheme == "http":
        yield finding(
            NAME,
            "backend-url-http",
            Severity.ERROR if browser else Severity.WARNING,
            f"{said} is plain http in production"
            + (
                ": an https storefront's calls to it are blocked as mixed content"
                if browser
                else ": the storefront's traffic to the backend is readable on the way"
            ),
            hint=f"use the backend's https URL in {url.var}",
            source=url.source,
        )


def _base_url(env: Env) -> Iterator[Finding]:
    backend_loaded = any(env.is_set(n) for n in BACKEND_MARKERS if n != SERVER_URL) or (
        backend_own(env) is not None
    )
    if not env.is_set(BASE_URL):
        if backend_loaded:
            yield finding(
                NAME,
                "base-url-missing",
                Severity.WARNING if is_production(env) else Severity.INFO,
                f"{BASE_URL} (the storefront's own URL) is not set: storectl cannot check that "
                "STORE_CORS and AUTH_CORS allow the storefront",
                hint=f"set {BASE_URL}=https://shop.example.com in the storefront's env "
                "(or pass --storefront-url to doctor)",
            )
        return
    origin = origin_of(env.value(BASE_URL))
    source = env.source(BASE_URL)
    if origin is None:
        yield finding(
            NAME,
            "base-url-invalid",
            Severity.ERROR,
            f"{BASE_URL} is not an http(s) URL",
            hint="write it as https://shop.example.com",
            source=source,
        )
        return
    parts = split_url(origin)
    assert parts is not None
    if is_production(env) and (is_loopback(parts.hostname) or parts.scheme == "http"):
        yield finding(
            NAME,
            "base-url-local",
            Severity.WARNING,
            f"{BASE_URL} is {origin} in production (localhost or plain http)",
            hint=f"set {BASE_URL} to the storefront's public https URL",
            source=source,
        )
    if not backend_loaded:
        return
    for var, what in (("STORE_CORS", "the store API"), ("AUTH_CORS", "customer login")):
        value = cors_value(env, var)
        if not cors_allows(value, origin):
            yield finding(
                NAME,
                f"cors-missing-{var.split('_')[0].lower()}",
                Severity.ERROR,
                f"the storefront's origin {origin} ({BASE_URL}) is not in {var}"
                + ("" if env.is_set(var) else f" (unset: Medusa's default {value})")
                + f": browsers block {what}",
                hint=f"add {origin} to {var} (comma-separated, no spaces) and restart the backend",
                source=env.source(var) or source,
            )


# --- live ------------------------------------------------------------------------------------


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    from storectl.providers.storefront_api import Store

    deadline = Deadline(options.timeout)
    url = storefront_backend(env) or backend_own(env)
    if url is None:
        steps = Steps(NAME)
        steps.add(
            "backend-url",
            Status.SKIP,
            f"no backend URL: set {SERVER_URL} (or {PUBLIC_URL}) in the storefront's env",
        )
        return steps.checks
    steps = Steps(NAME, url.value)
    step = "health"
    try:
        with Store(url.value, env.value(KEY), deadline, url.var) as store:
            if not live.health(store, url, steps):
                return steps.checks
            step = "publishable-key"
            regions = live.regions(store, steps)
            step = "same-backend"
            _same_backend(env, url, regions, deadline, steps)
            step = "cors-store"
            _cors(env, store, options, steps)
            step = "product-images"
            live.images(is_production(env), store, steps)
        step = "key-sales-channel"
        if backend_own(env) is not None:
            live.key_sales_channel(env, KEY, regions, deadline, steps)
    except NetworkError as exc:
        steps.fail(step, exc.stage, exc.message, exc.hint)
    return steps.checks


def _same_backend(
    env: Env,
    url: BackendUrl,
    regions: list[dict[str, Any]],
    deadline: Deadline,
    steps: Steps,
) -> None:
    from storectl.providers.storefront_api import Store

    own = backend_own(env)
    if own is None or same_url(own.value, url.value):
        return
    with Store(own.value, env.value(KEY), deadline, SERVER_URL) as other:
        theirs = {str(r.get("id")) for r in live.regions_quiet(other)}
    ours = {str(r.get("id")) for r in regions}
    if theirs == ours:
        steps.ok(
            "same-backend",
            f"{url.var} and the backend's {SERVER_URL} ({own.value}) serve the same regions",
        )
    else:
        steps.fail(
            "same-backend",
            Stage.CONFIG,
            f"the storefront's backend ({url.value}) and {SERVER_URL} ({own.value}) serve "
            "different regions: they are different backends",
            f"point {url.var} at the backend this store deploys",
        )


def _cors(env: Env, store: Any, options: ProbeOptions, steps: Steps) -> None:
    given = options.settings.get("storefront_url")
    origin = origin_of(given) if given else origin_of(env.value(BASE_URL))
    if origin is None:
        steps.add(
            "cors-store",
            Status.SKIP,
            f"the storefront's origin is unknown: set {BASE_URL} or pass --storefront-url",
        )
        return
    # which side is wrong when a preflight is refused: the file, or the running backend
    in_file = {
        var: env.source(var)
        for var in ("STORE_CORS", "AUTH_CORS")
        if env.is_set(var) and cors_allows(cors_value(env, var), origin)
    }
    live.cors(store, origin, "--storefront-url" if given else BASE_URL, steps, in_file)


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("backend-url", "the storefront's env names the backend it talks to"),
    ProbeCheck("health", "that backend answers GET /health"),
    ProbeCheck("same-backend", "the storefront and the backend's own env name one backend"),
    ProbeCheck("publishable-key", "the publishable API key is accepted by the store API"),
    ProbeCheck(
        "cors-store",
        "STORE_CORS lets the storefront's origin call the store API",
        sends="an OPTIONS preflight",
    ),
    ProbeCheck(
        "cors-auth-customer",
        "AUTH_CORS lets the storefront's origin log customers in",
        sends="an OPTIONS preflight",
    ),
    ProbeCheck("product-images", "product image URLs load"),
    ProbeCheck("key-sales-channel", "the key has a sales channel"),
    ProbeCheck("stock-location", "every sales channel of the key has a stock location"),
    ProbeCheck("shipping-options", "each region has a shipping option for the key's channel"),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="Storefront",
    activation=KEY,
    env_vars=ENV_VARS,
    modules=(),
    fallback="no storefront checks (set NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY in the storefront)",
    lint=lint,
    probe=probe,
    endpoint=Endpoint(PUBLIC_URL),
    companions_need_activation=False,
)
