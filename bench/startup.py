"""Start-up benchmark: `storectl status` on the example store vs `python -c "import typer"`.

The two commands are run alternately (so machine noise hits both alike) and the medians are
compared. Usage: python bench/startup.py [--runs 30] [--old DIR]

--old DIR adds `storectl status` run from another checkout (e.g. `git archive <commit> | tar -x
-C DIR`), alternating with this one, so a change is measured old against new in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


Command = tuple[list[str], dict[str, str] | None]


def commands(old: Path | None = None) -> dict[str, Command]:
    # The console script beside this interpreter: a pyenv or asdf shim on PATH would add a
    # shell's start-up to storectl's side only.
    script = Path(sys.executable).parent / "storectl"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]
    status = [*base, "status", "--project", str(ROOT / "examples/store")]
    found: dict[str, Command] = {}
    if old is None:
        found["storectl status"] = (status, None)
    else:
        # PYTHONPATH comes before the editable install's path: each side imports its checkout.
        found["storectl status (new)"] = (status, {**os.environ, "PYTHONPATH": str(ROOT)})
        found["storectl status (old)"] = (status, {**os.environ, "PYTHONPATH": str(old)})
    found["python -c 'import typer'"] = ([sys.executable, "-c", "import typer"], None)
    return found


def time_once(command: Command) -> float:
    argv, env = command
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    # An installed wheel has byte-compiled modules (pip compiles them); a source checkout under
    # PYTHONDONTWRITEBYTECODE=1 would compile storectl's on every run and measure that instead.
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--old", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    for root in [ROOT, *([args.old] if args.old else [])]:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(root / "storectl")], check=True
        )
    cmds = commands(args.old)
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.warmup):
        for command in cmds.values():
            time_once(command)
    for _ in range(args.runs):
        for name, command in cmds.items():
            samples[name].append(time_once(command))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    for name, times in samples.items():
        print(
            f"{name:28} median {medians[name] * 1000:6.1f} ms   "
            f"min {min(times) * 1000:6.1f}   max {max(times) * 1000:6.1f}   (n={len(times)})"
        )
    names = list(cmds)
    typer_name = names[-1]
    for name in names[:-1]:
        print(f"ratio {name} / {typer_name}: {medians[name] / medians[typer_name]:.2f}x")


if __name__ == "__main__":
    main()
