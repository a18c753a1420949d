"""`storectl payments`: the payments Stripe settled that Medusa never recorded."""

from __future__ import annotations

from typing import Annotated

import typer

from storectl import config, output
from storectl.commands._options import (
    RequestTimeoutOpt,
    SinceOpt,
    TableJsonOpt,
    parse_since,
    takes,
)
from storectl.commands._stores import one_store
from storectl.config import EnvOptions
from storectl.errors import ExitCode
from storectl.output import StatusFormat
from storectl.payments import report, view

app = typer.Typer(add_completion=False)


@app.command("payments")
@takes(one_store, fixed={"allow_empty": False})
def out_of_sync(
    options: EnvOptions,
    since: SinceOpt = "7d",
    limit: Annotated[
        int, typer.Option("--limit", help="Show at most this many (newest first).", min=1)
    ] = 50,
    timeout: RequestTimeoutOpt = 30.0,
    fmt: TableJsonOpt = StatusFormat.TABLE,
) -> None:
    """List payments Stripe captured or authorized that Medusa never recorded, with the
    `stripe events resend` line that redelivers each.

    Read-only: storectl changes nothing. Ids, amounts and times only. Compares at most the
    newest 1,000 PaymentIntents. Exit 0 when all are in sync, 1 when some are not.

    Example: storectl payments --since 24h --format json
    """
    seconds = parse_since(since)
    env = config.load(options)
    result = report.build(env, seconds, limit, timeout)
    output.render(result, fmt, view.text)
    if not result.ok:
        raise typer.Exit(ExitCode.FAILED)
