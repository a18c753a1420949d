"""A few independent reads at once, under the command's one deadline.

Why: a read that waits on the peer (a page of prices the backend computes) leaves the client
idle; reading independent lists side by side divides the wall time without sending one request
more. Bounded: at most `jobs` threads, each call in a copy of the caller's context (the run's
redactor and deadline live in context variables), every request still by the deadline.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

#: At most this many calls at once: enough to overlap a backend's waits, few enough not to
#: crowd a small one (a Medusa server is one Node process).
JOBS = 4


def gather(
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
