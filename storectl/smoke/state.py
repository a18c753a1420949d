"""One smoke run's state: its clients, its deadline, what it chose and made, its steps."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from storectl.env import Env
from storectl.errors import ConfigError
from storectl.model import Status
from storectl.net.deadline import Deadline
from storectl.providers import checkout_api as api
from storectl.providers.probe import Steps
from storectl.providers.storefront.lint import KEY, backend_own, storefront_backend
from storectl.smoke.plan import Created, Plan, SmokeOptions, email_for, new_run_id


class Run:
    """One smoke run's state: its clients, what it chose, what it made, its steps."""

    def __init__(self, env: Env, options: SmokeOptions) -> None:
        url = storefront_backend(env) or backend_own(env)
        if url is None or not env.value(KEY):
            raise ConfigError(
                "smoke needs the storefront's backend URL and publishable key",
                hint="set MEDUSA_BACKEND_URL and NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY in "
                "storefront/.env.local (smoke reads them as the storefront does)",
            )
        self.env, self.options, self.url = env, options, url
        self.started = time.monotonic()
        self.deadline = Deadline(max(0.5, options.timeout - options.cleanup_budget))
        self.meter = api.Meter()
        self.steps = Steps("smoke")
        run_id = new_run_id()
        self.plan = Plan(run_id=run_id, backend=url.value, email=email_for(options.email, run_id))
        self.created = Created()
        self.store = api.StoreCalls(url.value, env.value(KEY), self.deadline, url.var, self.meter)
        self.admin: api.AdminCalls | None = None
        self.stripe: api.StripeCalls | None = None
        self.waits = 0.0
        self.checkout_end: float | None = None
        self.interrupted = False
        #: the step under way (a failure or Ctrl-C is reported against it)
        self.current: str | None = None
        #: the placed order's line items (their reservations are checked)
        self.line_items: list[str] = []
        self.notes: list[str] = []
        self.cleanup = "nothing was created"

    # --- bookkeeping --------------------------------------------------------------------

    def choose(self, **changes: Any) -> None:
        self.plan = dataclasses.replace(self.plan, **changes)

    def made(self, **changes: Any) -> None:
        self.created = dataclasses.replace(self.created, **changes)

    def ok(self, step: str, summary: str) -> None:
        self.steps.ok(step, summary)

    def skip(self, step: str, summary: str) -> None:
        self.steps.add(step, Status.SKIP, summary)

    def wait(self, seconds: float) -> None:
        """Sleep between two polls of the store's asynchronous work (counted as a wait)."""
        pause = min(seconds, max(0.0, self.deadline.end - time.monotonic()))
        self.waits += pause
        time.sleep(pause)

    def close(self) -> None:
        self.store.close()
        if self.admin is not None:
            self.admin.close()
