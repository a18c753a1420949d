"""`storectl env`: the variables a store's process would see, with their source, secrets masked."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import typer

from storectl import config
from storectl.commands._options import (
    StatusFormatOpt,
    takes,
)
from storectl.commands._stores import one_store
from storectl.config import EnvOptions
from storectl.output import StatusFormat, render
from storectl.providers import registry
from storectl.variables import build, hidden, text

app = typer.Typer(add_completion=False)

StorefrontOpt = Annotated[
    bool,
    typer.Option(
        "--storefront",
        help="Show what the storefront's Next.js process sees instead (@next/env: "
        ".env.$mode.local, .env.local, .env.$mode, .env; mode production unless the "
        "environment is development or test).",
    ),
]

AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Also list the process variables the store does not read (PATH, TERM, ...).",
    ),
]


@app.command("env")
@takes(one_store, fixed={"allow_empty": True})
def env(
    options: EnvOptions,
    storefront: StorefrontOpt = False,
    every: AllOpt = False,
    fmt: StatusFormatOpt = StatusFormat.TABLE,
) -> None:
    """List the variables the backend process would see, with their source (file:line or
    environment), and what was surprising about reading the files.

    Listed: what the store's files set, and the process variables the store reads (its
    providers', Medusa's, the names its files expand); the shell's others only with --all.

    The backend view follows Medusa's loadEnv (the process environment first, unless
    --ignore-environment; then .env.<env> and .env; dotenv-expand 11). Secrets are masked: the
    providers decide for the names they know; any other name holding SECRET, PASSWORD, PASS,
    TOKEN or KEY is masked; a URL never shows its password; NEXT_PUBLIC_* stay visible.

    Exit 0 (it lists; `storectl status` judges).

    Example: storectl env --project ./my-store --environment production --format json
    """
    loaded = config.load(options)
    known = registry.variable_names()
    report = build(
        loaded, storefront=storefront, known=known, secrets=registry.secret_names(), every=every
    )
    shell = 0 if every else hidden(loaded, storefront, known)
    render(report, fmt, partial(text, hidden=shell))
