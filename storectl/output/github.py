"""GitHub Actions output: workflow-command annotations and the step summary table."""

from __future__ import annotations

import os
from collections.abc import Sequence

from storectl.model import Check, Status
from storectl.output.color import STATUS_MARK
from storectl.output.table import label


def escape(text: str, *, prop: bool = False) -> str:
    """Escape for a workflow command (actions/toolkit's escapeData / escapeProperty)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def workflow_commands(checks: Sequence[Check], summary: str, prefix: str = "") -> str:
    """`::error`/`::warning` workflow commands, then the summary line; `prefix` (a fleet's
    store name) leads every title and message."""
    lines = []
    for check in checks:
        if check.status in (Status.FAIL, Status.ERROR):
            level = "error"
        elif check.status is Status.WARN:
            level = "warning"
        else:
            continue
        title = escape(f"{prefix}storectl {check.provider} {label(check)}", prop=True)
        message = check.summary + (f" (hint: {check.hint})" if check.hint else "")
        stage = f"{check.stage.value}: " if check.stage else ""
        lines.append(f"::{level} title={title}::{escape(prefix + stage + message)}")
    lines.append(summary)
    return "\n".join(lines)


def append_step_summary(title: str, checks: Sequence[Check], summary: str) -> None:
    """Append a markdown table to $GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    rows = ["| | provider | check | stage | summary |", "|---|---|---|---|---|"]
    for check in checks:
        mark = STATUS_MARK[check.status][0]
        stage = check.stage.value if check.stage else ""
        cells = [mark, cell(check.provider), cell(label(check)), stage, cell(check.summary)]
        rows.append("| " + " | ".join(cells) + " |")
    text = f"### {title}\n\n" + "\n".join(rows) + f"\n\n{summary}\n\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)  # built from scrubbed checks


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
        handle.write(f"### {title}\n\n" + "\n".join(lines) + f"\n\n{summary}\n\n")


def cell(text: str) -> str:
    """Text fit for one markdown table cell: a pipe would open a new column and a newline
    would end the row, so pipes are escaped, line breaks become <br>, control characters go."""
    import re

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", "", text)
    return text.replace("|", "\\|").replace("\n", "<br>")
