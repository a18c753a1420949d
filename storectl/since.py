"""`--since`: the one grammar every command reads it with (doctor, payments, mail replay):
a duration back from now (`90s`, `30m`, `36h`, `7d`, `2w`), `today`/`yesterday` (local
midnight), or an ISO 8601 date or time (`2026-11-01`, `2026-11-01T09:00:00Z`). Issue 21 D."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from storectl.errors import UsageError

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HINT = "use a duration (90m, 36h, 7d, 2w), today, yesterday, or a date (YYYY-MM-DD, ISO 8601)"


def since(value: str, now: datetime | None = None) -> datetime:
    """The moment `--since value` names (a duration or today/yesterday: timezone-aware; a
    date or time: as written); anything else is a usage error."""
    now = now or datetime.now().astimezone()
    text = (value or "").strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", text)
    if match:
        amount = float(match.group(1))
        if amount <= 0:
            raise UsageError(f"--since {value!r} is no time at all", hint=HINT)
        return now - timedelta(**{_UNITS[match.group(2)]: amount})
    if text in ("today", "yesterday"):
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=text == "yesterday")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {value!r} is not a date or a duration", hint=HINT) from None
    return parsed  # as written: a date without a zone stays one (Medusa reads it as UTC)


def seconds_back(value: str, now: datetime | None = None, *, most_days: int = 365) -> float:
    """`--since` as seconds back from now, for the checks that look back a window."""
    now = now or datetime.now().astimezone()
    moment = since(value, now)
    seconds = (now - (moment if moment.tzinfo else moment.astimezone())).total_seconds()
    if seconds <= 0:
        raise UsageError(f"--since {value} is in the future", hint=HINT)
    if seconds > most_days * 86400:
        raise UsageError(
            f"--since {value} is more than {most_days} days back", hint="use at most 365d"
        )
    return seconds
