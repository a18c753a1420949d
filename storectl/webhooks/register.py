"""`webhooks register` and `webhooks test`: the Stripe calls, the route check, the secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storectl import redact
from storectl.env import Env
from storectl.errors import ConfigError, NetworkError, StorectlError, UsageError
from storectl.model import Status
from storectl.providers import medusa, medusa_api, stripe, stripe_api, values
from storectl.webhooks import plan as webhooks

SECRET_VAR = "STRIPE_WEBHOOK_SECRET"


@dataclass(frozen=True)
class Request:
    url: str
    url_source: str
    events: list[str] | None
    exact: bool
    prune: bool
    rotate: bool
    write_to: Path | None
    show_secret: bool
    force: bool
    dry_run: bool
    timeout: float


def check_route(env: Env, url: str, force: bool, timeout: float) -> str | None:
    """Probe the URL as doctor does; refuse (unless --force) when it is no webhook route."""
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return "MEDUSA_BACKEND_URL is not set: the webhook route was not checked"
    try:
        with medusa_api.Admin(env, timeout) as admin:
            status, _stage, summary, hint = medusa.probe_webhook_route(admin, url)
    except NetworkError as exc:
        if exc.unusable:
            return f"the backend did not answer ({exc.message}): the webhook route was not checked"
        raise
    if status is Status.FAIL:
        if force:
            return f"--force: registering anyway, although {summary}"
        raise StorectlError(summary, hint=f"{hint}; or pass --force to register anyway")
    return summary if status is Status.WARN else None


def register(env: Env, request: Request, confirm: Callable[[str], None]) -> webhooks.RegisterReport:
    api = stripe_api.Api(env, request.timeout)
    if api.live and request.url.startswith("http://"):
        raise UsageError(
            f"{request.url} is http://, and Stripe sends live-mode events only over HTTPS",
            hint="use the backend's https:// URL (STRIPE_WEBHOOK_URL or MEDUSA_BACKEND_URL)",
        )
    notes: list[str] = []
    route_note = check_route(env, request.url, request.force, request.timeout)
    if route_note:
        notes.append(route_note)
    events = request.events or list(stripe.MEDUSA_EVENTS)
    endpoints = api.endpoints()
    actions, plan_notes = webhooks.plan(
        endpoints,
        request.url,
        events,
        exact=request.exact,
        prune=request.prune,
        rotate=request.rotate,
    )
    notes += plan_notes
    creates = any(a.kind is webhooks.Kind.CREATE for a in actions)
    target = webhooks.secret_target(env, request.write_to) if creates else None
    if creates and target is None:
        raise ConfigError(
            f"no env file to write {SECRET_VAR} to", hint="pass --write-to backend/.env"
        )
    matches = [e for e in endpoints if values.same_url(str(e.get("url")), request.url)]
    endpoint_id = str(webhooks.keeper(matches, events)["id"]) if matches else None
    secret: str | None = None
    if actions and not request.dry_run:
        if api.live:
            confirm(f"Change {len(actions)} webhook endpoint(s) on the LIVE Stripe account?")

        def save(value: str) -> None:
            if not request.show_secret:
                redact.current().remember(value)
            assert target is not None
            from storectl.env.write import set_value

            written = set_value(target, SECRET_VAR, value)
            if written.note:
                notes.append(written.note)

        actions, endpoint_id, secret = webhooks.apply(api, actions, save)
        if secret and env.source(SECRET_VAR) == "environment":
            notes.append(
                f"{SECRET_VAR} is also set in the process environment, which wins over the file: "
                "update it there too"
            )
    elif not actions and matches and not env.is_set(SECRET_VAR):
        notes.append(
            f"the endpoint exists but {SECRET_VAR} is not set, and Stripe shows a secret only "
            "when an endpoint is created: run with --rotate to get a new one"
        )
    duplicates_left = len(matches) > 1 and not (request.prune or request.rotate)
    return webhooks.RegisterReport(
        url=request.url,
        url_source=request.url_source,
        dry_run=request.dry_run,
        actions=tuple(actions),
        endpoint_id=endpoint_id,
        secret_written_to=str(target) if secret and target else None,
        secret=secret if request.show_secret else None,
        notes=tuple(notes),
        ok=not duplicates_left,
    )


def send_test(env: Env, url: str, timeout: float) -> webhooks.WebhookTest:
    """POST a synthetic, correctly signed payment_intent.succeeded event and classify the answer."""
    secret = env.value(SECRET_VAR)
    if not secret:
        raise ConfigError(
            f"{SECRET_VAR} is not set: there is nothing to sign the test event with",
            hint="run 'storectl webhooks register' first",
        )
    now = int(time.time())
    event_id, body = webhooks.test_event(now)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": stripe_api.sign(body, secret, now),
    }
    response = medusa_api.post_webhook(url, body, headers, timeout)
    status, stage, summary, hint = medusa.classify_webhook_route(
        url, response.status_code, response.headers.get("content-type", ""), response.text
    )
    return webhooks.WebhookTest(
        url=url,
        event_type="payment_intent.succeeded",
        event_id=event_id,
        http_status=response.status_code,
        status=status,
        stage=stage,
        summary=summary,
        hint=hint,
    )
