"""The root Typer app: wires the command groups together and owns the one error boundary."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from storectl import __version__, output
from storectl.commands import doctor, mail, regions, status, webhooks
from storectl.errors import ExitCode, StorectlError
from storectl.redact import REDACTOR, scrub


def _debug_enabled(ctx: Any) -> bool:
    obj = getattr(ctx, "obj", None)
    return bool(isinstance(obj, dict) and obj.get("debug")) or os.environ.get(
        "STORECTL_DEBUG", ""
    ) not in ("", "0", "false")


class StorectlGroup(TyperGroup):
    """Turns a StorectlError (and any crash) into `Error:` + `hint:` and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        REDACTOR.clear()
        try:
            return super().invoke(ctx)
        except StorectlError as exc:
            if _debug_enabled(ctx):
                _print_traceback()
            output.error(exc.message, exc.hint, exc.stage)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            output.error("interrupted")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: no traceback for users
            if _debug_enabled(ctx):
                _print_traceback()
            output.error(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a bug in storectl; rerun with --debug and report the traceback",
            )
            raise typer.Exit(ExitCode.FAILED) from None


def _print_traceback() -> None:
    import traceback

    sys.stderr.write(scrub("".join(traceback.format_exc())))


app = typer.Typer(
    name="storectl",
    cls=StorectlGroup,
    help="Configure and check the production providers of a Medusa v2 store: "
    "Stripe, S3, SMTP and Redis.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(status.app)
app.add_typer(doctor.app)
app.add_typer(webhooks.app)
app.add_typer(regions.app)
app.add_typer(mail.app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"storectl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show tracebacks (secrets still masked). Also STORECTL_DEBUG=1."
        ),
    ] = False,
) -> None:
    """storectl: check and configure a Medusa v2 store's production providers."""
    ctx.obj = {"debug": debug}


def main() -> None:
    """Console-script entry point."""
    app()
