"""Smoke benchmark on the real-backend tier (a real Medusa 2.21.2, the system provider).

1. smoke's own overhead: each run's time inside the command (its JSON `timing`) minus the sum
   of its requests' round trips and minus the waits for the store's asynchronous work, as a
   share of the requests' time (target <= 10 %). The interpreter's start is not counted.
2. The whole run against the checkout alone: the same store checkout (regions, products, cart,
   line item, address, shipping, payment collection and session, complete) plus the admin's
   cancel, sent by a bare httpx script with no checks, against `storectl smoke` in a
   subprocess (start-up, checks and cleanup included).

Usage: python bench/smoke.py [--runs 7] [--project STORE]  (without --project it starts the
tier's backend itself, about 30 s with a cached database)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from testing.real_medusa import read_env, real_medusa  # noqa: E402

TARGET = 0.10


def storectl() -> list[str]:
    script = Path(sys.executable).parent / "storectl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]


def checkout_alone(url: str, key: str, admin_key: str) -> float:
    """The storefront's sequence and the cancel, nothing else: seconds."""
    start = time.perf_counter()
    with httpx.Client(base_url=url, headers={"x-publishable-api-key": key}, timeout=60) as s:
        region = s.get("/store/regions").json()["regions"][0]
        fields = "*variants.calculated_price,+variants.inventory_quantity"
        product = s.get(
            "/store/products", params={"region_id": region["id"], "fields": fields}
        ).json()["products"][0]
        cart = s.post("/store/carts", json={"region_id": region["id"]}).json()["cart"]["id"]
        variant = product["variants"][0]["id"]
        s.post(f"/store/carts/{cart}/line-items", json={"variant_id": variant, "quantity": 1})
        where = {
            "first_name": "B",
            "last_name": "M",
            "address_1": "Rue de Rivoli 99",
            "city": "Paris",
            "postal_code": "75001",
            "country_code": "fr",
        }
        s.post(
            f"/store/carts/{cart}",
            json={
                "email": "storectl-smoke+bench@example.com",
                "shipping_address": where,
                "billing_address": where,
            },
        )
        option = s.get("/store/shipping-options", params={"cart_id": cart}).json()
        s.post(
            f"/store/carts/{cart}/shipping-methods",
            json={"option_id": option["shipping_options"][0]["id"]},
        )
        collection = s.post("/store/payment-collections", json={"cart_id": cart}).json()
        s.post(
            f"/store/payment-collections/{collection['payment_collection']['id']}/payment-sessions",
            json={"provider_id": "pp_system_default"},
        )
        order = s.post(f"/store/carts/{cart}/complete", json={}).json()["order"]["id"]
    with httpx.Client(base_url=url, auth=(admin_key, ""), timeout=60) as admin:
        admin.post(f"/admin/orders/{order}/cancel").raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--project", type=Path, help="a running tier store (real_medusa)")
    args = parser.parse_args()
    with ExitStack() as stack:
        project = args.project
        if project is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            project = stack.enter_context(real_medusa("2.21.2", root)).project
        storefront = read_env(project / "storefront" / ".env.local")
        url, key = (
            storefront["MEDUSA_BACKEND_URL"],
            storefront["NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY"],
        )
        admin_key = _admin_key(url, project)
        env = {**os.environ, "NO_COLOR": "1", "MEDUSA_ADMIN_API_KEY": admin_key}
        shares, whole, alone, inside = [], [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(
                [
                    *storectl(),
                    "smoke",
                    "--project",
                    str(project),
                    "--payment",
                    "system",
                    "--mail-wait",
                    "0",
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            whole.append(time.perf_counter() - start)
            timing = json.loads(done.stdout)["timing"]
            own = timing["total_ms"] - timing["requests_ms"] - timing["waits_ms"]
            shares.append(own / timing["requests_ms"])
            inside.append(timing["total_ms"] / 1000)
            alone.append(checkout_alone(url, key, admin_key))
        med = statistics.median
        print(
            f"runs: {args.runs}; smoke's own time over its requests' time: median "
            f"{med(shares) * 100:.1f} % (min {min(shares) * 100:.1f}, max "
            f"{max(shares) * 100:.1f}; target <= {TARGET * 100:.0f} %)"
        )
        print(
            f"whole run (subprocess) {med(whole):.2f} s; inside the command {med(inside):.2f} s;"
            f" checkout + cancel alone {med(alone):.2f} s; ratio {med(whole) / med(alone):.2f}"
        )


def _admin_key(url: str, project: Path) -> str:
    """A secret API key, as smoke would use in CI (the tier's env has email and password)."""
    backend = read_env(project / "backend" / ".env")
    with httpx.Client(base_url=url, timeout=60) as http:
        token = http.post(
            "/auth/user/emailpass",
            json={
                "email": backend["MEDUSA_ADMIN_EMAIL"],
                "password": backend["MEDUSA_ADMIN_PASSWORD"],
            },
        ).json()["token"]
        made = http.post(
            "/admin/api-keys",
            json={"title": "bench smoke", "type": "secret"},
            headers={"Authorization": f"Bearer {token}"},
        )
        made.raise_for_status()
        return str(made.json()["api_key"]["token"])


if __name__ == "__main__":
    main()
