"""THE retry policy of every client: jittered exponential backoff that honours the server's
`Retry-After` (and Stripe's `Stripe-Should-Retry`), bounded by the command's deadline.

Written here rather than taken from stamina or tenacity: the policy is twenty lines, it must
read a per-answer delay from a header and stop at a deadline shared with the other steps of a
command, and a dependency for it would cost start-up time and a pin. The SDKs' own retries
are off (stripe max_network_retries=0, botocore max_attempts=1, redis Retry(NoBackoff(), 0))
so that this is the one policy that counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from storectl.net.deadline import Deadline

T = TypeVar("T")

#: At most this many tries of one call (the first and two retries).
ATTEMPTS = 3
#: The first backoff; it doubles on each retry, with jitter.
BASE_DELAY = 0.25


class Again:
    """Advice to try again: after `after` seconds when the server said so, else backoff.

    A plain class, not a dataclass: provider modules import this one at start-up (status)."""

    __slots__ = ("after",)

    def __init__(self, after: float | None = None) -> None:
        self.after = after


#: The least time a retry must leave for the try itself.
MIN_TRY = 0.25


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header's value, whatever the case of its name (SDKs hand over plain dicts)."""
    if not headers:
        return None
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), None)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait (`Retry-After`: seconds or an HTTP date), if any."""
    value = header(headers, "Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # lazy: rarely needed

    try:
        moment = parsedate_to_datetime(value).timestamp()
        return max(0.0, float(moment) - time.time())
    except (TypeError, ValueError):
        return None


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter (half fixed, half random) so clients do not stampede."""
    import random  # lazy: ~1 ms of start-up, needed only when a call is retried

    ceiling = BASE_DELAY * 2.0**attempt
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def call(
    fn: Callable[[], T],
    deadline: Deadline,
    *,
    on_error: Callable[[Exception], Again | None] = lambda exc: None,
    on_result: Callable[[T], Again | None] = lambda result: None,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn`; while the advice says so, try again after a delay that fits the deadline.

    The last answer (or error) stands when the tries are used up, when the advice says no, or
    when the delay would not end before the deadline: a Retry-After longer than the budget
    ends the command now instead of sleeping past its end."""
    for attempt in range(attempts):
        last = attempt == attempts - 1
        try:
            result = fn()
        except Exception as exc:
            advice = on_error(exc)
            if advice is None or last or not _wait(advice, attempt, deadline, sleep):
                raise
            continue
        advice = on_result(result)
        if advice is None or last or not _wait(advice, attempt, deadline, sleep):
            return result
    raise AssertionError("unreachable")


def _wait(advice: Again, attempt: int, deadline: Deadline, sleep: Callable[[float], None]) -> bool:
    """Sleep before the next try, unless that would leave the try itself no time (then the last
    answer stands: a refused connection stays CONNECT, not a TIMEOUT of a try that never ran)."""
    delay = advice.after if advice.after is not None else backoff(attempt)
    if delay + MIN_TRY >= deadline.remaining(floor=0.0):
        return False
    sleep(delay)
    return True
