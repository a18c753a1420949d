"""Running one command over many stores: every store's env is read first (so the run's one
redactor knows every store's secrets before anything is printed), then the stores run in
parallel on at most `jobs` daemon threads. The whole run ends within
ceil(stores / jobs) x (timeout + 1 s): a store still running then is a failed store, and a
store that never answers cannot keep the process alive."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

from storectl.env import Env
from storectl.errors import StorectlError
from storectl.fleet.report import SCHEMA_VERSION, FleetReport, FleetSummary, Problem, StoreResult
from storectl.fleet.spec import Store
from storectl.net.parallel import gather
from storectl.providers.registry import PROVIDERS

R = TypeVar("R")

#: Slack per store past --timeout (doctor's own grace, rendering, thread start-up).
SLACK = 1.0


def deadline(stores: int, jobs: int, timeout: float) -> float:
    """Seconds the whole run may take: ceil(stores / jobs) x (timeout + 1 s)."""
    return math.ceil(stores / max(1, jobs)) * (timeout + SLACK)


def missing_required(env: Env, store: Store) -> list[Problem]:
    """A failure for each provider the fleet file requires that this store leaves inactive."""
    problems = []
    for provider in PROVIDERS:
        if provider.name in store.require and not provider.is_active(env):
            problems.append(
                Problem(
                    f"requires {provider.name}, but {provider.activation} is unset "
                    f"(→ {provider.fallback})",
                    hint=f"set {provider.activation}, or drop {provider.name} from require",
                )
            )
    return problems


def _failed(store: Store, environment: str, problem: Problem) -> StoreResult[R]:
    return StoreResult(store.name, environment, False, None, (problem,))


def run(
    stores: Sequence[Store],
    load: Callable[[Store], Env],
    work: Callable[[Store, Env], R],
    ok_of: Callable[[R], bool],
    *,
    jobs: int,
    timeout: float,
    fail_fast: bool = False,
    shared: Callable[[], int] = lambda: 0,
    on_done: Callable[[str], None] | None = None,
) -> FleetReport[R]:
    """Run `work` for every store; one result per store, in fleet order."""
    start = time.monotonic()
    jobs = max(1, min(jobs, len(stores)))
    seconds = deadline(len(stores), jobs, timeout)
    results: dict[int, StoreResult[R]]
    envs, results = _load_all(stores, load)
    if not (fail_fast and results):

        def one(index: int) -> StoreResult[R]:
            return _one(stores[index], envs[index], work, ok_of)

        results.update(_in_parallel(list(envs), one, jobs, start + seconds, fail_fast, on_done))
    stopped = fail_fast and any(not r.ok for r in results.values())
    for index, store in enumerate(stores):
        if index not in results:
            environment = envs[index].environment if index in envs else store.environment or ""
            results[index] = _unfinished(store, environment, stopped, seconds)
    ordered = tuple(results[index] for index in range(len(stores)))
    passed = sum(r.ok for r in ordered)
    unchecked = sum(not r.checked for r in ordered)
    return FleetReport(
        schema_version=SCHEMA_VERSION,
        ok=passed == len(ordered),
        stores=ordered,
        summary=FleetSummary(
            stores=len(ordered),
            ok=passed,
            failed=len(ordered) - passed - unchecked,
            not_checked=unchecked,
            shared_probes=shared(),
            jobs=jobs,
            duration_ms=round((time.monotonic() - start) * 1000),
        ),
    )


def _load_all(
    stores: Sequence[Store], load: Callable[[Store], Env]
) -> tuple[dict[int, Env], dict[int, StoreResult[R]]]:
    """Every store's env by index; a store whose env cannot load is already a failed result."""
    envs: dict[int, Env] = {}
    results: dict[int, StoreResult[R]] = {}
    for index, store in enumerate(stores):
        try:
            envs[index] = load(store)
        except StorectlError as exc:
            results[index] = _failed(store, store.environment or "", Problem(exc.message, exc.hint))
    return envs, results


def _one(
    store: Store, env: Env, work: Callable[[Store, Env], R], ok_of: Callable[[R], bool]
) -> StoreResult[R]:
    """One store's work; its errors (even a crash) are that store's result, not the run's."""
    began = time.monotonic()
    problems = missing_required(env, store)
    try:
        report = work(store, env)
    except StorectlError as exc:
        problems.append(Problem(exc.message, exc.hint))
        return StoreResult(store.name, env.environment, False, None, tuple(problems))
    except Exception as exc:  # noqa: BLE001 - one store's crash is that store's result
        problems.append(
            Problem(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a bug in storectl; rerun with --debug and report it",
            )
        )
        return StoreResult(store.name, env.environment, False, None, tuple(problems))
    elapsed = round((time.monotonic() - began) * 1000)
    ok = ok_of(report) and not problems
    return StoreResult(store.name, env.environment, ok, report, tuple(problems), elapsed)


def _in_parallel(
    todo: Sequence[int],
    one: Callable[[int], StoreResult[R]],
    jobs: int,
    limit: float,
    fail_fast: bool,
    on_done: Callable[[str], None] | None,
) -> dict[int, StoreResult[R]]:
    """`one(index)` for each index on `jobs` threads (net/parallel.py), gathered until all are
    in, the monotonic time `limit` passes, or (with fail_fast) the first failure."""

    def done(_index: int, result: StoreResult[R]) -> bool:
        if on_done is not None:
            on_done(result.name)
        return fail_fast and not result.ok

    tasks = {index: partial(one, index) for index in todo}
    return gather(tasks, jobs=jobs, until=limit, on_done=done, name="storectl-store")


def _unfinished(store: Store, environment: str, stopped: bool, seconds: float) -> StoreResult[R]:
    """A store with no result: --fail-fast stopped the run before it finished (not checked,
    which is not a failure of its own), or the run's deadline passed (a failure)."""
    if stopped:
        problem = Problem("not checked: --fail-fast stopped the run at the first failure")
        return StoreResult(store.name, environment, False, None, (problem,), checked=False)
    return _failed(
        store,
        environment,
        Problem(
            f"no result within the run's deadline ({seconds:g} s)",
            hint="a peer accepted the connection but never answered: check its host, "
            "or raise --timeout",
        ),
    )
