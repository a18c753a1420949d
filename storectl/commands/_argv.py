"""The command line before click reads it: global options in either place, `--json`, a bare
format name after `--output`, "did you mean" for a mistyped command, and the command's path
(the JSON envelope's `command`). Issue 21 D: the flags people type by habit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: Root options that take no value / one value; accepted after the subcommand too.
ROOT_FLAGS = ("--debug",)
ROOT_VALUED = ("--color",)
#: Per-command options also accepted before the subcommand (`storectl -q doctor`).
QUIET = ("-q", "--quiet")
#: The values of --format: `--output json` names one of these, not a file.
FORMATS = ("table", "json", "junit", "github")


@dataclass(frozen=True)
class Parsed:
    """The rewritten arguments, the command path (`webhooks list`), and a usage error."""

    args: list[str]
    path: tuple[str, ...]
    error: str | None = None


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The choice a mistyped word most likely meant (difflib, as for providers)."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _params(command: Any) -> set[str]:
    """Every option spelling a click command takes."""
    names: set[str] = set()
    for param in getattr(command, "params", ()):
        names.update(getattr(param, "opts", ()))
        names.update(getattr(param, "secondary_opts", ()))
    return names


def _takes_value(args: list[str], index: int) -> bool:
    return args[index] in ROOT_VALUED and index + 1 < len(args)


def _group_index(args: list[str], groups: Sequence[str]) -> int | None:
    """Where the subcommand's name stands (root options and their values skipped)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return index
        index += 2 if _takes_value(args, index) else 1
    return None


def rewrite(args: list[str], groups: Sequence[str], resolve: Callable[[str], Any]) -> Parsed:
    """Move root options given after the subcommand to the front, -q given before it to
    after it, turn `--json` into `--format json`, and refuse `--output json`."""
    start = _group_index(args, groups)
    if start is None:
        return Parsed(args, ())
    name = args[start]
    if name not in groups:
        guess = suggest(name, groups)
        hint = f" Did you mean {guess!r}?" if guess else ""
        return Parsed(args, (), f"No such command {name!r}.{hint}")
    command = resolve(name)
    path = [name]
    leaf_end = start + 1
    sub = getattr(command, "commands", None)
    if isinstance(sub, dict):
        error = None
        for index in range(start + 1, len(args)):
            arg = args[index]
            if arg == "--" or arg.startswith("-"):
                continue
            if arg in sub:
                path.append(arg)
                command, leaf_end = sub[arg], index + 1
            else:
                guess = suggest(arg, sorted(sub))
                if guess:
                    error = f"No such command {arg!r}. Did you mean {guess!r}?"
            break
        if error:
            return Parsed(args, tuple(path), error)
    front, before, after = _split(args, start, leaf_end)
    return _finish(front, before, args[start:leaf_end], after, command, tuple(path))


def _split(args: list[str], start: int, leaf_end: int) -> tuple[list[str], list[str], list[str]]:
    """Root options (from anywhere before `--`), -q given before the command, the rest."""
    front: list[str] = []
    before: list[str] = []
    for arg in args[:start]:
        (before if arg in QUIET else front).append(arg)
    after: list[str] = []
    rest = args[leaf_end:]
    index = 0
    while index < len(rest):
        arg = rest[index]
        if arg == "--":
            after += rest[index:]
            break
        if arg in ROOT_FLAGS or arg.startswith(tuple(f"{v}=" for v in ROOT_VALUED)):
            front.append(arg)
        elif _takes_value(rest, index):
            front += rest[index : index + 2]
            index += 1
        else:
            after.append(arg)
        index += 1
    return front, before, after


def _finish(
    front: list[str],
    before: list[str],
    path_args: list[str],
    after: list[str],
    command: Any,
    path: tuple[str, ...],
) -> Parsed:
    options = _params(command)
    label = "storectl " + " ".join(path)
    if before and not options & set(QUIET):
        return Parsed(front + before + path_args + after, path, f"{label} has no -q/--quiet")
    rewritten: list[str] = []
    for index, arg in enumerate(after):
        if arg == "--":
            rewritten += after[index:]
            break
        if arg == "--json" and "--json" not in options and "--format" in options:
            rewritten += ["--format", "json"]
            continue
        value = _output_value(after, index)
        if value is not None and "--output" in options and value.lower() in FORMATS:
            return Parsed(
                after,
                path,
                f"--output takes a file name, and {value!r} is a format: did you mean "
                f"--format {value.lower()} (or --json)?",
            )
        rewritten.append(arg)
    return Parsed(front + path_args + before + rewritten, path)


def _output_value(args: list[str], index: int) -> str | None:
    """The value of `--output X`, `-o X` or `--output=X` at this position, else None."""
    arg = args[index]
    if arg.startswith("--output="):
        return arg.split("=", 1)[1]
    if arg in ("--output", "-o") and index + 1 < len(args):
        return args[index + 1]
    return None
