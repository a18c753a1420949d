"""`storectl mail`: order-mail templates, a test mail, previews, and replays of order events."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from storectl import config, output
from storectl.commands._options import (
    DryRunOpt,
    RequestTimeoutOpt,
    TableJsonOpt,
    YesOpt,
    guarded,
    takes,
)
from storectl.commands._stores import one_store
from storectl.config import EnvOptions
from storectl.errors import ExitCode, UsageError
from storectl.mail import view
from storectl.output import StatusFormat

app = typer.Typer(
    add_completion=False,
    name="mail",
    help="Order mail: templates, a test mail, previews, and replays of order events.",
    no_args_is_help=True,
)

EVENT_HELP = (
    "order.placed, order.fulfillment_delivered or order.canceled (the store's subscribers), or "
    "Medusa 2.x's own shipment.created (order-shipped) and delivery.created (order-delivered). "
    "Medusa 2.x never emits order.fulfillment_delivered: shipment.created is the one that fires."
)


def complete_events(incomplete: str) -> list[str]:
    """Shell completion for the event argument: the events (and aliases) storectl renders."""
    from storectl.mail.render import ALIASES, EVENTS

    return [name for name in [*EVENTS, *ALIASES] if name.startswith(incomplete)]


EventArg = Annotated[
    str, typer.Argument(help=EVENT_HELP, show_default=False, autocompletion=complete_events)
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="Folder of template overrides (default: $STORECTL_TEMPLATES_DIR); the packaged "
        "templates fill in the rest.",
        file_okay=False,
        show_default=False,
    ),
]
LocaleOpt = Annotated[
    str | None,
    typer.Option(
        "--locale",
        help="Locale for amounts and numbers (Babel), e.g. de_DE. Default: the order's locale, "
        "else its shipping country's, else $STORECTL_LOCALE, else en_US.",
        show_default=False,
    ),
]
SampleOpt = Annotated[bool, typer.Option("--sample", help="Use the built-in sample order.")]


def _env(options: EnvOptions, empty_ok: bool = False) -> config.Env:
    """The store's env; `preview --sample` needs none, so it may be empty then."""
    return config.load(replace(options, allow_empty=options.allow_empty or empty_ok))


def _event_note(event: str) -> None:
    """Tell the user when the event they name is one Medusa 2.x never emits."""
    from storectl.mail.helpers import EVENT_NOTES

    if event in EVENT_NOTES:
        output.note(EVENT_NOTES[event])


@app.command("templates")
@takes(one_store, fixed={"allow_empty": True})
def list_templates(
    options: EnvOptions,
    templates: TemplatesOpt = None,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """List the mail templates and where each comes from (override or packaged).

    Example: storectl mail templates --templates ./mail-templates
    """
    from storectl.mail import orders
    from storectl.mail import preview as previews

    tpl = orders.templates(_env(options), templates, "en_US")
    result = previews.TemplateList(str(tpl.override) if tpl.override else None, tuple(tpl.list()))
    output.render(result, fmt, view.templates_text)


@app.command("test")
@takes(one_store)
def send_test(
    options: EnvOptions,
    to: Annotated[
        str, typer.Option("--to", help="Recipient of the test message.", show_default=False)
    ],
    timeout: RequestTimeoutOpt = 10.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Send one plain test message through the store's SMTP server; print its final reply.

    Example: storectl mail test --to me@example.com
    """
    from storectl.mail import preview as previews

    env = _env(options)
    output.render(previews.send_test(env, to, timeout), fmt, view.test_mail_text)


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("preview")
@takes(one_store)
def preview(
    options: EnvOptions,
    event: EventArg,
    order: Annotated[
        str | None, typer.Option("--order", help="Order id to render.", show_default=False)
    ] = None,
    sample: SampleOpt = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for <template>.html and .txt, made if missing (default: the current "
            "folder; with --eml only, none).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    eml: Annotated[
        Path | None,
        typer.Option(
            "--eml",
            help="Also write the message as it would be sent (RFC 5322, multipart/alternative "
            "text + HTML) to FILE; - for stdout.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    open_html: Annotated[
        bool,
        typer.Option("--open", help="Open the HTML part in your browser (needs a display)."),
    ] = False,
    templates: TemplatesOpt = None,
    locale: LocaleOpt = None,
    screenshot: Annotated[
        Path | None,
        typer.Option(
            "--screenshot",
            help="Also render the HTML in headless Chromium and save a full-page PNG here.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    width: Annotated[
        int,
        typer.Option(
            "--width", min=200, max=2000, help="Screenshot width in CSS pixels (360: a phone)."
        ),
    ] = 700,
    dark: Annotated[
        bool, typer.Option("--dark", help="Screenshot in the dark colour scheme.")
    ] = False,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Render an event's mail for an order without sending it: writes the HTML and text parts.

    Example: storectl mail preview order.placed --sample --out /tmp --screenshot /tmp/m.png

    Example: storectl mail preview order.placed --sample --eml - | less
    """
    import sys

    from storectl.mail import orders
    from storectl.mail import preview as previews
    from storectl.output.console import render

    to_stdout = eml is not None and str(eml) == "-"
    if to_stdout and fmt is StatusFormat.JSON:
        raise UsageError(
            "--eml - and --format json both write to stdout", hint="pass --eml FILE instead"
        )
    _event_note(event)
    env = _env(options, empty_ok=sample)
    tpl = orders.templates(env, templates, locale)
    # the parts go to --out; without it to the current folder, unless only --eml was asked for
    parts = out if out is not None else None if eml is not None and not open_html else Path(".")
    result = previews.preview(
        env,
        event,
        order,
        sample,
        parts,
        tpl,
        timeout,
        (screenshot, width, dark) if screenshot is not None else None,
        eml,
    )
    # with the message on stdout, the summary goes to stderr
    render(result, fmt, view.preview_text, sys.stderr if to_stdout else None)
    if open_html and result.html_file is not None:
        from storectl.mail import desktop

        output.note(desktop.open_html(Path(result.html_file)))


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("replay")
@takes(one_store)
def replay_event(
    options: EnvOptions,
    event: EventArg,
    order: Annotated[
        list[str] | None, typer.Option("--order", help="Order id (repeatable).", show_default=False)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Every order created since DATE: YYYY-MM-DD, ISO 8601, a duration back from "
            "now (90m, 36h, 7d, 2w), today or yesterday (doctor's --since reads the same).",
            show_default=False,
        ),
    ] = None,
    sample: SampleOpt = False,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Send every message here, and only here.", show_default=False),
    ] = None,
    to_customer: Annotated[
        bool,
        typer.Option(
            "--to-customer",
            help="Send to each order's own customer (with a live Stripe key or in production "
            "this also needs --yes).",
        ),
    ] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    templates: TemplatesOpt = None,
    locale: LocaleOpt = None,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Replay an order event: render its mail for each order and send it to --to.

    Many orders go over one SMTP session; one order's failure is reported and the rest go on.

    Example: storectl mail replay order.placed --since 2026-11-01 --to me@example.com
    """
    from storectl.mail import orders, replay

    _event_note(event)
    env = _env(options)
    report = replay.replay(
        env,
        event=event,
        order_ids=order or [],
        since=since,
        sample=sample,
        to=to,
        to_customer=to_customer,
        dry_run=dry_run,
        tpl=orders.templates(env, templates, locale),
        timeout=timeout,
        guard=guarded(yes),
    )
    output.render(report, fmt, view.replay_text)
    if report.failed:
        raise typer.Exit(ExitCode.FAILED)
