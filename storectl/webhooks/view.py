"""The webhooks commands' human text (JSON comes from the same dataclasses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storectl.model import Status
from storectl.output import Painter, Row, columns
from storectl.output.color import STATUS_MARK
from storectl.output.wrap import flow, terminal_width
from storectl.providers.values import DOCUMENT_PATH_FIX, is_document_path

if TYPE_CHECKING:
    from storectl.webhooks.events import EventTests, WebhookTest
    from storectl.webhooks.plan import RegisterReport, WebhookList, WebhookUrl


def webhook_url_text(result: WebhookUrl, paint: Painter) -> str:
    lines = [result.url, paint(f"from {result.source}", "dim")]
    if result.note:
        lines.append(paint(f"note: {result.note}", "yellow"))
    return "\n".join(lines)


def webhook_list_text(result: WebhookList, paint: Painter) -> str:
    if not result.endpoints:
        return (
            f"no webhook endpoints on this Stripe account (expected: {result.expected_url})\n"
            + paint(_no_match_fix(result), "yellow")
        )
    rows: list[Row] = [
        [
            ("", ()),
            ("id", ("bold",)),
            ("status", ("bold",)),
            ("events", ("bold",)),
            ("url", ("bold",)),
        ]
    ]
    for e in result.endpoints:
        mark = ("!", ("yellow",)) if e.duplicate else ("✓", ("green",)) if e.matches else ("", ())
        status_style = ("green",) if e.status == "enabled" else ("red",)
        rows.append(
            [mark, (e.id, ()), (e.status, status_style), (str(len(e.events)), ()), (e.url, ())]
        )
    lines = columns(rows, paint)
    lines.append("")
    expected = result.expected_url or "(unknown: set MEDUSA_BACKEND_URL)"
    lines += flow(f"expected URL: {expected}", 0, 2, terminal_width())
    matching = [e for e in result.endpoints if e.matches]
    if not matching:
        lines.append(paint(f"no endpoint matches it: {_no_match_fix(result)}", "red"))
    elif len(matching) > 1:
        lines.append(paint(f"{len(matching)} endpoints match it (duplicates)", "yellow"))
    for e in matching:
        if e.missing_events:
            lines.append(paint(f"{e.id} lacks {', '.join(e.missing_events)}", "yellow"))
    return "\n".join(lines)


def _no_match_fix(result: WebhookList) -> str:
    """The fix for a URL no endpoint matches: the document's path needs the env edit first
    (register refuses a route a stock backend does not serve), any other URL registering."""
    if result.expected_url and is_document_path(result.expected_url):
        return DOCUMENT_PATH_FIX
    return "run 'storectl webhooks register'"


def register_text(result: RegisterReport, paint: Painter) -> str:
    head = "plan (dry run, nothing changed)" if result.dry_run else "done"
    lines = [f"webhook URL: {result.url}", paint(f"  from {result.url_source}", "dim")]
    if not result.actions and result.problems:
        lines.append(paint(f"endpoint {result.endpoint_id} exists; no change made", "bold"))
    elif not result.actions:
        lines.append(
            paint(f"up to date: endpoint {result.endpoint_id} already matches; no change", "green")
        )
    else:
        lines.append(paint(head, "bold"))
        for action in result.actions:
            target = action.endpoint_id or "new endpoint"
            verb = action.kind.value if (action.done or result.dry_run) else f"{action.kind.value}?"
            lines.append(f"  {verb:7} {target}  {action.reason}")
    if result.secret_written_to:
        lines.append(f"STRIPE_WEBHOOK_SECRET written to {result.secret_written_to}")
    if result.secret:
        lines.append(f"signing secret: {result.secret}")
    lines += [paint(f"note: {n}", "yellow") for n in result.notes]
    lines += [paint(f"problem: {p}", "bold", "red") for p in result.problems]
    return "\n".join(lines)


def secret_once(secret: str, endpoint_id: str, github: bool) -> str:
    """The one showing of a signing secret that could not be written (stderr, not scrubbed):
    in GitHub Actions, `::add-mask::` first so the log hides it from then on."""
    lines = [f"::add-mask::{secret}"] if github else []
    lines += [
        f"STRIPE_WEBHOOK_SECRET of endpoint {endpoint_id} (shown once; Stripe will not show it "
        "again, copy it now):",
        f"  {secret}",
    ]
    return "\n".join(lines) + "\n"


def webhook_test_text(result: WebhookTest, paint: Painter) -> str:
    mark, style = STATUS_MARK[result.status]
    stage = f"{result.stage.value} " if result.stage else ""
    lines = [
        f"POST {result.url}  (signed {result.event_type} {result.event_id})",
        paint(f"{mark} {result.http_status}: {stage}{result.summary}", style),
    ]
    if result.hint:
        lines.append(paint(f"hint: {result.hint}", "dim"))
    return "\n".join(lines)


def event_tests_text(result: EventTests, paint: Painter) -> str:
    """One line per event: the answer, then what Medusa's provider does with it."""
    target = f"session {result.session_id}" if result.session_id else "no session"
    lines = [f"POST {result.url}  ({len(result.results)} signed events, {target})"]
    for r in result.results:
        mark, style = STATUS_MARK[r.status]
        sent = f"{r.http_status} {r.event_type} {r.event_id}" if r.http_status else r.event_type
        lines.append(paint(f"{mark} {sent}", style))
        lines.append(paint(f"    Medusa: {r.medusa_action}", "dim"))
    failed = [r for r in result.results if r.status not in (Status.OK, Status.WARN)]
    shown = failed[0] if failed else result.results[0] if result.results else None
    if shown is not None:
        stage = f"{shown.stage.value} " if shown.stage else ""
        lines.append(paint(f"{stage}{shown.summary}", STATUS_MARK[shown.status][1]))
        if shown.hint:
            lines.append(paint(f"hint: {shown.hint}", "dim"))
    return "\n".join(lines)
