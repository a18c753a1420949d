"""The root Typer app: wires the command groups together and owns the one error boundary."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from storectl import __version__, output, redact
from storectl.errors import ExitCode, StorectlError
from storectl.model import Stage
from storectl.net import deadline
from storectl.output.color import set_mode as set_color_mode
from storectl.output.formats import ColorMode


def _debug_enabled(ctx: Any) -> bool:
    obj = getattr(ctx, "obj", None)
    return bool(isinstance(obj, dict) and obj.get("debug")) or os.environ.get(
        "STORECTL_DEBUG", ""
    ) not in ("", "0", "false")


#: Command groups, loaded when named: building every group's click command from its
#: signature costs ~20 ms, a fifth of `storectl status` (BENCHMARKS.md).
GROUPS = {
    "status": "storectl.commands.status",
    "doctor": "storectl.commands.doctor",
    "webhooks": "storectl.commands.webhooks",
    "regions": "storectl.commands.regions",
    "mail": "storectl.commands.mail",
    "env": "storectl.commands.env",
    "payments": "storectl.commands.payments",
}


class StorectlGroup(TyperGroup):
    """Loads command groups on demand, and turns a StorectlError (and any crash) into
    `Error:` + `hint:` and an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*GROUPS, *super().list_commands(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in GROUPS:
            import importlib

            from typer.main import get_command

            command = get_command(importlib.import_module(GROUPS[cmd_name]).app)
            command.name = cmd_name
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: Any) -> Any:
        # one redactor and one network deadline for exactly this run
        with redact.scoped(), deadline.scoped():
            return self._invoke(ctx)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StorectlError as exc:
            if _debug_enabled(ctx):
                _print_traceback()
            output.error(exc.message, exc.hint, exc.stage)
            _error_document(ctx, exc.message, exc.stage, exc.hint, exc.exit_code)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            output.error("interrupted")
            _error_document(ctx, "interrupted", None, None, ExitCode.INTERRUPTED)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: no traceback for users
            from storectl.net.limits import LimitExceeded  # lazy: off the start-up path

            if isinstance(exc, LimitExceeded):  # a limit no client classified: still no crash
                message = redact.clean_peer_text(exc.message)
                hint = "the peer answered too slowly or too much; check its address or --timeout"
                output.error(message, hint, Stage(exc.stage))
                _error_document(ctx, message, exc.stage, hint, ExitCode.FAILED)
                raise typer.Exit(ExitCode.FAILED) from None
            if _debug_enabled(ctx):
                _print_traceback()
            message = f"internal error: {type(exc).__name__}: {exc}"
            hint = "this is a bug in storectl; rerun with --debug and report the traceback"
            output.error(message, hint=hint)
            _error_document(ctx, message, None, hint, ExitCode.FAILED)
            raise typer.Exit(ExitCode.FAILED) from None


def _error_document(
    ctx: Any, message: str, stage: str | None, hint: str | None, exit_code: int
) -> None:
    """Under --format json, the error as a JSON document too: on stdout, or in the --output
    file a report would have gone to. The command's options recorded both on ctx.obj."""
    obj = getattr(ctx, "obj", None)
    if not isinstance(obj, dict) or str(obj.get("format", "")) != "json":
        return
    from storectl.output.json import error_document

    text = error_document(message, str(stage) if stage else None, hint, int(exit_code))
    target = obj.get("output")
    if target is None:
        output.write(text, structured=True)
        return
    from storectl.fsutil import atomic_write, ensure_parent

    try:
        ensure_parent(target)
        atomic_write(target, text.encode())
    except StorectlError as exc:  # the error being reported matters more; say both
        output.error(exc.message, exc.hint)


def _print_traceback() -> None:
    import traceback

    sys.stderr.write(redact.scrub("".join(traceback.format_exc())))


app = typer.Typer(
    name="storectl",
    cls=StorectlGroup,
    help="Configure and check the production providers of a Medusa v2 store "
    "('storectl status' lists them).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    color: Annotated[
        ColorMode,
        typer.Option(
            "--color",
            help="Colour: auto (a terminal; NO_COLOR turns it off, FORCE_COLOR or "
            "CLICOLOR_FORCE on), always, never.",
            case_sensitive=False,
        ),
    ] = ColorMode.AUTO,
) -> None:
    """storectl: check and configure a Medusa v2 store's production providers."""
    ctx.obj = {"debug": debug}
    set_color_mode(color.value)


def main() -> None:
    """Console-script entry point."""
    app()
