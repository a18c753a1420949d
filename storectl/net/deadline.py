"""One time budget for a whole command, so a chain of slow steps still ends on time."""

from __future__ import annotations

import time


class Deadline:
    """One time budget for a whole probe, so a chain of slow steps still ends on time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self, floor: float = 0.05) -> float:
        """Seconds left for the next operation; never 0, which sockets take as non-blocking."""
        return max(floor, self.end - time.monotonic())
