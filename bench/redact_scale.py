"""The run's redactor at fleet scale: scrub report-like strings with 100 stores' secrets known.

The secrets are bench/fleet.py's (Stripe keys, webhook secrets, S3 keys, SMTP logins, Medusa
admin keys) plus a Redis URL password per store; the strings are short check summaries,
masked keys, long bodies and a few that do hold secrets. Prints how many forms the redactor
knows, the seconds to learn them and to scrub, and a digest of the output (equal digests:
equal output, to compare two versions).

Usage: [PYTHONPATH=OTHER_CHECKOUT] python bench/redact_scale.py [--stores 100]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable
from pathlib import Path

# appended: a PYTHONPATH naming another checkout of storectl comes first
sys.path.append(str(Path(__file__).resolve().parent.parent))

# storectl first: bench.fleet puts this checkout at the front of sys.path
from storectl.providers import registry  # noqa: E402
from storectl.redact import Redactor  # noqa: E402

# isort: split
from bench.fleet import admin_key, smtp_user, stripe_key  # noqa: E402


class Source:
    """A store's configuration as the redactor reads it."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset()

    @property
    def credential_pairs(self) -> tuple[tuple[str, str | None], ...]:
        return registry.credential_pairs()

    def named_values(self) -> Iterable[tuple[str, str]]:
        return list(self.values.items())


def store_env(i: int) -> dict[str, str]:
    user, password = smtp_user(i)
    return {
        "STRIPE_API_KEY": stripe_key(i),
        "STRIPE_WEBHOOK_SECRET": f"whsec_bench{i:020d}",
        "S3_ACCESS_KEY_ID": f"AKIABENCH{i:04d}",
        "S3_SECRET_ACCESS_KEY": f"bench-secret-access-key-{i:04d}",
        "SMTP_USER": user,
        "SMTP_PASS": password,
        "REDIS_URL": f"redis://:pw{i:06d}x@127.0.0.1:6379/{i + 1}",
        "MEDUSA_ADMIN_API_KEY": admin_key(i),
        "S3_BUCKET": f"shop-{i}",
        "SMTP_HOST": "127.0.0.1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=100)
    args = parser.parse_args()
    start = time.perf_counter()
    redactor = Redactor()
    for i in range(args.stores):
        redactor.add_env(Source(store_env(i)))
    learnt = time.perf_counter() - start
    texts = [f"store-{i}: redis at redis://:****@127.0.0.1:6379/{i} in {i} ms" for i in range(3000)]
    texts += [
        "ok",
        "",
        "Stripe key sk_test_…0001 works (acct_1BENCH3, test mode)",
        "x" * 2000,
    ] * 500
    texts += [f"leaks {stripe_key(i)} and {smtp_user(i)[1]} end" for i in range(100)]
    start = time.perf_counter()
    out = [redactor.scrub(text) for text in texts]
    scrubbed = time.perf_counter() - start
    digest = hashlib.sha256("\0".join(out).encode()).hexdigest()[:16]
    print(f"{args.stores} stores: {len(redactor._secrets)} forms, learnt in {learnt:.3f} s")
    print(f"scrubbed {len(texts)} strings in {scrubbed:.3f} s, output {digest}")


if __name__ == "__main__":
    main()
