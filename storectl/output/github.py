"""GitHub Actions output: workflow-command annotations and the step summary table."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from storectl.model import Check, Status
from storectl.output import sanitize
from storectl.output.color import INFO_MARK, STATUS_MARK
from storectl.output.table import is_info, is_lint, label


def in_actions() -> bool:
    """Running as a GitHub Actions step (the runner sets GITHUB_ACTIONS=true)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def add_mask(secret: str) -> str:
    """`::add-mask::`: the runner replaces the value with *** in every later log line."""
    return f"::add-mask::{escape(secret)}"


def location(check: Check, root: Path | None = None) -> str:
    """`file=...,line=...` for a lint finding (target `backend/.env:12`, relative to the store
    root), relative to the workspace so the annotation shows on the file; "" otherwise."""
    if not check.target or not is_lint(check):
        return ""
    path, _, line = check.target.rpartition(":")
    if not (line.isdigit() and path):
        path, line = check.target, ""
    file = Path(path)
    if root is not None and not file.is_absolute():
        file = root / file
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or ".")
    try:
        shown = os.path.relpath(file.resolve(), workspace.resolve())
    except ValueError:  # another drive (Windows)
        shown = str(file)
    text = f"file={escape(shown, prop=True)}"
    return text + (f",line={line}" if line else "")


def cell(text: str) -> str:
    """Text fit for one markdown table cell of the step summary: one visible line, HTML and
    markdown escaped (`sanitize.markdown`), so a peer's `<img>`, `[link](…)` or `|` is text."""
    return sanitize.markdown(text)


def escape(text: str, *, prop: bool = False) -> str:
    """Escape for a workflow command (actions/toolkit's escapeData / escapeProperty)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def workflow_commands(
    checks: Sequence[Check], summary: str, prefix: str = "", root: Path | None = None
) -> str:
    """`::error`/`::warning` workflow commands (on the env file and line for lint findings),
    then the summary line; `prefix` (a fleet's store name) leads every title and message.
    Every value is made one visible line first (`sanitize.text`): the runner unescapes `%0A`
    in a message, so a line break inside one would still reach the annotation."""
    lines = []
    one = sanitize.text
    for check in checks:
        if check.status in (Status.FAIL, Status.ERROR):
            level = "error"
        elif check.status is Status.WARN:
            level = "warning"
        else:
            continue
        title = escape(one(f"{prefix}storectl {check.provider} {label(check)}"), prop=True)
        message = one(check.summary) + (f" (hint: {one(check.hint)})" if check.hint else "")
        stage = f"{check.stage.value}: " if check.stage else ""
        where = location(check, root)
        props = f"{where},title={title}" if where else f"title={title}"
        lines.append(f"::{level} {props}::{escape(one(prefix) + stage + message)}")
    lines.append(sanitize.lines(one(summary)))
    return "\n".join(lines)


def append_step_summary(title: str, checks: Sequence[Check], summary: str) -> None:
    """Append a markdown table to $GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    rows = ["| | provider | check | stage | summary |", "|---|---|---|---|---|"]
    for check in checks:
        mark = (INFO_MARK if is_info(check) else STATUS_MARK[check.status])[0]
        stage = check.stage.value if check.stage else ""
        cells = (mark, check.provider, label(check), stage, check.summary)
        rows.append("| " + " | ".join(cell(c) for c in cells) + " |")
    text = f"### {title}\n\n" + "\n".join(rows) + f"\n\n{cell(summary)}\n\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)  # built from scrubbed checks, every cell escaped


def append_fleet_summary(
    title: str, rows: Sequence[tuple[bool, str, str, str]], summary: str
) -> None:
    """Append one markdown row per store (ok, name, environment, result) to the step summary."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    lines = ["| | store | environment | result |", "|---|---|---|---|"]
    for ok, name, environment, result in rows:
        mark = STATUS_MARK[Status.OK if ok else Status.FAIL][0]
        cells = [cell(c) for c in (name, environment, result)]
        lines.append(f"| {mark} | {cells[0]} | {cells[1]} | {cells[2]} |")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"### {title}\n\n" + "\n".join(lines) + f"\n\n{cell(summary)}\n\n")
