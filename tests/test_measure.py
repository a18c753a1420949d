"""testing.measure: the child's own exit code, output, wall time and peak memory, and the kill."""

from __future__ import annotations

import sys

from testing import measure


def test_runs_storectl_and_reports_its_output() -> None:
    done = measure.run(["--help"], timeout=60)
    assert done.exit_code == 0 and not done.killed
    assert "doctor" in done.stdout
    assert done.argv[:3] == (sys.executable, "-m", "storectl")
    assert 5 < done.peak_mb < 150  # an interpreter, typer and rich: tens of MB


def test_peak_memory_is_the_childs() -> None:
    grow = (
        "import sys; block = bytearray(200 * 1024 * 1024); sys.stderr.write('grown'); sys.exit(3)"
    )
    done = measure.run([], argv=[sys.executable, "-c", grow], timeout=60)
    assert done.exit_code == 3 and done.stderr == "grown"
    assert done.peak_mb >= 200


def test_kills_after_the_safety_timeout() -> None:
    hang = "import time; print('started', flush=True); time.sleep(600)"
    done = measure.run([], argv=[sys.executable, "-c", hang], timeout=1)
    assert done.killed and done.exit_code == -9
    assert done.stdout == "started\n"
    assert 1 <= done.wall < 10


def test_memory_limit_stops_a_runaway_child() -> None:
    grow = "block = bytearray(1024 * 1024 * 1024)"
    done = measure.run([], argv=[sys.executable, "-c", grow], memory_limit=512 * 1024 * 1024)
    assert done.exit_code == 1 and "MemoryError" in done.stderr
