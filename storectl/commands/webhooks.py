"""`storectl webhooks`: the Stripe webhook endpoint: its URL, the account's list, register, test."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
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
from storectl.commands._stores import Selection, View, one_store, run_per_store, selected
from storectl.config import EnvOptions
from storectl.env import Env
from storectl.errors import ConfigError, ExitCode, UsageError
from storectl.fleet.view import Adapter
from storectl.guard import Action
from storectl.output import Painter, StatusFormat, sanitize
from storectl.output.github import add_mask, in_actions
from storectl.providers.values import webhook_url
from storectl.webhooks import events, view
from storectl.webhooks import plan as webhooks
from storectl.webhooks import register as registration
from storectl.webhooks.executor import SecretNotSaved
from storectl.webhooks.plan import RegisterReport

app = typer.Typer(
    add_completion=False,
    name="webhooks",
    help="The Stripe webhook endpoint Medusa needs: show its URL, list, register, test.",
    no_args_is_help=True,
)

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Webhook URL (default: STRIPE_WEBHOOK_URL, else backend URL + path).",
        show_default=False,
    ),
]


def _expected(env_options: config.EnvOptions, url: str | None) -> tuple[Env, str, str]:
    env = config.load(env_options)
    found, origin = _expected_in(env, url)
    return env, found, origin


def _expected_in(env: Env, url: str | None) -> tuple[str, str]:
    """The webhook URL: --url, else the store's own (a ConfigError when it has none)."""
    if url:
        return url, "--url"
    found, origin = webhook_url(env)
    if found is None:
        raise ConfigError(
            f"no webhook URL: {origin}",
            hint="set MEDUSA_BACKEND_URL or STRIPE_WEBHOOK_URL, or pass --url",
        )
    return found, origin


@app.command("url")
@takes(one_store)
def show_url(
    options: EnvOptions,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Print the webhook URL Stripe should call, and where it came from.

    Example: storectl webhooks url --project ./my-store
    """
    env, url, origin = _expected(options, None)
    output.render(
        webhooks.WebhookUrl(url, origin, webhooks.url_note(url, env)), fmt, view.webhook_url_text
    )


@app.command("list")
@takes(one_store)
def list_endpoints(
    options: EnvOptions,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """List every webhook endpoint on the Stripe account; mark the one for this store.

    Example: storectl webhooks list --format json
    """
    listed = registration.endpoint_list(config.load(options), timeout)
    output.render(listed, fmt, view.webhook_list_text)


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("register")
@takes(selected)
def register(
    selection: Selection,
    url: UrlOpt = None,
    events: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated events (default: those Medusa's Stripe provider handles)."
        ),
    ] = None,
    exact: Annotated[
        bool, typer.Option("--exact", help="Make the events exactly --events (drop extra ones).")
    ] = False,
    prune_duplicates: Annotated[
        bool, typer.Option("--prune-duplicates", help="Delete all but one endpoint for the URL.")
    ] = False,
    rotate: Annotated[
        bool,
        typer.Option(
            "--rotate",
            help="New endpoint and secret: written to the env file the backend uses, read back, "
            "then the old endpoint deleted.",
        ),
    ] = False,
    no_write: Annotated[
        bool,
        typer.Option(
            "--no-write",
            help="Phase 1 of a rotation for a secret kept in the hosting platform: create the "
            "new endpoint, show its secret once, write nothing, keep the old endpoint.",
        ),
    ] = False,
    finish_rotation: Annotated[
        bool,
        typer.Option(
            "--finish-rotation",
            help="Phase 2: prove the deployed STRIPE_WEBHOOK_SECRET is the new endpoint's (and "
            "the route accepts an event signed with it), then delete the old endpoint.",
        ),
    ] = False,
    write_to: Annotated[
        Path | None,
        typer.Option(
            "--write-to",
            help="Env file for STRIPE_WEBHOOK_SECRET (default: the backend file whose value "
            "wins); refused if the backend would not use it.",
            dir_okay=False,
        ),
    ] = None,
    show_secret: Annotated[
        bool, typer.Option("--show-secret", help="Print the new signing secret.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Register even if the backend does not serve the URL as a webhook route.",
        ),
    ] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Create or fix the webhook endpoint for this store, and save its signing secret.

    Idempotent: when the endpoint already matches, nothing is written. A new endpoint's
    secret goes to STRIPE_WEBHOOK_SECRET in the backend env file (atomically, mode 0600).
    A secret kept in the hosting platform: --rotate --no-write, deploy it, --finish-rotation.

    Over several stores (a fleet) it runs only with --dry-run: every store's plan, one report.

    Example: storectl webhooks register --project ./my-store --dry-run
    """
    _check_rotation_flags(rotate, no_write, finish_rotation, write_to, dry_run)
    request_for = partial(
        registration.Request,
        events=[e.strip() for e in events.split(",") if e.strip()] if events else None,
        exact=exact,
        prune=prune_duplicates,
        rotate=rotate,
        write_to=write_to,
        show_secret=show_secret,
        force=force,
        dry_run=dry_run,
        timeout=timeout,
        no_write=no_write,
        finish=finish_rotation,
    )
    # A fleet runs only with --dry-run (which never asks) or when it selects one store, which
    # this run's --yes answers for, as for a single store.
    guard = guarded(yes)
    run_per_store(
        selection,
        lambda env, _: _register(env, request_for(*_expected_in(env, url)), guard),
        _register_view(fmt, timeout, partial(_one_store, dry_run, url, write_to)),
    )


def _register_view(
    fmt: StatusFormat, timeout: float, one_store: Callable[[int], UsageError | None]
) -> View[RegisterReport]:
    """One store's register report (a new secret masked in GitHub Actions first), or the
    fleet's rows of it; `one_store` says why the run cannot cover a fleet's stores."""
    return View(
        lambda report, _store: _render_register(report, fmt),
        _register_adapter,
        fmt,
        ok=lambda report: report.ok,
        timeout=timeout,
        one_store=one_store,
    )


def _register(
    env: Env, request: registration.Request, guard: Callable[[Action], None]
) -> RegisterReport:
    """One store's register; a secret that could not be saved is shown once, then fails."""
    try:
        return registration.register(env, request, guard)
    except SecretNotSaved as lost:
        _show_lost_secret(lost.secret, lost.endpoint_id)
        raise


def _render_register(report: RegisterReport, fmt: StatusFormat) -> None:
    _mask_in_actions(report.secret, fmt)
    output.render(report, fmt, view.register_text)


def _one_store(
    dry_run: bool, url: str | None, write_to: Path | None, stores: int
) -> UsageError | None:
    """Why this register cannot run over `stores` stores of a fleet, if it cannot (one store
    selected from a fleet may be changed, with this run's --yes)."""
    if not dry_run and stores > 1:
        return UsageError(
            f"webhooks register changes things: it refuses to run over {stores} stores",
            hint="pass --dry-run to see every store's plan, or --store NAME to pick one",
        )
    if url or write_to:
        return UsageError(
            "--url and --write-to name one store's endpoint and file",
            hint="each store's URL comes from its own env; pick one with --store",
        )
    return None


def _check_rotation_flags(
    rotate: bool, no_write: bool, finish: bool, write_to: Path | None, dry_run: bool
) -> None:
    """The two phases of a rotation are separate runs: their flags do not mix."""
    if finish and (rotate or no_write or write_to or dry_run):
        raise UsageError(
            "--finish-rotation is phase 2 on its own: it takes no --rotate, --no-write, "
            "--write-to or --dry-run",
            hint="run 'storectl webhooks register --finish-rotation' after deploying the secret",
        )
    if no_write and write_to:
        raise UsageError("--no-write and --write-to contradict each other", hint="pick one")


def _show_lost_secret(secret: str, endpoint_id: str) -> None:
    """The endpoint exists but its secret could not be saved: show it once, on stderr."""
    import os

    github = os.environ.get("GITHUB_ACTIONS") == "true"
    shown = sanitize.text  # Stripe's answer, one visible line like every peer's text
    sys.stderr.write(view.secret_once(shown(secret), shown(endpoint_id), github))
    sys.stderr.flush()


def _mask_in_actions(secret: str | None, fmt: StatusFormat) -> None:
    """In GitHub Actions, tell the runner to mask a new secret before it reaches the log."""
    if not secret:
        return

    if in_actions():
        # the runner reads workflow commands on both streams; JSON's stdout stays JSON
        stream = sys.stderr if fmt is StatusFormat.JSON else sys.stdout
        output.write(add_mask(secret), stream, structured=True)


# Long only by its Typer options; the body parses, makes one call, and renders.
@app.command("test")
@takes(one_store)
def send_test(
    options: EnvOptions,
    url: UrlOpt = None,
    event: Annotated[
        str | None,
        typer.Option(
            "--event",
            help="Send this event (succeeded, payment_failed, ... or all eight) shaped as Stripe "
            "sends it, and print what Medusa's Stripe provider does with it.",
            show_default=False,
        ),
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session",
            help="metadata.session_id of the events (payses_…): Medusa then acts on that "
            "session. Without it Medusa ignores them.",
            show_default=False,
        ),
    ] = None,
    amount: Annotated[
        int, typer.Option("--amount", help="Amount in minor units (cents) for --event.", min=0)
    ] = 1000,
    currency: Annotated[str, typer.Option("--currency", help="Currency for --event.")] = "eur",
    yes: YesOpt = False,
    timeout: RequestTimeoutOpt = 10.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """Send a signed test payment_intent.succeeded event to the webhook URL and classify the answer.

    Medusa verifies the signature after answering 200, so a 2xx proves the route, not the secret.
    With --event, send each chosen event Medusa's Stripe provider maps; refused for a live key
    unless --yes.

    Example: storectl webhooks test --event all --session payses_01J...
    """
    env, target_url, _origin = _expected(options, url)
    if event is not None or session is not None:
        chosen = events.types(event or "succeeded")
        tests = events.send(
            env,
            target_url,
            chosen,
            session_id=session,
            guard=guarded(yes),
            amount=amount,
            currency=currency.lower(),
            timeout=timeout,
        )
        output.render(tests, fmt, view.event_tests_text)
        if not tests.ok:
            raise typer.Exit(ExitCode.FAILED)
        return
    result = events.send_test(env, target_url, timeout)
    output.render(result, fmt, view.webhook_test_text)
    if result.status.value not in ("ok", "warn"):
        raise typer.Exit(ExitCode.FAILED)


def _register_adapter() -> Adapter[RegisterReport]:
    """One store's webhook plan in the fleet report: its actions (the whole plan with -v)."""

    def summary(report: RegisterReport) -> str:
        changes = report.actions
        verb = "would change" if report.dry_run else "changed"
        return f"{report.url}: {len(changes)} change(s) {verb}" if changes else f"{report.url}: ok"

    def lines(report: RegisterReport, paint: Painter, verbose: bool) -> list[str]:
        text = view.register_text(report, paint)
        return ["    " + line for line in text.splitlines()] if verbose or not report.ok else []

    return Adapter("webhooks register", summary, lines)
