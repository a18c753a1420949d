"""Where a fleet run's CPU goes: `storectl doctor` over N stores (the peers and stores of
bench/fleet.py) under py-spy, printing the functions with the most samples, own and total.

Needs py-spy (`pip install py-spy`, a profiler, not a dependency of storectl).

Usage: python bench/fleet_profile.py [--stores 100] [--jobs 32] [--top 40] [--raw FILE]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fleet import fleet_file, fleet_peers, write_stores  # noqa: E402
from testing import measure  # noqa: E402


def summary(raw: Path, top: int) -> None:
    """Own and total samples per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [f.split(" (")[0] + " " + f.split("(")[-1].split(":")[0] for f in stack.split(";")]
        frames = frames[1:]  # the thread's name
        samples += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    print(f"{samples} samples")
    print("\nown:")
    for frame, count in own.most_common(top):
        print(f"{count:7d} {100 * count / samples:5.1f}%  {frame}")
    print("\ntotal:")
    for frame, count in total.most_common(top):
        print(f"{count:7d} {100 * count / samples:5.1f}%  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's collapsed stacks")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with (
        tempfile.TemporaryDirectory() as tmp,
        fleet_peers(Path(tmp), args.stores, args.delay) as envs,
    ):
        folder = Path(tmp)
        write_stores(folder, envs)
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "NO_COLOR": "1"}
        env["SSL_CERT_FILE"] = envs[0]["SSL_CERT_FILE"]
        raw = args.raw or folder / "profile.txt"
        storectl = ["doctor", "--ignore-environment", "--timeout", "30", "--format", "json"]
        storectl += ["--fleet", str(fleet_file(folder, args.stores)), "--jobs", str(args.jobs)]
        argv = [spy, "record", "--format", "raw", "--threads", "--rate", "200", "-o", str(raw)]
        argv += ["--", *measure.storectl_argv(storectl)]
        done = measure.run([], argv=argv, env=env, cwd=folder, timeout=900, memory_limit=None)
        print(f"exit {done.exit_code}, {done.wall:.2f} s")
        if not raw.exists():
            sys.exit(done.stderr[-3000:])
        summary(raw, args.top)


if __name__ == "__main__":
    main()
