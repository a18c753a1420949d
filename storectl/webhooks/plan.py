"""Reconciling the Stripe webhook endpoint with the store's config: plan, then apply.

Idempotent: when the endpoint already matches, the plan is empty and no write call is made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage, Status
from storectl.providers.values import same_url

#: Stripe's documented shapes, matched whole: anything else in a create's answer is never
#: written to an env file (a line break in it would be a new variable to every line reader).
ENDPOINT_ID = re.compile(r"we_[A-Za-z0-9]+")
SECRET = re.compile(r"whsec_[A-Za-z0-9]+")


class Kind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Action:
    """One write the reconcile makes (or, with --dry-run, would make)."""

    kind: Kind
    url: str
    endpoint_id: str | None = None
    events: tuple[str, ...] = ()
    enable: bool = False
    reason: str = ""
    done: bool = False


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as `webhooks list` shows it."""

    id: str
    url: str
    status: str
    events: tuple[str, ...]
    matches: bool
    duplicate: bool
    missing_events: tuple[str, ...]


@dataclass(frozen=True)
class RegisterReport:
    url: str
    url_source: str
    dry_run: bool
    actions: tuple[Action, ...]
    endpoint_id: str | None
    secret_written_to: str | None
    secret: str | None
    notes: tuple[str, ...]
    ok: bool
    #: what makes the run fail though nothing went wrong on the wire (a secret not on disk)
    problems: tuple[str, ...] = ()


def missing(endpoint: dict[str, Any], events: Sequence[str]) -> list[str]:
    enabled = set(endpoint.get("enabled_events") or [])
    return [] if "*" in enabled else [e for e in events if e not in enabled]


def views(
    endpoints: Sequence[dict[str, Any]], url: str | None, events: Sequence[str]
) -> list[EndpointView]:
    matching = [e for e in endpoints if url and same_url(str(e.get("url")), url)]
    return [
        EndpointView(
            id=str(e.get("id")),
            url=str(e.get("url")),
            status=str(e.get("status")),
            events=tuple(e.get("enabled_events") or ()),
            matches=e in matching,
            duplicate=e in matching and len(matching) > 1,
            missing_events=tuple(missing(e, events)) if e in matching else (),
        )
        for e in endpoints
    ]


def keeper(
    matches: Sequence[dict[str, Any]], events: Sequence[str], recorded: str | None = None
) -> dict[str, Any]:
    """Which endpoint to keep: the one whose secret is on disk (`recorded`, from
    STRIPE_WEBHOOK_ENDPOINT_ID), then enabled, then fewest missing events, then the oldest."""
    return min(
        matches,
        key=lambda e: (
            recorded is None or str(e.get("id")) != recorded,
            e.get("status") != "enabled",
            len(missing(e, events)),
            e.get("created", 0),
        ),
    )


def plan(
    endpoints: Sequence[dict[str, Any]],
    url: str,
    events: Sequence[str],
    *,
    exact: bool = False,
    prune: bool = False,
    rotate: bool = False,
    recorded: str | None = None,
) -> tuple[list[Action], list[str]]:
    """The writes that make Stripe match: (actions, notes for the user). `recorded` is the
    endpoint the secret on disk belongs to: it is the one kept, never a duplicate deleted."""
    matches = [e for e in endpoints if same_url(str(e.get("url")), url)]
    notes: list[str] = []
    if not matches:
        return [
            Action(Kind.CREATE, url, events=tuple(events), reason="no endpoint for this URL")
        ], notes
    keep = keeper(matches, events, recorded)
    extras = [e for e in matches if e is not keep]
    actions: list[Action] = []
    if rotate:
        actions.append(
            Action(Kind.CREATE, url, events=tuple(events), reason="--rotate: a new signing secret")
        )
        actions += [
            Action(Kind.DELETE, url, endpoint_id=str(e["id"]), reason="--rotate: the old endpoint")
            for e in matches
        ]
        return actions, notes
    if extras and not prune:
        notes.append(
            f"{len(matches)} endpoints for {url}: Medusa receives every event "
            f"{len(matches)} times; rerun with --prune-duplicates to keep one"
        )
    update = _update(keep, url, events, exact)
    if update is not None:
        actions.append(update)
    if prune:
        actions += [
            Action(Kind.DELETE, url, endpoint_id=str(e["id"]), reason="duplicate endpoint")
            for e in extras
        ]
    return actions, notes


def _update(keep: dict[str, Any], url: str, events: Sequence[str], exact: bool) -> Action | None:
    """The update the kept endpoint needs (enable it, add or, with --exact, remove events)."""
    enabled = set(keep.get("enabled_events") or [])
    if exact:
        target = list(events)
        changed_events = set(target) != enabled
    else:
        target = (
            [*keep.get("enabled_events", []), *missing(keep, events)]
            if "*" not in enabled
            else ["*"]
        )
        changed_events = bool(missing(keep, events))
    disabled = keep.get("status") != "enabled"
    if changed_events or disabled:
        reasons = []
        if disabled:
            reasons.append("enable it")
        if changed_events:
            added = [e for e in target if e not in enabled]
            removed = [e for e in enabled if e not in target]
            if added:
                reasons.append(f"add {', '.join(added)}")
            if removed:
                reasons.append(f"remove {', '.join(removed)}")
        return Action(
            Kind.UPDATE,
            url,
            endpoint_id=str(keep["id"]),
            events=tuple(target) if changed_events else (),
            enable=disabled,
            reason="; ".join(reasons),
        )
    return None


def apply(
    api: Any, actions: Sequence[Action], save_secret: Callable[[str, str], None]
) -> tuple[list[Action], str | None, str | None]:
    """Run the actions in order (creates before deletes, so an endpoint always exists);
    `save_secret(secret, endpoint_id)` runs right after a create, before any delete.

    Returns (actions marked done, the kept or created endpoint id, the new secret if any)."""
    done: list[Action] = []
    endpoint_id: str | None = None
    secret: str | None = None
    for action in sorted(actions, key=lambda a: a.kind is Kind.DELETE):
        if action.kind is Kind.CREATE:
            endpoint_id, secret = checked_create(
                api.create(action.url, list(action.events)), action.url
            )
            save_secret(secret, endpoint_id)  # on disk before any old endpoint is deleted
            action = replace(action, endpoint_id=endpoint_id)
        elif action.kind is Kind.UPDATE:
            params: dict[str, Any] = {}
            if action.events:
                params["enabled_events"] = list(action.events)
            if action.enable:
                params["disabled"] = False
            api.update(str(action.endpoint_id), params)
            endpoint_id = action.endpoint_id
        else:
            api.delete(str(action.endpoint_id))
        done.append(replace(action, done=True))
    return done, endpoint_id, secret


def checked_id(value: object) -> str:
    """An endpoint id from Stripe's list, fit to delete and to print; else a PROTOCOL error."""
    if isinstance(value, str) and ENDPOINT_ID.fullmatch(value):
        return value
    raise NetworkError(
        Stage.PROTOCOL,
        "Stripe listed an endpoint with a malformed id (not we_ + letters and digits)",
        "look at the account's endpoints in Stripe's dashboard (Developers > Webhooks)",
    )


def checked_create(created: dict[str, Any], url: str) -> tuple[str, str]:
    """(id, secret) of a create's answer, both of Stripe's documented shape; otherwise a
    PROTOCOL error that names the endpoint just made (safely) so it can be removed."""
    endpoint_id, secret = created.get("id"), created.get("secret")
    id_ok = isinstance(endpoint_id, str) and ENDPOINT_ID.fullmatch(endpoint_id) is not None
    secret_ok = isinstance(secret, str) and SECRET.fullmatch(secret) is not None
    if id_ok and secret_ok:
        return str(endpoint_id), str(secret)
    wrong = [
        what
        for what, ok in (
            ("endpoint id (not we_…)", id_ok),
            ("signing secret (not whsec_…)", secret_ok),
        )
        if not ok
    ]
    where = f"endpoint {endpoint_id}" if id_ok else "an endpoint with a malformed id"
    raise NetworkError(
        Stage.PROTOCOL,
        f"Stripe created {where} for {url}, but answered a malformed "
        f"{' and '.join(wrong)}: nothing was written and no endpoint was deleted",
        "remove the endpoint just created in Stripe's dashboard (Developers > Webhooks; "
        "'storectl webhooks list' shows it), then rerun; a proxy or mock between storectl and "
        "Stripe may be rewriting answers",
    )


@dataclass(frozen=True)
class WebhookUrl:
    url: str
    source: str
    note: str | None


@dataclass(frozen=True)
class WebhookList:
    expected_url: str | None
    endpoints: tuple[EndpointView, ...]


@dataclass(frozen=True)
class WebhookTest:
    url: str
    event_type: str
    event_id: str
    http_status: int
    status: Status
    stage: Stage | None
    summary: str
    hint: str | None


def url_note(url: str, env: Env | None = None) -> str | None:
    """What to tell a user whose webhook path is the store document's, not Medusa's (with
    `env`, the fix in the form the store needs: the URL when STRIPE_WEBHOOK_URL is set)."""
    from storectl.providers.values import DOCUMENT_PATH_FIX, is_document_path, path_fix

    if is_document_path(url):
        fix = path_fix(env, DOCUMENT_PATH_FIX) if env is not None else DOCUMENT_PATH_FIX
        return (
            f"this is the store document's path, which a stock Medusa 2.x backend does not "
            f"serve: {fix} ('storectl doctor' checks the route)"
        )
    return None


def stray_secret_files(env: Env) -> list[str]:
    """Storefront files that define STRIPE_WEBHOOK_SECRET: the backend never reads them."""
    return [
        f.display
        for f in env.files
        if f.role == "storefront" and any(e.name == "STRIPE_WEBHOOK_SECRET" for e in f.entries)
    ]


def backend_value(env: Env, name: str) -> str | None:
    """`name`'s value as the backend sees it: a definition only in a storefront file is none."""
    item = env.values.get(name)
    if item is None or not item.value.strip():
        return None
    roles = {f.path: f.role for f in env.files}
    if item.path is not None and roles.get(item.path) == "storefront":
        return None
    return item.value.strip()


def secret_target(env: Env, write_to: Path | None) -> Path | None:
    """The env file that receives STRIPE_WEBHOOK_SECRET: --write-to, else the backend file that
    defines it, else the highest-precedence backend file storectl read (or would create). A
    definition in a storefront file is never the target: the backend does not read it."""
    if write_to is not None:
        return write_to
    defined = env.values.get("STRIPE_WEBHOOK_SECRET")
    roles = {f.path: f.role for f in env.files}
    if defined is not None and defined.path is not None and roles.get(defined.path) != "storefront":
        return defined.path
    backend = [f for f in env.files if f.role in ("backend", "env-file")]
    existing = [f for f in backend if f.exists]
    if existing:
        return existing[0].path
    return backend[-1].path if backend else None


def test_event(now: int, type_: str = "payment_intent.succeeded") -> tuple[str, bytes]:
    """A synthetic event (payment_intent.succeeded by default), as Stripe would send it."""
    import json
    import secrets

    event_id = f"evt_storectl_{secrets.token_hex(8)}"
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": now,
        "livemode": False,
        "pending_webhooks": 1,
        "type": type_,
        "data": {
            "object": {
                "id": f"pi_storectl_{secrets.token_hex(8)}",
                "object": "payment_intent",
                "amount": 0,
                "amount_received": 0,
                "currency": "usd",
                "status": "succeeded",
                "metadata": {"storectl_test": "true"},
            }
        },
    }
    return event_id, json.dumps(event, separators=(",", ":")).encode()


def plan_lines(actions: Sequence[Action]) -> list[str]:
    """What a confirmation shows before it asks: each endpoint created, updated or deleted."""
    lines = ["will change on Stripe:"]
    for a in actions:
        target = a.endpoint_id or "a new endpoint"
        events = f" ({len(a.events)} events)" if a.events and a.kind is not Kind.DELETE else ""
        reason = f": {a.reason}" if a.reason else ""
        lines.append(f"  {a.kind.value} {target} {a.url}{events}{reason}")
    return lines
