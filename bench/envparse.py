"""Parser benchmark: python-dotenv's parse_stream (the reader before issue 15) vs env.grammar.

python-dotenv is in the test extra for this script only: storectl no longer imports it.

Both read the same generated 10,000-line env file (names, URLs with passwords, quoted and
multi-line values, comments, ${VAR} references); the runs alternate so machine noise hits both
alike, and the medians are compared. Issue 15 allows env_grammar at most 1.2x the old time.
Usage: python bench/envparse.py [--runs 15] [--lines 10000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

from dotenv.parser import parse_stream

from storectl.env import expand as env_expand
from storectl.env import grammar as env_grammar


def make_file(lines: int) -> str:
    """A large but realistic backend .env: every tenth line a comment, some quoted values."""
    out: list[str] = []
    for i in range(lines):
        kind = i % 10
        if kind == 0:
            out.append(f"# section {i}")
        elif kind == 1:
            out.append(f"REDIS_URL_{i}=redis://:pw{i}@cache.example.com:6379/0")
        elif kind == 2:
            out.append(f'STRIPE_API_KEY_{i}="sk_test_{i:024d}"')
        elif kind == 3:
            out.append(f"S3_BUCKET_{i}='bucket-{i}' # the media bucket")
        elif kind == 4:
            out.append(f"export DATABASE_URL_{i}=postgres://u:p@db.example.com/medusa_{i}")
        elif kind == 5:
            out.append(f"STORE_CORS_{i}=${{HOST}}:{i},https://shop.example.com")
        elif kind == 6:
            out.append(f'MULTI_{i}="line one\\nline two"')
        elif kind == 7:
            out.append("")
        else:
            out.append(f"PLAIN_{i}=value-{i}")
    return "\n".join(out) + "\n"


def old(text: str) -> int:
    return sum(1 for b in parse_stream(io.StringIO(text)) if b.key is not None)


def new(text: str) -> int:
    return len(env_grammar.parse(text))


def new_load(text: str) -> int:
    return len(env_expand.load_files([(".env", text)], {"HOST": "https://api.example.com"}).env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    text = make_file(args.lines)
    contenders: dict[str, Callable[[str], int]] = {
        "python-dotenv parse_stream": old,
        "env_grammar.parse": new,
        "env_grammar.load_files (parse+expand)": new_load,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.runs):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn(text)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python-dotenv parse_stream"])
    for name, samples in times.items():
        med = statistics.median(samples)
        print(f"{name:40} median {med * 1000:8.1f} ms  ratio {med / base:5.2f}x")


if __name__ == "__main__":
    main()
