"""ANSI colour on a terminal (never under NO_COLOR), and the marks results are shown with."""

from __future__ import annotations

import os
from typing import IO

from storectl.model import Severity, Status

_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}

SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SEVERITY_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}
#: A check's status as a mark and the style it is painted in.
STATUS_MARK = {
    Status.OK: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.SKIP: ("–", "dim"),
    Status.ERROR: ("✗", "red"),
}
#: An info-level finding shown among checks (its status is ok): not a ✓.
INFO_MARK = ("i", "cyan")


#: This run's --color choice (the root command sets it before any output).
_mode = "auto"


def set_mode(mode: str) -> None:
    """Record --color for this run: `always` and `never` beat every environment variable."""
    global _mode
    _mode = mode


def _forced(name: str) -> bool:
    value = os.environ.get(name, "")
    return value not in ("", "0", "false")


def use_color(stream: IO[str]) -> bool:
    """--color always/never decide; under auto, NO_COLOR (non-empty, https://no-color.org)
    turns colour off, FORCE_COLOR or CLICOLOR_FORCE turn it on off a terminal
    (https://force-color.org, bixense.com/clicolors), TERM=dumb turns it off; else a terminal."""
    if _mode != "auto":
        return _mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if _forced("FORCE_COLOR") or _forced("CLICOLOR_FORCE"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Painter:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"
