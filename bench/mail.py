"""Replay throughput: `storectl mail replay` of N orders from the Medusa double to aiosmtpd
(STARTTLS + AUTH) on loopback, in mails per second, over R runs.

Usage: python bench/mail.py [--orders 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from testing import medusa_server, smtp_server  # noqa: E402
from testing.certs import make_certs  # noqa: E402
from testing.procs import free_port, http_server  # noqa: E402


def _measure(
    argv: list[str], env: dict[str, str], folder: str, orders: int, runs: int
) -> tuple[list[float], list[float]]:
    """(wall seconds of each run, mails per second inside each replay)."""
    walls, rates = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=folder, capture_output=True, check=True)
        wall = time.perf_counter() - start
        report = json.loads(done.stdout)
        assert report["sent"] == orders and report["connections"] == 1
        walls.append(wall)
        rates.append(orders / (report["duration_ms"] / 1000))
    return walls, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        certs = make_certs(Path(folder))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certs.cert), str(certs.key))
        capture = smtp_server.Capture()
        port = free_port()
        controller = Controller(
            capture,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            authenticator=smtp_server.authenticator,
        )
        controller.start()
        state = medusa_server.MedusaState()
        state.reset()
        state.orders = {o["id"]: o for o in map(medusa_server.bulk_order, range(args.orders))}
        handler = type("H", (medusa_server.MedusaHandler,), {"state": state})
        try:
            with http_server(handler) as url:
                env = {
                    **os.environ,
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": str(port),
                    "SMTP_USER": smtp_server.USER,
                    "SMTP_PASS": smtp_server.PASSWORD,
                    "SMTP_FROM": "Shop <orders@example.com>",
                    "SSL_CERT_FILE": str(certs.ca),
                    "MEDUSA_BACKEND_URL": url,
                    "MEDUSA_ADMIN_API_KEY": medusa_server.API_KEY,
                }
                script = Path(sys.executable).parent / "storectl"
                argv = [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]
                argv += ["mail", "replay", "order.placed", "--since", "2026-01-01"]
                argv += ["--to", "qa@example.com", "--format", "json"]
                walls, rates = _measure(argv, env, folder, args.orders, args.runs)
        finally:
            controller.stop()
    print(f"{args.orders} orders, {args.runs} runs, one SMTP connection each")
    print(
        f"mails/s inside the replay: median {statistics.median(rates):.0f} "
        f"(min {min(rates):.0f}, max {max(rates):.0f})"
    )
    whole = [args.orders / w for w in walls]
    print(
        f"mails/s for the whole command (start-up included): median {statistics.median(whole):.0f} "
        f"(min {min(whole):.0f}, max {max(whole):.0f})"
    )


if __name__ == "__main__":
    main()
