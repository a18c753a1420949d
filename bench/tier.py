"""The real-backend tier's set-up time (issue 19), per Medusa release: a first session (the
migrated, seeded database is built: initdb, migrations, admin user, first start, seed, snapshot)
and a session with the cache (unpack the database, start the backend). The npm install is timed
apart (`npm ci` with an empty npm cache): see BENCHMARKS.md.

    .venv/bin/python bench/tier.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from testing.real_medusa import CACHE, VERSIONS, cache_key, real_medusa


def session(version: str, fresh: bool) -> dict[str, float]:
    """One session start to stop; `fresh` removes the cached database first."""
    if fresh:
        for old in (CACHE / version).glob(f"db-{cache_key(version)}.*"):
            old.unlink()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as root, real_medusa(version, Path(root)) as backend:
        ready = time.monotonic() - started
        times: dict[str, float] = dict(backend.seeded.extra["times"])
    times["ready"] = round(ready, 2)
    times["total with stop"] = round(time.monotonic() - started, 2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for version in VERSIONS:
        for fresh in (True, False):
            runs = [session(version, fresh) for _ in range(args.runs)]
            label = "first session (no cache)" if fresh else "with the cached database"
            print(f"Medusa {version}, {label}, median of {args.runs}:")
            for step in runs[0]:
                values = [r[step] for r in runs if step in r]
                print(f"  {step:18} {statistics.median(values):6.2f} s")


if __name__ == "__main__":
    main()
