"""THE bounded runners: tasks on at most `jobs` threads in copies of the caller's context (the
run's redactor and deadline live in context variables), every request still by the deadline.

- `gather`: tasks on daemon threads, gathered until all are in or a deadline passes. Doctor runs
  its probes with it, the fleet its stores. A task that never ends cannot hold the report
  hostage (its result is left out) nor keep the process alive (daemon).
- `side_by_side`: a few independent reads at once (the catalogue's lists): a read that waits on
  the peer (a page of prices the backend computes) leaves the client idle; reading independent
  lists side by side divides the wall time without sending one request more. The first failure
  stops the rest, and is raised once the running ones have ended.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")


def gather(
    tasks: Mapping[K, Callable[[], T]],
    *,
    jobs: int,
    until: float,
    on_done: Callable[[K, T], bool] | None = None,
    name: str = "storectl-task",
) -> dict[K, T]:
    """Each task's result by key, for those in by the monotonic time `until`, or until
    `on_done(key, result)` answers True (stop early: --fail-fast); results that came in
    meanwhile are kept. Each thread runs in a copy of the caller's context: the run's redactor
    (a ContextVar) is the same object there, so what a task learns is masked."""
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
            finished.put((key, tasks[key]()))

    context = contextvars.copy_context()
    for number in range(max(1, min(jobs, len(tasks)))):
        threading.Thread(
            target=lambda: context.copy().run(worker), name=f"{name}-{number}", daemon=True
        ).start()
    results: dict[K, T] = {}
    while len(results) < len(tasks):
        try:
            key, result = finished.get(timeout=max(0.0, until - time.monotonic()))
        except queue.Empty:
            break
        results[key] = result
        if on_done is not None and on_done(key, result):
            break
    stop.set()
    while True:  # tasks that finished meanwhile keep their own result
        try:
            key, result = finished.get_nowait()
        except queue.Empty:
            return results
        results[key] = result


#: At most this many calls at once: enough to overlap a backend's waits, few enough not to
#: crowd a small one (a Medusa server is one Node process).
JOBS = 4


def side_by_side(
    calls: Sequence[Callable[[], T]], jobs: int = JOBS, stop: threading.Event | None = None
) -> list[T]:
    """Each call's result, in the calls' order. The first call to raise sets `stop` (calls
    that check it end early), calls not started are dropped, and once the running ones have
    ended its error is raised: later errors are mostly echoes of the stop."""
    if len(calls) <= 1 or jobs <= 1:
        return [call() for call in calls]
    first: list[BaseException] = []
    lock = threading.Lock()

    def note(future: Future[T]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is None:
            return
        with lock:
            if not first:
                first.append(error)
                if stop is not None:
                    stop.set()

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(calls)), thread_name_prefix="storectl-read")
    futures: list[Future[T]] = []
    try:
        for call in calls:
            future = pool.submit(contextvars.copy_context().run, call)
            future.add_done_callback(note)
            futures.append(future)
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.cancel()  # no-op for those running or done
    finally:
        pool.shutdown(wait=True)
    if first:
        raise first[0]
    return [f.result() for f in futures]
