"""`storectl status` on a 10,000-line backend/.env: a checkout of another commit against this one.

Each run is a fresh `python -m storectl status` subprocess (start-up included, as a user sees it);
the two trees alternate run by run so that load on the shared machine hits both alike.

    python bench/env_status.py --before /tmp/before-tree [--runs 11]

`--before` is a source tree of the commit to compare with (e.g. `git archive <rev> | tar -x -C
DIR`). Prints the medians and the ratio after/before.
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

HERE = Path(__file__).resolve().parent.parent


def env_text(lines: int = 10_000) -> str:
    """Provider variables, comments, quotes of three kinds, references and defaults."""
    out = [
        "STRIPE_API_KEY=sk_test_" + "a" * 24,
        "REDIS_URL=redis://localhost:6379",
        "SMTP_HOST=mail.example.com",
        "SMTP_PORT=587",
    ]
    i = 0
    while len(out) < lines:
        k = len(out)
        match i % 6:
            case 0:
                out.append(f"# comment {k}")
            case 1:
                out.append(f"PLAIN_{k}=value-{k}")
            case 2:
                out.append(f'QUOTED_{k}="a value with spaces {k}"')
            case 3:
                out.append(f"SINGLE_{k}='literal {k}'")
            case 4:
                out.append(f"REF_{k}=${{PLAIN_{k - 3}}}/path")
            case _:
                out.append(f"DEFAULT_{k}=${{MISSING_{k}:-fallback}}")
        i += 1
    return "\n".join(out) + "\n"


def run(tree: Path, store: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "storectl", "status", "--project", str(store),
         "--ignore-environment", "--format", "json"],
        env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp)
        (store / "backend").mkdir()
        (store / "backend/.env").write_text(env_text(), encoding="utf-8")
        before: list[float] = []
        after: list[float] = []
        run(args.before, store), run(HERE, store)  # warm the page cache
        for _ in range(args.runs):
            before.append(run(args.before, store))
            after.append(run(HERE, store))
    b, a = statistics.median(before), statistics.median(after)
    print(f"before: median {b:.1f} ms (min {min(before):.1f}, max {max(before):.1f})")
    print(f"after:  median {a:.1f} ms (min {min(after):.1f}, max {max(after):.1f})")
    print(f"ratio after/before: {a / b:.2f}x")


if __name__ == "__main__":
    main()
