"""THE bounded runner: tasks on at most `jobs` daemon threads, gathered until all are in or a
deadline passes. Doctor runs its probes with it, the fleet its stores. A task that never ends
cannot hold the report hostage (its result is left out) nor keep the process alive (daemon)."""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Mapping
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
