"""The Medusa backend itself: its URL and admin credentials, for live checks and admin changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storectl.env import Env
from storectl.errors import StorectlError
from storectl.providers._checks import is_http_url, url_unparseable
from storectl.providers._probe import TRUST_HINT, Deadline, Steps, network_stage, tls_context
from storectl.providers.base import (
    Check,
    EnvVar,
    Finding,
    ProbeOptions,
    Provider,
    Severity,
    Stage,
    Status,
    finding,
)

NAME = "medusa"

ENV_VARS = (
    EnvVar("MEDUSA_BACKEND_URL", "URL of the Medusa backend", required=True),
    EnvVar("MEDUSA_ADMIN_API_KEY", "admin secret API key (sent as HTTP Basic)", secret=True),
    EnvVar("MEDUSA_ADMIN_EMAIL", "admin user email (when no API key is set)"),
    EnvVar("MEDUSA_ADMIN_PASSWORD", "admin user password", secret=True),
)


def lint(env: Env) -> Iterator[Finding]:
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

STRIPE_PROVIDER = "pp_stripe_stripe"
_RETRY_STATUSES = (429, 502, 503, 504)
PUBLISHABLE_KEY_REQUIRED = "Publishable API key required"
REGION_FIELDS = "id,name,currency_code,*countries,*payment_providers"


class MedusaError(StorectlError):
    """A failed call to the backend, classified by the stage it broke at."""

    def __init__(self, stage: Stage, message: str, hint: str) -> None:
        super().__init__(message, hint, stage)
        self.stage: Stage = stage


def _body_message(response: Any) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("message"):
        return None
    from storectl.redact import clean_peer_text  # a 401 body may quote the Authorization header

    return clean_peer_text(str(data.get("message")))


def request(http: Any, method: str, url: str, **kwargs: Any) -> Any:
    """One httpx request; transport failures become a MedusaError with their stage."""
    import httpx

    where = str(http.base_url).rstrip("/") or url
    try:
        return http.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise MedusaError(
            Stage.TIMEOUT,
            f"{where} did not answer {method} {url} in time",
            "is the backend up? Raise --timeout for a slow cold start",
        ) from None
    except httpx.HTTPError as exc:
        net = network_stage(exc)
        if net is None and isinstance(exc, httpx.RemoteProtocolError):
            net = (Stage.PROTOCOL, f"the server broke the HTTP exchange ({exc})")
        stage, reason = net if net else (Stage.CONNECT, str(exc) or type(exc).__name__)
        hint = (
            TRUST_HINT
            if "certificate" in reason
            else "check MEDUSA_BACKEND_URL (or STRIPE_WEBHOOK_URL) and that the backend is running"
        )
        raise MedusaError(stage, f"{where}: {reason}", hint) from None


def post_webhook(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Any:
    """POST an event to a webhook URL, as Stripe would: no credentials, just the signature."""
    import httpx

    from storectl import __version__

    with httpx.Client(
        timeout=timeout,
        headers={"User-Agent": f"storectl/{__version__}"},
        verify=tls_context(),
    ) as http:
        return request(http, "POST", url, content=body, headers=headers)


class Admin:
    """One httpx client per run against the backend: base URL, timeout, User-Agent, auth once."""

    def __init__(self, env: Env, timeout: float) -> None:
        import httpx

        from storectl import __version__

        self.env = env
        self.base = env.value("MEDUSA_BACKEND_URL").rstrip("/")
        if self.base and not is_http_url(self.base):
            raise MedusaError(
                Stage.CONFIG,
                "MEDUSA_BACKEND_URL is not a usable http(s) URL"
                + (f": {url_unparseable(self.base)}" if url_unparseable(self.base) else ""),
                "write it as https://api.example.com (see 'storectl status')",
            )
        self.http = httpx.Client(
            base_url=self.base,
            timeout=timeout,
            headers={"User-Agent": f"storectl/{__version__}"},
            verify=tls_context(),
        )
        self.auth_mode: str | None = None
        self.deadline = Deadline(timeout)

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request; transport failures become a MedusaError with their stage. A GET that
        meets 429 or a gateway error (502-504) is tried again, twice at most, within the
        command's deadline: reads are safe to repeat, writes are not repeated."""
        import time

        for attempt in range(3):
            response = request(self.http, method, url, **kwargs)
            delay = 0.25 * 2**attempt
            if (
                method != "GET"
                or response.status_code not in _RETRY_STATUSES
                or attempt == 2
                or self.deadline.remaining() <= delay
            ):
                return response
            time.sleep(delay)
        raise AssertionError("unreachable")

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """An admin API call that must answer 200 with JSON."""
        response = self.send(method, path, **kwargs)
        message = _body_message(response)
        status = response.status_code
        if status == 200:
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict):
                return data
            raise MedusaError(
                Stage.PROTOCOL,
                f"{method} {path} answered 200 with {response.headers.get('content-type')}, "
                "not JSON",
                "is MEDUSA_BACKEND_URL the backend, not the storefront or a proxy page?",
            )
        if status == 401:
            raise MedusaError(
                Stage.AUTH,
                f"the backend refused the admin credentials: {message or 'Unauthorized'}",
                "check MEDUSA_ADMIN_API_KEY (a secret key, sent as HTTP Basic) or "
                "MEDUSA_ADMIN_EMAIL/MEDUSA_ADMIN_PASSWORD",
            )
        if status == 403:
            raise MedusaError(
                Stage.PERMISSION, f"{method} {path}: {message or 'Forbidden'}", "use an admin user"
            )
        if status == 404:
            raise MedusaError(
                Stage.NOT_FOUND,
                message or f"{method} {path}: no such route on this backend",
                "check MEDUSA_BACKEND_URL (a Medusa 2.x backend)"
                if message is None
                else "check the id or name",
            )
        if status >= 500:
            raise MedusaError(
                Stage.PROTOCOL,
                f"{method} {path}: the backend failed with {status}"
                + (f": {message}" if message else ""),
                "see the backend's log",
            )
        raise MedusaError(
            Stage.PROTOCOL,
            f"{method} {path} answered {status}" + (f": {message}" if message else ""),
            "see the backend's log",
        )

    def login(self) -> str | None:
        """Authenticate with the env's admin credentials; returns how, or None without any."""
        key = self.env.value("MEDUSA_ADMIN_API_KEY")
        if key:
            # Medusa takes secret API keys as HTTP Basic only (Bearer sk_... is refused: contract).
            import httpx

            self.http.auth = httpx.BasicAuth(key, "")
            self.call("GET", "/admin/regions", params={"limit": 1, "fields": "id"})
            self.auth_mode = "secret API key (HTTP Basic)"
            return self.auth_mode
        email, password = (
            self.env.value("MEDUSA_ADMIN_EMAIL"),
            self.env.get("MEDUSA_ADMIN_PASSWORD"),
        )
        if not email or not password:
            return None
        response = self.send(
            "POST", "/auth/user/emailpass", json={"email": email, "password": password}
        )
        message = _body_message(response)
        if response.status_code == 401:
            raise MedusaError(
                Stage.AUTH,
                f"login as {email} refused: {message or 'Unauthorized'}",
                "check MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD, or use MEDUSA_ADMIN_API_KEY",
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict):
            raise MedusaError(
                Stage.PROTOCOL,
                f"POST /auth/user/emailpass answered {response.status_code}"
                + (f": {message}" if message else ""),
                "is MEDUSA_BACKEND_URL a Medusa 2.x backend with the emailpass auth provider?",
            )
        if data.get("mfa_required") or data.get("verification_required"):
            raise MedusaError(
                Stage.AUTH,
                f"login as {email} needs a second step (multi-factor or verification)",
                "create a secret API key (Settings > Secret API Keys) and set MEDUSA_ADMIN_API_KEY",
            )
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise MedusaError(Stage.PROTOCOL, "login answered without a token", "see the log")
        from storectl.redact import REDACTOR

        REDACTOR.remember(token)

        # As client auth, not a default header: requests sent with auth=None (the webhook
        # probe, possibly to another host) then carry no admin token.
        def bearer(request: Any) -> Any:
            request.headers["Authorization"] = f"Bearer {token}"
            return request

        self.http.auth = bearer
        self.auth_mode = "email and password (JWT)"
        return self.auth_mode

    def pages(self, path: str, key: str, params: dict[str, Any], limit: int) -> list[Any]:
        """Every item of a paginated admin list (limit/offset/count)."""
        items: list[Any] = []
        while True:
            data = self.call("GET", path, params={**params, "limit": limit, "offset": len(items)})
            page = data.get(key) or []
            items += page
            if not page or len(items) >= int(data.get("count", 0)):
                return items

    def regions(self) -> list[dict[str, Any]]:
        """Every region with its payment providers (they are not in the default fields)."""
        return self.pages("/admin/regions", "regions", {"fields": REGION_FIELDS}, 50)

    def set_payment_providers(self, region_id: str, ids: list[str]) -> dict[str, Any]:
        """Replace a region's payment providers (the list REPLACES: send the full set)."""
        data = self.call(
            "POST",
            f"/admin/regions/{region_id}",
            params={"fields": REGION_FIELDS},
            json={"payment_providers": ids},
        )
        region = data.get("region")
        if not isinstance(region, dict):
            raise MedusaError(Stage.PROTOCOL, "the region update answered no region", "see the log")
        return region

    def order(self, order_id: str, fields: str) -> dict[str, Any]:
        """One order with the given fields (email and currency_code must be asked for)."""
        order = self.call("GET", f"/admin/orders/{order_id}", params={"fields": fields}).get(
            "order"
        )
        if not isinstance(order, dict):
            raise MedusaError(
                Stage.PROTOCOL, f"order {order_id}: no order in the answer", "see the log"
            )
        return order

    def orders_since(self, since: str, fields: str) -> list[dict[str, Any]]:
        """Every order created at or after `since` (ISO date), oldest first."""
        params = {"fields": fields, "created_at[$gte]": since, "order": "created_at"}
        return self.pages("/admin/orders", "orders", params, 50)

    def payment_providers(self) -> list[dict[str, Any]]:
        return self.pages("/admin/payments/payment-providers", "payment_providers", {}, 100)


def provider_ids(region: dict[str, Any]) -> list[str]:
    return [
        p["id"] if isinstance(p, dict) else str(p) for p in region.get("payment_providers") or []
    ]


def classify_webhook_route(
    url: str, status: int, content_type: str, text: str
) -> tuple[Status, Stage | None, str, str | None]:
    """What the backend's answer to an unsigned POST says about the webhook route."""
    from urllib.parse import urlsplit

    from storectl.providers.stripe import MEDUSA_HOOK_PATH

    path = urlsplit(url).path
    fix = (
        f"set STRIPE_WEBHOOK_PATH={MEDUSA_HOOK_PATH} (a stock Medusa 2.x route) and run "
        "'storectl webhooks register', or add the custom route the store document describes"
    )
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


def probe_webhook_route(admin: Admin, url: str) -> tuple[Status, Stage | None, str, str | None]:
    """POST an unsigned, empty event to the webhook URL and classify the answer."""
    response = admin.send(
        "POST", url, content=b"{}", headers={"Content-Type": "application/json"}, auth=None
    )
    return classify_webhook_route(
        url, response.status_code, response.headers.get("content-type", ""), response.text
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
    with Admin(env, deadline.remaining()) as admin:
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
            if env.is_set("STRIPE_API_KEY"):
                step = "webhook-route"
                _webhook_route(admin, env, steps)
                if mode is not None:
                    step = "regions"
                    _regions(admin, steps)
        except MedusaError as exc:
            steps.fail(step, exc.stage, exc.message, exc.hint)
    return steps.checks


def _webhook_route(admin: Admin, env: Env, steps: Steps) -> None:
    from storectl.providers.stripe import webhook_url

    url, _origin = webhook_url(env)
    if url is None:
        return
    status, stage, summary, hint = probe_webhook_route(admin, url)
    steps.add("webhook-route", status, summary, hint=hint, stage=stage)


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


PROVIDER = Provider(
    name=NAME,
    title="Medusa backend",
    activation="MEDUSA_BACKEND_URL",
    env_vars=ENV_VARS,
    modules=(),
    fallback="no live backend checks (set MEDUSA_BACKEND_URL to check the running backend)",
    lint=lint,
    probe=probe,
)
