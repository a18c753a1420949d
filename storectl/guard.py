"""The one guard for every action that touches a real store or real customers.

Mail replayed to customers, a test event for a real payment session, a region's providers
changed, webhook endpoints changed on a live account (and any later command that does the like)
describe what they are about to do as an `Action`; `require` decides whether it may go ahead.

Which environment counts as production is deliberately wider here than in Medusa: Medusa's
loadEnv compares NODE_ENV case-sensitively (`Production` reads `.env` only, and the lint says
so), but a user who writes `Production`, `prod` or `live` means a real store, so the guard
treats every such spelling as production. Deciding too often costs a `--yes`; too rarely, a
customer's payment or inbox.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from storectl.env import Env
from storectl.errors import StorectlError, UsageError
from storectl.output import sanitize, write
from storectl.providers.values import is_loopback, stripe_mode

#: Words that mean "the real store" in an environment name, case-folded. `prod` also matches
#: as a prefix of a word (`production-eu`, `prod1`, `produktion`).
PRODUCTION_WORDS = frozenset({"production", "prod", "prd", "live", "main", "master"})


def production_like(name: str | None) -> bool:
    """Whether an environment name (NODE_ENV, --environment) means a real store to a person:
    `Production`, ` PROD `, `prd`, `live`, `production-eu`, `eu_prod`; a superset of Medusa's
    own `production`."""
    if not name:
        return False
    words = [w for w in re.split(r"[^0-9a-z]+", name.casefold()) if w]
    return any(w in PRODUCTION_WORDS or w.startswith("prod") for w in words)


@dataclass(frozen=True)
class Action:
    """What is about to happen, and where: everything the guard decides on.

    `question` is asked on a terminal ("Send replayed mail to 3 REAL customer(s)?"); `plan`
    is shown before it, one line per change. `url` is the backend (or peer) the action reaches:
    None when unknown, which counts as not this machine. `always`: ask in every environment
    (a write to a store's own settings, such as its regions)."""

    question: str
    plan: tuple[str, ...] = ()
    environment: str | None = None
    url: str | None = None
    live_key: bool = False
    always: bool = False

    @classmethod
    def of(
        cls,
        env: Env,
        question: str,
        plan: Sequence[str] = (),
        *,
        url: str | None = None,
        always: bool = False,
        customers: bool = False,
    ) -> Action:
        """An action on the store `env` describes: its environment (--environment or
        NODE_ENV), whether its STRIPE_API_KEY is live, and `url` (default: its backend).
        `customers`: it reaches customers themselves (their inboxes), never this machine."""
        if url is None and not customers:
            url = env.value("MEDUSA_BACKEND_URL") or None
        return cls(
            question,
            tuple(plan),
            environment=env.environment,
            url=url,
            live_key=stripe_mode(env.value("STRIPE_API_KEY")) == "live",
            always=always,
        )


@dataclass(frozen=True)
class Verdict:
    """Whether an action needs a confirmation (--yes, or a yes on a terminal), and why."""

    needs_confirmation: bool
    reasons: tuple[str, ...]


class NotConfirmed(StorectlError):
    """The user answered no on the terminal: nothing was done."""


def remote(url: str | None) -> bool:
    """Whether `url` may leave this machine (unknown or unparsable: yes)."""
    if not url:
        return True
    try:
        return not is_loopback(urlsplit(url.strip()).hostname)
    except ValueError:
        return True


def assess(action: Action) -> Verdict:
    """The decision alone (for a plan or a dry run): a live key, or a production environment
    with a backend that is not this machine, or an action that always asks."""
    reasons: list[str] = []
    if action.live_key:
        reasons.append("STRIPE_API_KEY is a live key")
    if production_like(action.environment) and remote(action.url):
        where = urlsplit(action.url).hostname if action.url else None
        reasons.append(
            f"environment {action.environment!r} counts as production and "
            + (f"{where} is not this machine" if where else "the backend may be a real one")
        )
    return Verdict(action.always or bool(reasons), tuple(reasons))


def require(
    action: Action, yes: bool, *, stdin: IO[str] | None = None, stderr: IO[str] | None = None
) -> Verdict:
    """Go ahead, or raise: --yes confirms; otherwise a terminal is asked after it is shown the
    plan and why; with stdin not a terminal storectl never asks, and refuses."""
    verdict = assess(action)
    if not verdict.needs_confirmation or yes:
        return verdict
    stdin = stdin if stdin is not None else sys.stdin
    stderr = stderr if stderr is not None else sys.stderr
    why = f" ({'; '.join(verdict.reasons)})" if verdict.reasons else ""
    if not stdin.isatty():
        raise UsageError(
            f"{action.question.rstrip('?')}: not confirmed{why}",
            hint="pass --yes to confirm (stdin is not a terminal, so storectl does not ask)",
        )

    # one line each: an order's or a region's text from the backend stays on its line
    plan = [sanitize.text(line) for line in action.plan]
    lines = [*plan, *(f"storectl asks because {r}" for r in verdict.reasons)]
    if lines:
        write("\n".join(lines), stderr)
    # not typer.confirm: click's prompt writes its trailing space to stdout, which is the
    # report's (and --format json's) stream
    stderr.write(f"{action.question} [y/N]: ")
    stderr.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        raise NotConfirmed(f"{action.question.rstrip('?')}: not confirmed; nothing was changed")
    return verdict
