"""Reconciling the Stripe webhook endpoint with the store's config: the pure plan (what to
create, update or delete), the views `webhooks list` shows, and the report types. It calls
nothing: `executor.py` carries a plan out.

Idempotent: when the endpoint already matches, the plan is empty and no write call is made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.providers.shape import Object, number, texts
from storectl.providers.values import (
    DOCUMENT_PATH_FIX,
    is_document_path,
    path_fix,
    same_url,
)

if TYPE_CHECKING:
    from storectl.env import Env

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


def missing(endpoint: Object, events: Sequence[str]) -> list[str]:
    enabled = set(texts(endpoint.get("enabled_events")))
    return [] if "*" in enabled else [e for e in events if e not in enabled]


def views(
    endpoints: Sequence[Object], url: str | None, events: Sequence[str]
) -> list[EndpointView]:
    matching = [e for e in endpoints if url and same_url(str(e.get("url")), url)]
    return [
        EndpointView(
            id=str(e.get("id")),
            url=str(e.get("url")),
            status=str(e.get("status")),
            events=tuple(texts(e.get("enabled_events"))),
            matches=e in matching,
            duplicate=e in matching and len(matching) > 1,
            missing_events=tuple(missing(e, events)) if e in matching else (),
        )
        for e in endpoints
    ]


def keeper(matches: Sequence[Object], events: Sequence[str], recorded: str | None = None) -> Object:
    """Which endpoint to keep: the one whose secret is on disk (`recorded`, from
    STRIPE_WEBHOOK_ENDPOINT_ID), then enabled, then fewest missing events, then the oldest."""
    return min(
        matches,
        key=lambda e: (
            recorded is None or str(e.get("id")) != recorded,
            e.get("status") != "enabled",
            len(missing(e, events)),
            number(e.get("created")) or 0,
        ),
    )


def plan(
    endpoints: Sequence[Object],
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


def _update(keep: Object, url: str, events: Sequence[str], exact: bool) -> Action | None:
    """The update the kept endpoint needs (enable it, add or, with --exact, remove events)."""
    enabled = set(texts(keep.get("enabled_events")))
    if exact:
        target = list(events)
        changed_events = set(target) != enabled
    else:
        target = (
            [*texts(keep.get("enabled_events")), *missing(keep, events)]
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


def checked_id(value: object) -> str:
    """An endpoint id from Stripe's list, fit to delete and to print; else a PROTOCOL error."""
    if isinstance(value, str) and ENDPOINT_ID.fullmatch(value):
        return value
    raise NetworkError(
        Stage.PROTOCOL,
        "Stripe listed an endpoint with a malformed id (not we_ + letters and digits)",
        "look at the account's endpoints in Stripe's dashboard (Developers > Webhooks)",
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


def url_note(url: str, env: Env | None = None) -> str | None:
    """What to tell a user whose webhook path is the store document's, not Medusa's (with
    `env`, the fix in the form the store needs: the URL when STRIPE_WEBHOOK_URL is set)."""
    if is_document_path(url):
        fix = path_fix(env, DOCUMENT_PATH_FIX) if env is not None else DOCUMENT_PATH_FIX
        return (
            f"this is the store document's path, which a stock Medusa 2.x backend does not "
            f"serve: {fix} ('storectl doctor' checks the route)"
        )
    return None


def plan_lines(actions: Sequence[Action]) -> list[str]:
    """What a confirmation shows before it asks: each endpoint created, updated or deleted."""
    lines = ["will change on Stripe:"]
    for a in actions:
        target = a.endpoint_id or "a new endpoint"
        events = f" ({len(a.events)} events)" if a.events and a.kind is not Kind.DELETE else ""
        reason = f": {a.reason}" if a.reason else ""
        lines.append(f"  {a.kind.value} {target} {a.url}{events}{reason}")
    return lines
