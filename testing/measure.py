"""Run storectl in a child process and measure it: exit code, output, wall time, peak memory.

Peak memory is the child's own, not this process's: a test or a benchmark that measured itself
would count its servers and its own imports. It is the high-water mark (VmHWM) of the child's own
address space, sampled from /proc while it runs: os.wait4's ru_maxrss cannot tell it, because
Linux folds the forking parent's high-water mark into the child's at exec (a 300 MB pytest
process makes every child it starts "peak" at 300 MB). A hard kill after a
safety timeout keeps a command that never ends from hanging the run, and an address-space limit
keeps one that grows without bound from taking the machine with it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Seconds after which the child is killed (SIGKILL to its process group).
SAFETY_TIMEOUT = 60.0
#: Address space the child may use (RLIMIT_AS); past it, allocations fail with MemoryError.
#: Far above the 150 MB target, far below what an endless body reaches (9 GB in 20 s).
MEMORY_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class Run:
    """What one child process did."""

    argv: tuple[str, ...]
    #: the exit code; negative: killed by that signal (-9 after the safety timeout)
    exit_code: int
    stdout: str
    stderr: str
    #: seconds from start to exit (or to the kill)
    wall: float
    #: the child's peak resident memory, in bytes
    peak_rss: int
    #: True when the safety timeout killed it
    killed: bool

    @property
    def peak_mb(self) -> float:
        return self.peak_rss / (1024 * 1024)


def storectl_argv(args: Sequence[str]) -> list[str]:
    """`python -m storectl ARGS` with this interpreter (so the checkout under test runs)."""
    return [sys.executable, "-m", "storectl", *args]


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = SAFETY_TIMEOUT,
    memory_limit: int | None = MEMORY_LIMIT,
    argv: Sequence[str] | None = None,
) -> Run:
    """Run `storectl ARGS` (or `argv` as given) and measure it; never raises on its failure.

    stdin is /dev/null (so no command prompts), stdout and stderr go to temporary files (no
    pipe can fill up and stall the child), and the child leads its own process group, which
    the kill takes down whole (storectl starts no processes of its own).
    """
    command = list(argv) if argv is not None else storectl_argv(args)

    def limit() -> None:  # in the child, before exec
        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=limit,
        )
        status, usage, peak, killed = _wait(proc, command, timeout)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Run(
            argv=tuple(command),
            exit_code=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            wall=wall,
            # ru_maxrss (KiB) only when the child ended before a sample: it overstates
            peak_rss=peak or usage.ru_maxrss * 1024,
            killed=killed,
        )


def _wait(
    proc: subprocess.Popen[bytes], command: Sequence[str], timeout: float
) -> tuple[int, resource.struct_rusage, int, bool]:
    """Reap the child, its process group killed at `timeout`, sampling its memory meanwhile:
    (wait status, rusage, peak RSS in bytes or 0 if never sampled, whether it was killed)."""
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    peak = _HighWater(proc.pid, command)
    peak.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
        peak.stop()
    return status, usage, peak.bytes, killed.is_set()


class _HighWater(threading.Thread):
    """Samples /proc/PID/status's VmHWM every 5 ms once the child has exec'd its command; the
    mark only grows, so the last sample is the peak (less what the last 5 ms added)."""

    def __init__(self, pid: int, command: Sequence[str]) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.cmdline = "\0".join(command).encode()
        self.bytes = 0
        self._done = threading.Event()

    def run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        cmdline = Path(f"/proc/{self.pid}/cmdline")
        while not self._done.wait(0.005):
            try:
                if not cmdline.read_bytes().startswith(self.cmdline):
                    continue  # not exec'd yet: the forked copy still holds this process's mark
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.bytes = max(self.bytes, int(line.split()[1]) * 1024)
            except (OSError, ValueError):
                continue  # gone, or a zombie without an address space

    def stop(self) -> None:
        self._done.set()
        self.join()
