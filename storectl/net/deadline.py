"""One time budget for a whole command, so a chain of slow steps still ends on time.

The CLI opens one slot per run (`scoped()`, which notes when the command started); the first
client that asks for a deadline (`for_command(timeout)`) sets it to that start + timeout (so
the SDK imports count too: the command ends within --timeout plus exit), and every later
client of the same run shares it: a command that talks to Stripe and then to the backend
spends one --timeout in all, not one each. Outside a run (a library call, a test)
`for_command` just starts a fresh Deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Deadline:
    """One time budget for a whole probe, so a chain of slow steps still ends on time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self, floor: float = 0.05) -> float:
        """Seconds left for the next operation; never 0, which sockets take as non-blocking."""
        return max(floor, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        """The budget is spent (remaining() floors at 0.05 s, so it cannot tell)."""
        return time.monotonic() >= self.end


class _Slot:
    """The run's deadline, started by its first network call."""

    __slots__ = ("deadline", "start")

    def __init__(self) -> None:
        self.deadline: Deadline | None = None
        self.start = time.monotonic()


_run: ContextVar[_Slot | None] = ContextVar("storectl_run_deadline", default=None)


@contextmanager
def scoped() -> Iterator[None]:
    """Open the run's deadline slot (the CLI does, once per command)."""
    token = _run.set(_Slot())
    try:
        yield
    finally:
        _run.reset(token)


def for_command(seconds: float) -> Deadline:
    """The run's one deadline: the command's start + `seconds`, fixed by the first client."""
    slot = _run.get()
    if slot is None:
        return Deadline(seconds)
    if slot.deadline is None:
        slot.deadline = Deadline(seconds)
        slot.deadline.end = slot.start + seconds
    return slot.deadline
