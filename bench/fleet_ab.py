"""Two checkouts of storectl over the same fleet, runs alternating: what a change saved.

The peers and stores of bench/fleet.py (100 ms each way, nothing shared between stores).
Each checkout runs as `python -m storectl` with PYTHONPATH at its folder (a checkout of an
older commit: `git archive COMMIT storectl | tar -x -C DIR`); for every size the runs
alternate A, B, A, B... so both see the same load. Prints medians, ratios to each one's single
store, and the load average before and after.

Usage: python bench/fleet_ab.py --a DIR --b DIR [--sizes 1,20,100] [--runs 3] [--jobs 32]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fleet import fleet_file, fleet_peers, write_stores  # noqa: E402
from testing import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--a", type=Path, required=True, help="folder holding storectl/")
    parser.add_argument("--b", type=Path, default=ROOT, help="folder holding storectl/")
    parser.add_argument("--sizes", default="1,20,100")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--jobs", type=int, default=32)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    sides = {"A": args.a.resolve(), "B": args.b.resolve()}
    print(f"A = {sides['A']}\nB = {sides['B']}\nload before: {os.getloadavg()}", flush=True)
    walls: dict[tuple[str, int], list[float]] = {}
    peaks: dict[tuple[str, int], float] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        fleet_peers(Path(tmp), max(sizes), args.delay) as envs,
    ):
        folder = Path(tmp)
        write_stores(folder, envs)
        common = ["doctor", "--ignore-environment", "--timeout", "30", "--format", "json"]

        def once(side: str, stores: int) -> measure.Run:
            env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "NO_COLOR": "1"}
            env |= {"SSL_CERT_FILE": envs[0]["SSL_CERT_FILE"], "PYTHONPATH": str(sides[side])}
            if stores == 1:
                argv = [*common, "--project", "store-0"]
            else:
                argv = [*common, "--fleet", str(fleet_file(folder, stores))]
                argv += ["--jobs", str(args.jobs)]
            done = measure.run(argv, env=env, cwd=folder, timeout=600, memory_limit=None)
            if done.exit_code != 0:
                sys.exit(f"{side} over {stores} stores failed:\n{done.stdout[-3000:]}{done.stderr}")
            return done

        once("A", 1)  # warm-up
        once("B", 1)
        for stores in sizes:
            for _ in range(args.runs):
                for side in sides:
                    run = once(side, stores)
                    walls.setdefault((side, stores), []).append(run.wall)
                    peaks[side, stores] = max(peaks.get((side, stores), 0.0), run.peak_mb)
            print(
                stores,
                {side: [round(w, 2) for w in walls[side, stores]] for side in sides},
                flush=True,
            )
    print(f"load after: {os.getloadavg()}")
    print(f"\ndelay {args.delay * 1000:.0f} ms each way, --jobs {args.jobs}, median of {args.runs}")
    print("| stores | A wall | A × one | A peak | B wall | B × one | B peak | B / A |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    one = {side: statistics.median(walls[side, sizes[0]]) for side in sides}
    for stores in sizes:
        a, b = (statistics.median(walls[side, stores]) for side in sides)
        print(
            f"| {stores} | {a:.2f} s | {a / one['A']:.2f}× | {peaks['A', stores]:.0f} MB "
            f"| {b:.2f} s | {b / one['B']:.2f}× | {peaks['B', stores]:.0f} MB | {b / a:.2f} |"
        )


if __name__ == "__main__":
    main()
