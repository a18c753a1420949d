"""`webhooks register`: check the route, take the one lock on the secret's folder, reconcile
Stripe's endpoints with the store (plan.py), and carry the plan out (executor.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from storectl.env import Env
from storectl.env.write import Held, check_writable, lock_folder, locked
from storectl.errors import ConfigError, NetworkError, StorectlError, UsageError
from storectl.guard import Action
from storectl.model import Stage, Status
from storectl.providers import medusa, medusa_api, stripe, stripe_api, values
from storectl.providers.values import path_fix
from storectl.webhooks import plan as webhooks
from storectl.webhooks import rotation
from storectl.webhooks.executor import Executor
from storectl.webhooks.secret import (
    ENDPOINT_VAR,
    SECRET_VAR,
    on_disk,
    on_disk_problems,
    secret_target,
    stray_secret_files,
)


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


def endpoint_list(env: Env, timeout: float) -> webhooks.WebhookList:
    """`webhooks list`: every endpoint on the account, the store's own marked."""
    expected, _origin = values.webhook_url(env)
    endpoints = stripe_api.Api(env, timeout).endpoints()
    return webhooks.WebhookList(
        expected, tuple(webhooks.views(endpoints, expected, stripe.MEDUSA_EVENTS))
    )


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
        return rotation.finish(env, request.url, request.url_source, request.timeout, guard)
    route_note = check_route(env, request.url, request.force, request.timeout)
    target = None if request.no_write else secret_target(env, request.write_to)
    folder = None if request.dry_run or target is None else lock_folder(target)
    # The one lock, held from list to write: a second register waits, then sees this one's
    # endpoint; the secret is written under it (Held.set_value).
    with locked(folder) if folder is not None else nullcontext(None) as held:
        report = _register(env, request, api, target, held, guard)
    if route_note:
        return replace(report, notes=(route_note, *report.notes))
    return report


def _register(
    env: Env,
    request: Request,
    api: stripe_api.Api,
    target: Path | None,
    held: Held | None,
    guard: Callable[[Action], None],
) -> webhooks.RegisterReport:
    events = request.events or list(stripe.MEDUSA_EVENTS)
    has_secret, recorded = on_disk(env, target)
    endpoints = api.endpoints()
    actions, notes = webhooks.plan(
        endpoints,
        request.url,
        events,
        exact=request.exact,
        prune=request.prune,
        rotate=request.rotate,
        recorded=recorded,
    )
    creates = any(a.kind is webhooks.Kind.CREATE for a in actions)
    replaced = tuple(str(a.endpoint_id) for a in actions if a.kind is webhooks.Kind.DELETE)
    if request.no_write:  # phase 1: the old endpoints stay until the new secret is proven
        actions = [a for a in actions if a.kind is not webhooks.Kind.DELETE]
        notes += [_PHASE_ONE] if creates and not request.dry_run else []
    elif creates:
        notes += _ready_to_create(env, target)
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
        if api.live:
            question = f"Change {len(actions)} webhook endpoint(s) on the LIVE Stripe account?"
            guard(Action.of(env, question, webhooks.plan_lines(actions)))
        executor = Executor(env, api, target, held, request.no_write, request.show_secret, replaced)
        applied = executor.run(actions)
        actions, endpoint_id, secret = applied.actions, applied.endpoint_id, applied.secret
        notes += [n for n in applied.notes if n not in notes]
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


def _ready_to_create(env: Env, target: Path | None) -> list[str]:
    """A new endpoint's secret is shown once: make sure it can be written before asking.
    Returns the notes for the user (a stray copy of the secret the backend never reads)."""
    if target is None:
        raise ConfigError(
            f"no env file to write {SECRET_VAR} to", hint="pass --write-to backend/.env"
        )
    check_writable(target)  # before Stripe makes a secret it shows only once
    rotation.check_target(env, target)  # and the backend would use what is written there
    return [
        f"{SECRET_VAR} is defined in {stray}, which the backend never reads: the new "
        f"secret goes to {target}; delete it from {stray}"
        for stray in stray_secret_files(env)
    ]
