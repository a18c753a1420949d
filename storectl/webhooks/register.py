"""`webhooks register` and `webhooks test`: the Stripe calls, the route check, the secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storectl import redact
from storectl.env import Env
from storectl.errors import ConfigError, NetworkError, StorectlError, UsageError
from storectl.guard import Action
from storectl.model import Stage, Status
from storectl.providers import medusa, medusa_api, medusa_version, stripe, stripe_api, values
from storectl.webhooks import plan as webhooks
from storectl.webhooks import rotation

SECRET_VAR = "STRIPE_WEBHOOK_SECRET"
#: Which endpoint the secret on disk belongs to: written beside it, read back on every run.
ENDPOINT_VAR = "STRIPE_WEBHOOK_ENDPOINT_ID"


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
    #: --no-write: phase 1 of a two-phase rotation (show the secret once, keep the old endpoint)
    no_write: bool = False
    #: --finish-rotation: phase 2 (prove the deployed secret, then delete the old endpoint)
    finish: bool = False


#: An event type Medusa's Stripe provider does not map: received, logged, acted on by nothing.
PROBE_TYPE = "storectl.probe"


def check_route(env: Env, url: str, force: bool, timeout: float) -> str | None:
    """Probe the URL as doctor does; refuse (unless --force) when it is no webhook route."""
    if not env.is_set("MEDUSA_BACKEND_URL"):
        return "MEDUSA_BACKEND_URL is not set: the webhook route was not checked"
    try:
        with medusa_api.Admin(env, timeout) as admin:
            _login_if_possible(admin)  # then the route's provider is looked for too
            status, _stage, summary, hint = medusa.probe_webhook_route(admin, url)
    except NetworkError as exc:
        if exc.unusable:
            return f"the backend did not answer ({exc.message}): the webhook route was not checked"
        raise
    if status is Status.FAIL:
        if force:
            return f"--force: registering anyway, although {summary}"
        from storectl.providers.values import path_fix

        raise StorectlError(
            summary, hint=f"{path_fix(env, hint)}; or pass --force to register anyway"
        )
    return summary if status is Status.WARN else None


def _login_if_possible(admin: medusa_api.Admin) -> None:
    """Log in with the env's admin credentials when they work; without them the route check
    still runs (OPTIONS only), so a refusal here is not this command's error."""
    try:
        admin.login()
    except NetworkError as exc:
        if exc.stage is not Stage.AUTH:
            raise


class SecretNotSaved(StorectlError):
    """The endpoint exists on Stripe but its one-time secret could not be written: the command
    shows the secret once (webhooks/view.py), then fails with this error."""

    def __init__(self, secret: str, endpoint_id: str, target: Path, reason: str) -> None:
        super().__init__(
            f"endpoint {endpoint_id} was created, but its signing secret could not be written "
            f"to {target}: {reason}",
            hint=f"the secret is shown above, once: put {SECRET_VAR}=<it> and "
            f"{ENDPOINT_VAR}={endpoint_id} in the backend env file by hand, or fix the file and "
            "rerun with --rotate",
        )
        self.secret = secret
        self.endpoint_id = endpoint_id
        self.target = target


def _lock_folder(target: Path | None) -> Path | None:
    """The folder whose lock serialises registers writing `target` (None: nothing to lock)."""
    if target is None:
        return None
    try:
        resolved = target.resolve() if target.is_symlink() else target
    except (OSError, RuntimeError):
        return None  # a symlink loop: check_writable says so when a write is planned
    folder = resolved.parent if str(resolved.parent) else Path(".")
    return folder if folder.is_dir() else None


def save_secret(target: Path, secret: str, endpoint_id: str) -> list[str]:
    """Write the secret and the endpoint it belongs to; any failure raises SecretNotSaved.
    Returns what the writes had to say (a mode or owner that was changed)."""
    from storectl.env.write import set_value

    try:
        written = [
            set_value(target, SECRET_VAR, secret),
            set_value(target, ENDPOINT_VAR, endpoint_id),
        ]
        return [w.note for w in written if w.note]
    except StorectlError as exc:
        raise SecretNotSaved(secret, endpoint_id, target, exc.message) from None
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SecretNotSaved(secret, endpoint_id, target, reason) from None


def on_disk(env: Env, target: Path | None) -> tuple[bool, str | None]:
    """(is a secret set for the backend, the endpoint it is recorded for), read again now: a
    register that waited for the lock must see what the one before it wrote."""
    fresh: dict[str, str] = {}
    if target is not None:
        from storectl.env import parse
        from storectl.env.loader import read_text

        try:
            text = read_text(target, explicit=False)
        except ConfigError:
            text = None
        fresh = {e.name: e.raw.strip() for e in parse(text, str(target))[0]} if text else {}

    def current(name: str) -> str | None:
        if env.source(name) == "environment":
            return env.value(name) or None
        return fresh.get(name) or webhooks.backend_value(env, name)

    return current(SECRET_VAR) is not None, current(ENDPOINT_VAR)


def on_disk_problems(
    matches: list[dict[str, Any]], keep_id: str | None, has_secret: bool, recorded: str | None
) -> list[str]:
    """Why an endpoint that exists on Stripe is not usable by the backend: no secret on disk,
    or a secret recorded for another endpoint. The fix is a new secret: --rotate."""
    if not matches or keep_id is None:
        return []
    if not has_secret:
        return [
            f"endpoint {keep_id} exists but {SECRET_VAR} is not set in the backend's env, and "
            "Stripe shows a secret only when an endpoint is created: run with --rotate to get "
            "a new one"
        ]
    ids = [str(e.get("id")) for e in matches]
    if recorded is not None and recorded not in ids:
        return [
            f"{SECRET_VAR} on disk belongs to endpoint {recorded} ({ENDPOINT_VAR}), which is "
            f"not an endpoint for this URL (Stripe has {', '.join(ids)}): the backend cannot "
            "verify their events; run with --rotate to get a new endpoint and secret"
        ]
    return []


def register(
    env: Env, request: Request, guard: Callable[[Action], None]
) -> webhooks.RegisterReport:
    api = stripe_api.Api(env, request.timeout)
    if api.live and request.url.startswith("http://"):
        raise UsageError(
            f"{request.url} is http://, and Stripe sends live-mode events only over HTTPS",
            hint="use the backend's https:// URL (STRIPE_WEBHOOK_URL or MEDUSA_BACKEND_URL)",
        )
    if request.finish:
        return rotation.finish(
            env, request.url, request.url_source, request.timeout, guard, send_test
        )
    notes: list[str] = []
    route_note = check_route(env, request.url, request.force, request.timeout)
    if route_note:
        notes.append(route_note)
    target = None if request.no_write else webhooks.secret_target(env, request.write_to)
    folder = None if request.dry_run else _lock_folder(target)
    with ExitStack() as stack:
        if folder is not None:
            from storectl.env.write import locked

            # Held from list to write: a second register waits, then sees this one's endpoint.
            stack.enter_context(locked(folder))
        return _register(env, request, api, target, notes, guard)


def _register(
    env: Env,
    request: Request,
    api: stripe_api.Api,
    target: Path | None,
    notes: list[str],
    guard: Callable[[Action], None],
) -> webhooks.RegisterReport:
    events = request.events or list(stripe.MEDUSA_EVENTS)
    has_secret, recorded = on_disk(env, target)
    endpoints = api.endpoints()
    actions, plan_notes = webhooks.plan(
        endpoints,
        request.url,
        events,
        exact=request.exact,
        prune=request.prune,
        rotate=request.rotate,
        recorded=recorded,
    )
    notes += plan_notes
    creates = any(a.kind is webhooks.Kind.CREATE for a in actions)
    replaced = [str(a.endpoint_id) for a in actions if a.kind is webhooks.Kind.DELETE]
    if request.no_write:  # phase 1: the old endpoints stay until the new secret is proven
        actions = [a for a in actions if a.kind is not webhooks.Kind.DELETE]
        if creates and not request.dry_run:
            notes.append(_PHASE_ONE)
    elif creates:
        _ready_to_create(env, target, notes)
    matches = [e for e in endpoints if values.same_url(str(e.get("url")), request.url)]
    endpoint_id = str(webhooks.keeper(matches, events, recorded)["id"]) if matches else None
    problems = [] if creates else on_disk_problems(matches, endpoint_id, has_secret, recorded)
    if matches and not creates and not problems and recorded is None and len(matches) > 1:
        notes.append(
            f"{ENDPOINT_VAR} is not set, so storectl cannot tell which endpoint the secret on "
            "disk belongs to; it keeps the enabled, oldest one"
        )
    secret: str | None = None
    if actions and not request.dry_run:
        actions, endpoint_id, secret = _apply(
            env, request, api, (actions, replaced), target, notes, guard
        )
    duplicates_left = len(matches) > 1 and not (request.prune or request.rotate)
    return webhooks.RegisterReport(
        url=request.url,
        url_source=request.url_source,
        dry_run=request.dry_run,
        actions=tuple(actions),
        endpoint_id=endpoint_id,
        secret_written_to=str(target) if secret and target else None,
        secret=secret if request.show_secret or request.no_write else None,
        notes=tuple(notes),
        ok=not duplicates_left and not problems,
        problems=tuple(problems),
    )


_PHASE_ONE = (
    "phase 1 of 2: the new endpoint's secret is shown once (above); nothing was written and "
    "the old endpoint still delivers every event. Deploy the secret as STRIPE_WEBHOOK_SECRET "
    "where the backend runs, restart it, then run 'storectl webhooks register "
    "--finish-rotation' where that secret is set: it proves it and deletes the old endpoint"
)


def _ready_to_create(env: Env, target: Path | None, notes: list[str]) -> None:
    """A new endpoint's secret is shown once: make sure it can be written before asking."""
    if target is None:
        raise ConfigError(
            f"no env file to write {SECRET_VAR} to", hint="pass --write-to backend/.env"
        )
    from storectl.env.write import check_writable

    check_writable(target)  # before Stripe makes a secret it shows only once
    rotation.check_target(env, target)  # and the backend would use what is written there
    for stray in webhooks.stray_secret_files(env):
        notes.append(
            f"{SECRET_VAR} is defined in {stray}, which the backend never reads: the new "
            f"secret goes to {target}; delete it from {stray}"
        )


def _apply(
    env: Env,
    request: Request,
    api: stripe_api.Api,
    plan: tuple[list[webhooks.Action], list[str]],
    target: Path | None,
    notes: list[str],
    guard: Callable[[Action], None],
) -> tuple[list[webhooks.Action], str | None, str | None]:
    """Carry the plan out (asking first on a live account): (actions done, endpoint id, the new
    secret, saved to `target` as it arrives and read back). `plan`: the actions, and the
    endpoints a rotation replaces (with --no-write, recorded on the new one for phase 2)."""
    actions, replaced = plan
    if api.live:
        question = f"Change {len(actions)} webhook endpoint(s) on the LIVE Stripe account?"
        guard(Action.of(env, question, webhooks.plan_lines(actions)))

    def save(value: str, created_id: str) -> None:
        if request.no_write:  # shown once by the command (masked in Actions), never written
            api.update(created_id, {"metadata": rotation.pending_metadata(value, replaced)})
            return
        if not request.show_secret:
            redact.current().remember(value)
        assert target is not None
        for note in save_secret(target, value, created_id):
            if note not in notes:
                notes.append(note)
        rotation.read_back(env, target, value, created_id)  # before any old endpoint goes

    done, endpoint_id, secret = webhooks.apply(api, actions, save)
    return done, endpoint_id, secret


def send_test(env: Env, url: str, timeout: float) -> webhooks.WebhookTest:
    """POST a synthetic, correctly signed payment_intent.succeeded event (an unmapped
    `storectl.probe` to a backend before Medusa 2.16) and classify the answer."""
    secret = env.value(SECRET_VAR)
    if not secret:
        raise ConfigError(
            f"{SECRET_VAR} is not set: there is nothing to sign the test event with",
            hint="run 'storectl webhooks register' first",
        )
    now = int(time.time())
    # Before 2.16 Medusa acts on an intent without metadata.session_id and logs an error for
    # it; a type no provider maps ("storectl.probe") is only logged as received.
    type_ = (
        PROBE_TYPE
        if medusa_version.processes_sessionless_events(medusa_version.detect(env))
        else "payment_intent.succeeded"
    )
    event_id, body = webhooks.test_event(now, type_)
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
        event_type=type_,
        event_id=event_id,
        http_status=response.status_code,
        status=status,
        stage=stage,
        summary=summary,
        hint=hint,
    )
