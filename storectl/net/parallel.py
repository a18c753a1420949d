"""THE bounded runner: tasks on at most `jobs` threads in copies of the caller's context (the
run's redactor and deadline live in context variables), every request still by the deadline.

`gather` runs tasks on daemon threads and gathers them until all are in, a deadline passes,
or `on_done` says stop. Doctor runs its probes with it and the fleet its stores: a task that
never ends cannot hold the report hostage (its result is left out) nor keep the process alive
(daemon). With `settle`, the running tasks are waited for after a stop (none is started
after it): `side_by_side`, the catalogue's independent reads at once (a read that waits on the
peer leaves the client idle, so reading lists side by side divides the wall time without one
request more), uses it so the first failure stops the rest and is raised once they ended.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")


def gather(
    tasks: Mapping[K, Callable[[], T]],
    *,
    jobs: int,
    until: float | None = None,
    on_done: Callable[[K, T], bool] | None = None,
    name: str = "storectl-task",
    settle: bool = False,
) -> dict[K, T]:
    """Each task's result by key, for those in by the monotonic time `until` (None: no
    deadline of its own), or until `on_done(key, result)` answers True (stop early:
    --fail-fast, a failed read); no task starts after that, and results that came in
    meanwhile are kept. With `settle`, the tasks still running are waited for first. Each
    task runs in its own copy of the caller's context: the run's redactor (a ContextVar) is
    the same object there, so what a task learns is masked."""
    waiting: queue.SimpleQueue[K] = queue.SimpleQueue()
    for key in tasks:
        waiting.put(key)
    finished: queue.Queue[tuple[K, T]] = queue.Queue()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                key = waiting.get_nowait()
            except queue.Empty:
                return
            finished.put((key, context.copy().run(tasks[key])))

    context = contextvars.copy_context()
    threads = [
        threading.Thread(target=worker, name=f"{name}-{number}", daemon=True)
        for number in range(max(1, min(jobs, len(tasks))))
    ]
    for thread in threads:
        thread.start()
    results: dict[K, T] = {}
    try:
        while len(results) < len(tasks):
            left = None if until is None else max(0.0, until - time.monotonic())
            try:
                key, result = finished.get(timeout=left)
            except queue.Empty:
                break
            results[key] = result
            if on_done is not None and on_done(key, result):
                break
    finally:  # also on Ctrl-C: no queued task starts after this
        stop.set()
    if settle:
        for thread in threads:
            thread.join()
    while True:  # tasks that finished meanwhile keep their own result
        try:
            key, result = finished.get_nowait()
        except queue.Empty:
            return results
        results[key] = result


#: At most this many reads at once: enough to overlap a backend's waits, few enough not to
#: crowd a small one (a Medusa server is one Node process).
JOBS = 4


#: A call's result (in a 1-tuple) or what it raised: a failed read is handed back to the
#: caller's thread, which raises it.
_Outcome = tuple[T] | BaseException


def _caught(call: Callable[[], T]) -> _Outcome[T]:
    try:
        return (call(),)
    except BaseException as error:  # noqa: BLE001 - handed back, raised in the caller's thread
        return error


def side_by_side(
    calls: Sequence[Callable[[], T]], jobs: int = JOBS, stop: threading.Event | None = None
) -> list[T]:
    """Each call's result, in the calls' order, through `gather`. The first call to raise
    sets `stop` (calls that check it end early), calls not started are dropped, and once the
    running ones have ended its error is raised: later errors are mostly echoes of the stop."""
    if len(calls) <= 1 or jobs <= 1:
        return [call() for call in calls]
    first: list[BaseException] = []

    def failed(_index: int, outcome: _Outcome[T]) -> bool:
        if isinstance(outcome, BaseException):
            first.append(outcome)
            if stop is not None:
                stop.set()
        return bool(first)

    tasks = {index: partial(_caught, call) for index, call in enumerate(calls)}
    outcomes = gather(tasks, jobs=jobs, on_done=failed, name="storectl-read", settle=True)
    if first:
        raise first[0]
    return [_value(outcomes[index]) for index in range(len(calls))]


def _value(outcome: _Outcome[T]) -> T:
    assert not isinstance(outcome, BaseException)  # raised above
    return outcome[0]
