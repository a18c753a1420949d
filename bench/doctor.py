"""Concurrency benchmark: `storectl doctor` with every provider active, against local peers
whose every forwarded chunk is delayed, vs each `--only` run alone and their sum.

Usage: python bench/doctor.py [--runs 7] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.peers import peers  # noqa: E402

PROVIDERS = ("stripe", "s3", "smtp", "redis", "medusa")


def storectl() -> list[str]:
    script = Path(sys.executable).parent / "storectl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [*storectl(), "doctor", "--ignore-environment", *args], env=env, capture_output=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"doctor {' '.join(args)} failed:\n{done.stdout.decode()}{done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per chunk, each way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, peers(Path(folder), args.delay) as store:
        # --ignore-environment keeps the checks on the files: write the store env to one.
        env_file = Path(folder) / "store.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in store.items() if k != "SSL_CERT_FILE"))
        env = {**os.environ, "SSL_CERT_FILE": store["SSL_CERT_FILE"], "NO_COLOR": "1"}
        base = ["--env-file", str(env_file), "--timeout", "30"]
        timed(base, env)  # warm-up: imports, moto's first request
        full: list[float] = []
        alone: dict[str, list[float]] = {p: [] for p in PROVIDERS}
        for _ in range(args.runs):
            full.append(timed(base, env))
            for name in PROVIDERS:
                alone[name].append(timed([*base, "--only", name], env))
    sums = [sum(alone[p][i] for p in PROVIDERS) for i in range(args.runs)]
    slowest = [max(alone[p][i] for p in PROVIDERS) for i in range(args.runs)]
    print(f"delay {args.delay * 1000:.0f} ms per chunk each way, {args.runs} alternating rounds")
    print(f"{'command':34} {'median':>8} {'min':>8} {'max':>8}")
    rows = [("doctor (all five providers)", full)]
    rows += [(f"doctor --only {p}", alone[p]) for p in PROVIDERS]
    rows += [("sum of the --only runs", sums), ("slowest --only run", slowest)]
    for name, times in rows:
        print(
            f"{name:34} {statistics.median(times) * 1000:7.0f}ms {min(times) * 1000:7.0f}ms "
            f"{max(times) * 1000:7.0f}ms"
        )
    median = statistics.median
    print(f"ratio doctor / slowest single check: {median(full) / median(slowest):.2f}x")
    print(f"ratio doctor / sum of single checks: {median(full) / median(sums):.2f}x")


if __name__ == "__main__":
    main()
