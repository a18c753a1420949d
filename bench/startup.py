"""Start-up benchmark: `storectl status` on the example store vs `python -c "import typer"`.

The two commands are run alternately (so machine noise hits both alike) and the medians are
compared. Usage: python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands() -> dict[str, list[str]]:
    # The console script beside this interpreter: a pyenv or asdf shim on PATH would add a
    # shell's start-up to storectl's side only.
    script = Path(sys.executable).parent / "storectl"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]
    return {
        "storectl status": [*base, "status", "--project", str(ROOT / "examples/store")],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    }


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    # An installed wheel has byte-compiled modules (pip compiles them); a source checkout under
    # PYTHONDONTWRITEBYTECODE=1 would compile storectl's on every run and measure that instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "storectl")], check=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    cmds = commands()
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.warmup):
        for argv in cmds.values():
            time_once(argv)
    for _ in range(args.runs):
        for name, argv in cmds.items():
            samples[name].append(time_once(argv))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    for name, times in samples.items():
        print(
            f"{name:28} median {medians[name] * 1000:6.1f} ms   "
            f"min {min(times) * 1000:6.1f}   max {max(times) * 1000:6.1f}   (n={len(times)})"
        )
    names = list(cmds)
    print(f"ratio {names[0]} / {names[1]}: {medians[names[0]] / medians[names[1]]:.2f}x")


if __name__ == "__main__":
    main()
