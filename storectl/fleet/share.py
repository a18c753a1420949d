"""Probes shared between the stores of a run: a provider whose probe reads only its own
declared variables (`Provider.shareable`), given the same values and options, runs once; every
store that shares those inputs gets the same checks. Probes that read a store's own settings
(Stripe's webhook URL, the Medusa backend) are never shareable."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from storectl.env import Env
from storectl.model import Check
from storectl.providers.base import Probe, ProbeOptions, Provider

Key = tuple[object, ...]


class SharedProbes:
    """One run's cache of probe results, keyed by provider, options and every input value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[Key, Future[list[Check]]] = {}
        #: how many probe calls were answered from another store's run
        self.reused = 0

    @staticmethod
    def key(provider: Provider, env: Env, options: ProbeOptions) -> Key:
        names = sorted(
            {v.name for v in provider.env_vars}
            | {v.default_from for v in provider.env_vars if v.default_from}
        )
        # settings is a mapping (unhashable): its sorted items stand in for it
        settings = tuple(sorted(options.settings.items()))
        return (
            provider.name,
            (options.timeout, options.write, settings),
            tuple((name, env.get(name)) for name in names),
        )

    def wrap(self, providers: Sequence[Provider]) -> list[Provider]:
        """`providers` with each shareable probe going through this cache."""
        return [
            dataclasses.replace(p, probe=self._probe_of(p)) if p.shareable and p.probe else p
            for p in providers
        ]

    def _probe_of(self, provider: Provider) -> Probe:
        inner = provider.probe
        assert inner is not None

        def probe(env: Env, options: ProbeOptions) -> list[Check]:
            key = self.key(provider, env, options)
            with self._lock:
                future = self._results.get(key)
                owner = future is None
                if future is None:
                    future = self._results[key] = Future()
                else:
                    self.reused += 1
            if not owner:
                # the caller (doctor) bounds the wait with its own deadline
                return list(future.result())
            try:
                checks = inner(env, options)
            except BaseException as exc:
                future.set_exception(exc)
                raise
            future.set_result(checks)
            return list(checks)

        return probe
