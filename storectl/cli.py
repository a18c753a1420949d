"""The root Typer app: wires the command groups together and owns the one error boundary."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from storectl import __version__, output, redact
from storectl.commands import _run
from storectl.errors import ExitCode, StorectlError
from storectl.model import Stage
from storectl.net import deadline
from storectl.output.color import set_mode as set_color_mode
from storectl.output.formats import ColorMode
from storectl.output.json import error_document


def _debug_enabled(ctx: Any) -> bool:
    return _run.of(ctx).debug or os.environ.get("STORECTL_DEBUG", "") not in ("", "0", "false")


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
    "catalog": "storectl.commands.catalog",
    "smoke": "storectl.commands.smoke",
}


class StorectlGroup(TyperGroup):
    """Loads command groups on demand, and turns a StorectlError (and any crash) into
    `Error:` + `hint:` and an exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += _completion_options()

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: str | None = None
    ) -> None:
        # typer's completion classes (its output format) load only when a shell asks
        var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(var):
            from typer._completion_classes import completion_init

            completion_init()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args = _optional_shell(list(args))
        if not ctx.resilient_parsing and not set(args) & {"-h", "--help", *COMPLETION_OPTIONS}:
            from storectl.commands import _argv

            parsed = _argv.rewrite(args, list(GROUPS), lambda name: self.get_command(ctx, name))
            if parsed.error:
                ctx.fail(parsed.error)
            args = parsed.args
            ctx.meta["storectl.command"] = " ".join(parsed.path)
        return list(super().parse_args(ctx, args))

    def list_commands(self, ctx: Any) -> list[str]:
        return [*GROUPS, *super().list_commands(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in GROUPS:
            import importlib

            from typer.main import get_command

            command = get_command(importlib.import_module(GROUPS[cmd_name]).app)
            command.name = cmd_name
            _as_prose(command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: Any) -> Any:
        # one redactor and one network deadline for exactly this run; its JSON names it
        from storectl.output.json import command

        with redact.scoped(), deadline.scoped(), command(ctx.meta.get("storectl.command", "")):
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
            if isinstance(exc, BrokenPipeError):  # the reader left (`| head`): nothing to say
                _stdout_to_devnull()
                raise typer.Exit(SIGPIPE_EXIT) from None
            if _debug_enabled(ctx):
                _print_traceback()
            message = f"internal error: {type(exc).__name__}: {exc}"
            hint = "this is a bug in storectl; rerun with --debug and report the traceback"
            output.error(message, hint=hint)
            _error_document(ctx, message, None, hint, ExitCode.FAILED)
            raise typer.Exit(ExitCode.FAILED) from None


def _as_prose(command: Any) -> None:
    """Join the lines of each paragraph of a command's help (and its subcommands'): a docstring
    is wrapped at 100 columns in the source, and rich keeps those breaks past the first
    paragraph, so `--help` broke mid-sentence at every width. A paragraph starting with \\b
    keeps its lines (click's marker)."""
    import inspect

    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        command.help = "\n\n".join(
            p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs
        )
    for sub in getattr(command, "commands", {}).values():
        _as_prose(sub)


def _error_document(
    ctx: Any, message: str, stage: str | None, hint: str | None, exit_code: int
) -> None:
    """Under --format json, the error as a JSON document too: on stdout, or in the --output
    file a report would have gone to. The command's options recorded both (commands/_run.py)."""
    options = _run.of(ctx)
    if not options.json:
        return

    text = error_document(message, str(stage) if stage else None, hint, int(exit_code))
    target = options.output
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


#: The shells typer writes completion scripts for.
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _completion_options() -> list[Any]:
    """--install-completion and --show-completion taking an optional SHELL: typer's own take
    none when shellingham is installed (they detect the shell and ignore `zsh` in
    `--show-completion zsh`); here a named shell wins, and detection is the fallback."""
    from typer.core import TyperOption

    return [
        TyperOption(
            param_decls=[name],
            type=str,
            metavar="[SHELL]",
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_completion_callback,
            help=f"{action} completion for SHELL ({', '.join(SHELLS[:4])}; default: the "
            "current shell).",
        )
        for name, action in (("--install-completion", "Install"), ("--show-completion", "Show"))
    ]


COMPLETION_OPTIONS = ("--install-completion", "--show-completion")


def _optional_shell(args: list[str]) -> list[str]:
    """Give a bare --show-completion/--install-completion (last, or before another option) an
    empty SHELL, which means "detect it": click options take a value or none, not either."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg in GROUPS:  # a command's own arguments follow
            return out + args[i:]
        out.append(arg)
        if arg in COMPLETION_OPTIONS and (i + 1 == len(args) or args[i + 1].startswith("-")):
            out.append("")
    return out


def _completion_callback(ctx: Any, param: Any, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_classes import completion_init
    from typer._completion_shared import _get_shell_name, get_completion_script, install

    completion_init()
    shell = value or _get_shell_name() or os.path.basename(os.environ.get("SHELL", ""))
    if shell not in SHELLS:
        raise typer.BadParameter(
            f"{shell!r} is not a shell storectl completes; name one: {', '.join(SHELLS)}"
            if shell
            else f"cannot tell which shell this is; name one: {', '.join(SHELLS)}",
            ctx,
            param,
        )
    prog = ctx.find_root().info_name or "storectl"
    var = f"_{prog}_COMPLETE".replace("-", "_").upper()
    if param.name == "show_completion":
        typer.echo(get_completion_script(prog_name=prog, complete_var=var, shell=shell))
    else:
        done, path = install(shell=shell, prog_name=prog, complete_var=var)
        typer.echo(f"{done} completion installed in {path}; it takes effect in a new shell")
    ctx.exit(0)


app = typer.Typer(
    name="storectl",
    add_completion=False,  # StorectlGroup adds its own (a named shell wins)
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
    _run.of(ctx).debug = debug
    set_color_mode(color.value)


#: A command whose reader went away exits as a shell's pipeline reports SIGPIPE (128 + 13).
SIGPIPE_EXIT = 141


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so the interpreter's own flush at exit does not raise again
    (Python's documented way to handle SIGPIPE: docs.python.org/3/library/signal.html)."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main() -> None:
    """Console-script entry point."""
    app()
