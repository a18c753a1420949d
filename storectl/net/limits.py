"""Bounded reading, the core: the caps, the deadline checks, pagination and LimitExceeded.

A peer can hold a client forever without ever tripping a per-read socket timeout (one byte every
0.5 s), or fill its memory (an endless body, a compressed bomb, endless SMTP `220-` lines, a list
that always has one more page). The readers bound all of it, for each SDK storectl uses:

- `net/transport.py`: the bounded httpx transport and client: every connect, TLS handshake, write
  and read gets min(its phase timeout, the deadline's remaining time), the deadline is checked
  between reads, and the body is capped after decompression (decoded in bounded steps, so a bomb
  never expands in memory).
- `net/sdk.py`: the same bounds inside stripe-python (an `http_client`) and botocore (a
  `before-send` hook); `net/sdk_smtp.py`: smtplib (a bounded reply reader); `net/sdk_redis.py`:
  redis-py (a bounded socket).
- here: the caps, and `pages()`: a page cap, and a repeated cursor/offset detected, both PROTOCOL
  errors.

Every limit a peer exceeds raises LimitExceeded, with `stage` "PROTOCOL" (a size or page cap)
or "TIMEOUT" (the deadline) and a message that names the limit; callers map it to storectl's
error type. Nothing here imports an SDK at module level (start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal, Protocol, TypeVar

#: The most bytes one response body may have, after decompression (and before: a compressed
#: body is never larger than what it expands to, give or take framing). 10 MB is ~100 times
#: the largest answer storectl expects (a 100-item Stripe list is ~150 KB).
MAX_BODY: Final = 10 * 1024 * 1024
#: The most pages one paginated listing may take (Stripe: 100 items a page; Medusa: 50-100).
MAX_PAGES: Final = 100
#: The most lines one SMTP reply may have. An EHLO reply has about ten (RFC 5321 sets no limit).
MAX_REPLY_LINES: Final = 100
#: The most bytes one SMTP reply line may have: RFC 5321 allows 512; smtplib's own cap is 8192.
MAX_LINE: Final = 8192

Stage = Literal["PROTOCOL", "TIMEOUT"]
PROTOCOL: Final = "PROTOCOL"
TIMEOUT: Final = "TIMEOUT"

T = TypeVar("T")
C = TypeVar("C")


class DeadlineLike(Protocol):
    """What limits needs of a deadline: the seconds left for the next operation.

    The deadline has passed when remaining() <= 0, or, if the object has a boolean `expired`
    attribute (storectl's Deadline floors remaining() at 0.05 s), when that is True.
    """

    def remaining(self) -> float: ...


class LimitExceeded(Exception):
    """A peer exceeded a limit: a size or page cap (PROTOCOL), or the deadline (TIMEOUT)."""

    def __init__(self, stage: Stage, limit: str, message: str) -> None:
        super().__init__(message)
        self.stage: Stage = stage
        #: the name of the limit, e.g. "MAX_BODY", "MAX_PAGES", "deadline"
        self.limit = limit
        self.message = message


def expired(deadline: DeadlineLike) -> bool:
    flag = getattr(deadline, "expired", None)
    if isinstance(flag, bool):
        return flag or deadline.remaining() <= 0
    return deadline.remaining() <= 0


def left(deadline: DeadlineLike, what: str, cap: float | None = None) -> float:
    """Seconds the next operation (`what`) may take: the deadline's remaining time, at most
    `cap` (a phase timeout); LimitExceeded(TIMEOUT) when the deadline has passed."""
    if expired(deadline):
        raise deadline_passed(what)
    remaining = deadline.remaining()
    return remaining if cap is None else min(cap, remaining)


def deadline_passed(what: str) -> LimitExceeded:
    return LimitExceeded(TIMEOUT, "deadline", f"the deadline passed while {what}")


def too_big(what: str, limit: str, size: int) -> LimitExceeded:
    return LimitExceeded(PROTOCOL, limit, f"{what} is larger than {limit} ({_size(size)})")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bytes"


# --- pagination ----------------------------------------------------------------------------


def pages(
    fetch: Callable[[C | None], tuple[list[T], C | None]],
    cap: int = MAX_PAGES,
    what: str = "the list",
    deadline: DeadlineLike | None = None,
) -> list[T]:
    """Every item of a paginated listing, or a PROTOCOL error naming the loop.

    fetch(cursor) returns (items, next cursor); None as the next cursor ends the listing; the
    first call gets None. A cursor (Stripe's `starting_after` id, Medusa's offset) seen before
    means the peer loops; more than `cap` pages means it never ends. With a deadline, it is
    checked before each page.
    """
    items: list[T] = []
    seen: set[Any] = set()
    cursor: C | None = None
    for page in range(1, cap + 1):
        if deadline is not None and expired(deadline):
            raise deadline_passed(f"reading page {page} of {what}")
        found, cursor = fetch(cursor)
        items.extend(found)
        if cursor is None:
            return items
        if cursor in seen:
            raise LimitExceeded(
                PROTOCOL,
                "repeated cursor",
                f"{what} loops: page {page} points back to {cursor!r}, a page already read",
            )
        seen.add(cursor)
    raise LimitExceeded(PROTOCOL, "MAX_PAGES", f"{what} did not end after {cap} pages (MAX_PAGES)")
