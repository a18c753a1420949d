"""The Medusa backend itself: its URL and admin credentials, for live checks and admin changes."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net.deadline import Deadline
from storectl.providers import medusa_settings, medusa_version
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.medusa_api import (
    PUBLISHABLE_KEY_REQUIRED,
    STRIPE_PROVIDER,
    Admin,
    provider_ids,
)
from storectl.providers.probe import Steps
from storectl.providers.values import (
    DOCUMENT_PATH_FIX,
    MEDUSA_HOOK_PATH,
    is_http_url,
    path_fix,
    url_unparseable,
    webhook_url,
)

NAME = "medusa"

ENV_VARS = (
    EnvVar("MEDUSA_BACKEND_URL", "URL of the Medusa backend", required=True),
    EnvVar(
        "MEDUSA_ADMIN_API_KEY",
        "admin secret API key (sent as HTTP Basic)",
        secret=True,
        basic_user=True,
    ),
    EnvVar("MEDUSA_ADMIN_EMAIL", "admin user email (when no API key is set)"),
    EnvVar("MEDUSA_ADMIN_PASSWORD", "admin user password", secret=True, user="MEDUSA_ADMIN_EMAIL"),
)


def lint(env: Env) -> Iterator[Finding]:
    yield from medusa_version.lint(env)
    yield from medusa_settings.lint(env)
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return
    unparseable = url_unparseable(env.value("MEDUSA_BACKEND_URL"))
    if unparseable is not None:
        yield finding(
            NAME,
            "url-unparseable",
            Severity.ERROR,
            f"MEDUSA_BACKEND_URL cannot be parsed: {unparseable}",
            hint="write it as https://api.example.com (no path)",
            source=env.source("MEDUSA_BACKEND_URL"),
        )
    elif not is_http_url(env.value("MEDUSA_BACKEND_URL")):
        yield finding(
            NAME,
            "url-invalid",
            Severity.ERROR,
            "MEDUSA_BACKEND_URL is not an http(s) URL",
            hint="write it as https://api.example.com (no path)",
            source=env.source("MEDUSA_BACKEND_URL"),
        )
    email, password = env.is_set("MEDUSA_ADMIN_EMAIL"), env.is_set("MEDUSA_ADMIN_PASSWORD")
    if email != password:
        have, lack = (
            ("MEDUSA_ADMIN_EMAIL", "MEDUSA_ADMIN_PASSWORD")
            if email
            else ("MEDUSA_ADMIN_PASSWORD", "MEDUSA_ADMIN_EMAIL")
        )
        yield finding(
            NAME,
            "admin-credentials-incomplete",
            Severity.ERROR,
            f"{have} is set but {lack} is not",
            hint=f"set {lack}, or use MEDUSA_ADMIN_API_KEY (a secret API key) instead",
            source=env.source(have),
        )
    elif email and env.is_set("MEDUSA_ADMIN_API_KEY"):
        yield finding(
            NAME,
            "admin-credentials-both",
            Severity.INFO,
            "both MEDUSA_ADMIN_API_KEY and an admin email/password are set; the API key is used",
            source=env.source("MEDUSA_ADMIN_API_KEY"),
        )
    key = env.value("MEDUSA_ADMIN_API_KEY")
    if key and not key.startswith("sk_"):
        yield finding(
            NAME,
            "api-key-format",
            Severity.WARNING,
            "MEDUSA_ADMIN_API_KEY does not start with sk_: publishable keys (pk_) cannot "
            "use the admin API",
            hint="create a secret key in Admin > Settings > Secret API Keys",
            source=env.source("MEDUSA_ADMIN_API_KEY"),
        )


# --- admin API client and live probe -----------------------------------------------------------


#: A route check's verdict: status, stage, summary, hint.
Verdict = tuple[Status, Stage | None, str, str | None]


def classify_webhook_route(url: str, status: int, content_type: str, text: str) -> Verdict:
    """What the backend's answer to a POST (a test event, or the refused /store/* probe) says
    about the webhook route."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    fix = DOCUMENT_PATH_FIX  # the same one thing everywhere (issue 21 B)
    if status == 400 and PUBLISHABLE_KEY_REQUIRED in text:
        return (
            Status.FAIL,
            Stage.NOT_FOUND,
            f"{path} is not a webhook route: the backend wants a publishable API key on /store/* "
            "(Stripe cannot send one), so every Stripe event is refused",
            fix,
        )
    if status == 404:
        return Status.FAIL, Stage.NOT_FOUND, f"{path}: no such route on the backend (404)", fix
    if status in (401, 403):
        return (
            Status.FAIL,
            Stage.AUTH,
            f"{path} answered {status}: the route wants credentials Stripe does not send",
            fix,
        )
    if status >= 500:
        return (
            Status.FAIL,
            Stage.PROTOCOL,
            f"{path} answered {status}",
            "see the backend's log for the webhook handler's error",
        )
    if 200 <= status < 300:
        if path.startswith("/hooks/payment/") and path.rstrip("/") != MEDUSA_HOOK_PATH:
            return (
                Status.WARN,
                Stage.CONFIG,
                f"{path} answered {status}, but Medusa answers 200 on /hooks/payment/* even for "
                "a provider it does not have; Stripe registered with id 'stripe' is at "
                f"{MEDUSA_HOOK_PATH}",
                f"check the provider id in medusa-config.ts, or use {MEDUSA_HOOK_PATH}",
            )
        return (
            Status.OK,
            None,
            f"{path} answered {status}: the route exists (Medusa checks the signature after "
            "answering, so this proves the route, not STRIPE_WEBHOOK_SECRET)",
            None,
        )
    return (
        Status.FAIL,
        Stage.PROTOCOL,
        f"{path} answered {status} ({content_type or 'no content type'})",
        fix,
    )


def probe_webhook_route(admin: Admin, url: str) -> Verdict:
    """Prove the webhook route without a delivery Medusa would process.

    Every POST to /hooks/payment/* is processed seconds after its 200, and an unsigned one
    leaves `"level":"error"` lines in the backend's log (contract, "Side effects"): an alert
    on every doctor run. So: OPTIONS on the URL (Express answers 200 on a route that exists,
    runs nothing) and, with admin credentials, the route's provider among the registered
    payment providers. A /store/* path is still POSTed: Medusa refuses it before any
    processing (no publishable key), which is exactly what the check reports."""
    from urllib.parse import urlsplit

    if urlsplit(url).path.startswith("/store/"):
        response = admin.send(
            "POST", url, content=b"{}", headers={"Content-Type": "application/json"}, auth=None
        )
        return classify_webhook_route(
            url, response.status_code, response.headers.get("content-type", ""), response.text
        )
    response = admin.send("OPTIONS", url, auth=None)
    providers = None
    if admin.auth_mode is not None and 200 <= response.status_code < 300:
        providers = {str(p.get("id")) for p in admin.payment_providers() if isinstance(p, dict)}
    return classify_route_options(url, response.status_code, providers)


def classify_route_options(url: str, status: int, providers: set[str] | None) -> Verdict:
    """What an OPTIONS answer (and the registered payment providers, when read) say about the
    webhook route: Medusa serves /hooks/payment/{id} for any id and hands the event to the
    payment provider `pp_{id}`."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    fix = DOCUMENT_PATH_FIX  # the same one thing everywhere (issue 21 B)
    if not 200 <= status < 300:
        if status == 404:
            return Status.FAIL, Stage.NOT_FOUND, f"{path}: no such route on the backend", fix
        if status in (401, 403):
            return (
                Status.FAIL,
                Stage.AUTH,
                f"{path} answered {status}: the route wants credentials Stripe does not send",
                fix,
            )
        return Status.FAIL, Stage.PROTOCOL, f"OPTIONS {path} answered {status}", fix
    if not path.startswith("/hooks/payment/"):
        return (
            Status.OK,
            None,
            f"{path} is served (OPTIONS answered {status}); a custom route: storectl cannot tell "
            "whether it handles Stripe events without sending one",
            None,
        )
    provider = f"pp_{path.rstrip('/').rsplit('/', 1)[1]}"
    if providers is None:
        if path.rstrip("/") != MEDUSA_HOOK_PATH:
            return (
                Status.WARN,
                Stage.CONFIG,
                f"{path} is Medusa's hooks route, which answers for any provider id; Stripe "
                f"registered with id 'stripe' is at {MEDUSA_HOOK_PATH}",
                f"check the provider id in medusa-config.ts, or use {MEDUSA_HOOK_PATH} (admin "
                f"credentials let doctor look for {provider} itself)",
            )
        return (
            Status.OK,
            None,
            f"{path} is served (OPTIONS, no delivery sent); without admin credentials "
            f"{provider} was not looked for",
            None,
        )
    if provider not in providers:
        return (
            Status.FAIL,
            Stage.NOT_FOUND,
            f"{path} is Medusa's hooks route, but the backend has no payment provider "
            f"{provider}: every event sent there is dropped",
            f"check the provider id in medusa-config.ts (Stripe with id 'stripe' is at "
            f"{MEDUSA_HOOK_PATH}), then run 'storectl webhooks register'",
        )
    return (
        Status.OK,
        None,
        f"{path} is served and {provider} is registered (OPTIONS and the provider list: no "
        "delivery sent, so STRIPE_WEBHOOK_SECRET is not proven here)",
        None,
    )


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    deadline = Deadline(options.timeout)
    steps = Steps(NAME, env.value("MEDUSA_BACKEND_URL"))
    if not is_http_url(env.value("MEDUSA_BACKEND_URL")):
        # httpx would read `:٩٠٠٠` as port 9000 and a typo as a path: never guess the target.
        steps.fail(
            "health",
            Stage.CONFIG,
            "MEDUSA_BACKEND_URL is not a usable http(s) URL",
            "fix MEDUSA_BACKEND_URL (see the lint findings)",
        )
        return steps.checks
    mode: str | None = None
    with Admin(env, deadline.remaining(), deadline) as admin:
        step = "health"
        try:
            response = admin.send("GET", "/health")
            if response.status_code != 200:
                steps.fail(
                    "health",
                    Stage.PROTOCOL,
                    f"GET /health answered {response.status_code}",
                    "is MEDUSA_BACKEND_URL the backend (port 9000 by default), not the storefront?",
                )
                return steps.checks
            steps.ok("health", f"GET /health answered {response.text.strip()[:40]!r}")
            step = "admin-auth"
            mode = admin.login()
            if mode is None:
                steps.add(
                    "admin-auth",
                    Status.SKIP,
                    "no admin credentials: region checks skipped",
                    hint="set MEDUSA_ADMIN_API_KEY (or MEDUSA_ADMIN_EMAIL and "
                    "MEDUSA_ADMIN_PASSWORD)",
                )
            else:
                steps.ok("admin-auth", f"{mode} accepted")
            step = "cors-admin"
            medusa_settings.probe_admin(admin, env, steps, mode, options.settings.get("admin_url"))
            if env.is_set("STRIPE_API_KEY"):
                step = "webhook-route"
                _webhook_route(admin, env, steps)
                if mode is not None:
                    step = "regions"
                    _regions(admin, steps)
        except NetworkError as exc:
            steps.fail(step, exc.stage, exc.message, exc.hint)
            return steps.checks
    if mode is not None:
        # what the running backend really loaded; imported here, as status loads this module
        # (drift and sync: ~2.6 ms of its start-up)
        from storectl.providers import drift

        steps.checks += drift.checks(env, options, deadline)
    return steps.checks


def _webhook_route(admin: Admin, env: Env, steps: Steps) -> None:
    url, _origin = webhook_url(env)
    if url is None:
        return
    status, stage, summary, hint = probe_webhook_route(admin, url)
    steps.add("webhook-route", status, summary, hint=path_fix(env, hint), stage=stage)


def _regions(admin: Admin, steps: Steps) -> None:
    regions = admin.regions()
    if not regions:
        steps.warn(
            "regions",
            Stage.CONFIG,
            "the backend has no regions: nobody can check out",
            "create a region in Admin > Settings > Regions",
        )
        return
    lacking = [
        r.get("name") or r.get("id") for r in regions if STRIPE_PROVIDER not in provider_ids(r)
    ]
    if lacking:
        steps.warn(
            "regions",
            Stage.CONFIG,
            f"Stripe ({STRIPE_PROVIDER}) is not enabled in {len(lacking)} of {len(regions)} "
            f"regions: {', '.join(str(n) for n in lacking)}",
            "run 'storectl regions enable-stripe --all' (or name the regions with --region)",
        )
    else:
        steps.ok("regions", f"Stripe is enabled in all {len(regions)} regions")


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("health", "the backend answers GET /health"),
    ProbeCheck(
        "admin-auth",
        "the admin API key or email/password are accepted",
        sends="POST /auth/user/emailpass (a login) with email/password; none with an API key",
    ),
    ProbeCheck(
        "cors-auth-admin",
        "AUTH_CORS lets the admin's origin log in",
        sends="an OPTIONS preflight",
    ),
    ProbeCheck(
        "cors-admin", "ADMIN_CORS lets the admin's origin call the admin API", sends="OPTIONS"
    ),
    ProbeCheck(
        "session-cookie",
        "production: the admin session cookie is Secure and reaches the browser",
        writes=True,
        sends="POST /auth/session with an email/password login (the backend keeps the session "
        "until it expires)",
    ),
    ProbeCheck(
        "webhook-route",
        "the backend serves the Stripe webhook route and has its payment provider (no delivery)",
        sends="OPTIONS on the webhook URL; a /store/* URL only: POST {}, which Medusa refuses "
        "before any processing",
    ),
    ProbeCheck("regions", "regions exist and list Stripe among their payment providers"),
    ProbeCheck(
        "providers-loaded", "the backend has registered pp_stripe_stripe (STRIPE_API_KEY set)"
    ),
    ProbeCheck(
        "files-loaded",
        "an upload lands where the env files say (S3_FILE_URL or local) and is public",
        writes=True,
        sends="POST /admin/uploads (one probe file), DELETE /admin/uploads/{id} (--no-write: "
        "skipped)",
    ),
    ProbeCheck("mail-recorded", "the newest orders have an order-placed notification"),
)


PROVIDER = Provider(
    checks=CHECKS,
    name=NAME,
    title="Medusa backend",
    activation="MEDUSA_BACKEND_URL",
    env_vars=ENV_VARS,
    modules=(),
    fallback="no live backend checks (set MEDUSA_BACKEND_URL to check the running backend)",
    lint=lint,
    probe=probe,
    endpoint=Endpoint("MEDUSA_BACKEND_URL"),
)
