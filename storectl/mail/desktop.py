"""`mail preview --open`: show the rendered HTML in the user's own browser (`webbrowser`).

A machine with no display (a server, a CI runner, an SSH session) has no browser to open: there
storectl says where the file is instead of failing, since the preview itself was written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def no_display() -> bool:
    """Linux and the BSDs draw through X11 or Wayland; with neither variable set, no browser
    window can appear (macOS and Windows always have their desktop)."""
    if sys.platform.startswith(("darwin", "win", "cygwin")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_html(path: Path) -> str:
    """Open `path` in the browser; what happened, as one sentence for stderr."""
    if no_display():
        return (
            f"no display (DISPLAY and WAYLAND_DISPLAY are unset), so no browser was opened; "
            f"the HTML is at {path}"
        )
    import webbrowser

    try:
        opened = webbrowser.open(path.resolve().as_uri())
    except webbrowser.Error:
        opened = False
    if not opened:
        return f"no browser could be started (set BROWSER to choose one); the HTML is at {path}"
    return f"opened {path} in the browser"
