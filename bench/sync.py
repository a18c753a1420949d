"""Sync benchmark: `storectl payments` (the comparison behind doctor's payments-sync) over
1,000 PaymentIntents and 1,000 Medusa payments on the local Stripe and Medusa doubles.

Each run is the whole command in a subprocess (start-up included). Prints the median, min and
max, and the requests each side answered per run (Stripe pages, admin requests).

Usage: python bench/sync.py [--runs 7] [--intents 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testing.medusa_server import API_KEY, MedusaHandler, MedusaState  # noqa: E402
from testing.procs import http_server  # noqa: E402
from testing.stripe_server import TEST_KEY, Key, StripeHandler, StripeState  # noqa: E402

TARGET = 2.0


def storectl() -> list[str]:
    script = Path(sys.executable).parent / "storectl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--intents", type=int, default=1000)
    args = parser.parse_args()
    stripe_state = StripeState(keys={TEST_KEY: Key("test", "acct_1CNRYtest")})
    medusa_state = MedusaState()
    medusa_state.reset()
    now = int(time.time())
    for index in range(args.intents):
        session = f"payses_01BENCH{index:019d}"
        intent = stripe_state.add_intent("succeeded", session, created=now - 60 - index * 30)
        medusa_state.add_payment(session, intent["id"])
    stripe_handler = type("Handler", (StripeHandler,), {"state": stripe_state})
    medusa_handler = type("Handler", (MedusaHandler,), {"state": medusa_state})
    with http_server(stripe_handler) as stripe_url, http_server(medusa_handler) as medusa_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "MEDUSA_"))},
            "NO_COLOR": "1",
            "STRIPE_API_KEY": TEST_KEY,
            "STRIPE_API_BASE": stripe_url,
            "MEDUSA_BACKEND_URL": medusa_url,
            "MEDUSA_ADMIN_API_KEY": API_KEY,
        }
        times = []
        for _ in range(args.runs):
            stripe_state.requests.clear()
            medusa_state.requests.clear()
            start = time.perf_counter()
            done = subprocess.run(
                [*storectl(), "payments", "--since", "30d", "--format", "json"],
                env=env,
                capture_output=True,
                cwd=Path(__file__).resolve().parent,
            )
            times.append(time.perf_counter() - start)
            if done.returncode != 0 or f'"compared": {args.intents}' not in done.stdout.decode():
                sys.exit(f"payments failed:\n{done.stdout.decode()}{done.stderr.decode()}")
        stripe_pages = stripe_state.count("GET", "/v1/payment_intents")
        admin = [p for _m, p, _q, _b in medusa_state.requests if p.startswith("/admin/")]
        payments = sum(1 for p in admin if p == "/admin/payments")
    median = statistics.median(times)
    print(f"{args.intents} intents, {args.intents} payments, {args.runs} runs")
    print(
        f"requests per run: Stripe {stripe_pages} pages of payment_intents; Medusa {payments} "
        f"GET /admin/payments + {len(admin) - payments} other admin (login check)"
    )
    print(f"seconds: median {median:.2f}  min {min(times):.2f}  max {max(times):.2f}")
    print(f"target <= {TARGET:.1f} s: {'met' if median <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
