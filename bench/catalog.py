"""Catalogue benchmark: `storectl catalog` over 2,000 products x 3 regions on the real-backend
tier (a real Medusa 2.21.2 on a private PostgreSQL, testing/real_medusa.py).

The products are made through the admin batch route (100 a request), each with one priced
variant in EUR, USD and GBP; a third region (GBP, gb) is added. Each run is the whole command in
a subprocess (start-up included). Prints the median, min and max wall time and the requests the
audit made (its JSON `requests`): pages of 100, never one request per product.

With `--baseline DIR` (a checkout of another revision, e.g. made with `git archive`; may be
given more than once), each run of this tree alternates with a run of each DIR's storectl on the
same backend (`python -m storectl` with DIR first on PYTHONPATH), so all meet the same load;
every median is printed.

Usage: python bench/catalog.py [--runs 5] [--products 2000] [--baseline DIR ...]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testing.real_medusa import Admin, RealMedusa, real_medusa  # noqa: E402

TARGET = 10.0
PRICES = [
    {"currency_code": "eur", "amount": 10},
    {"currency_code": "usd", "amount": 12},
    {"currency_code": "gbp", "amount": 9},
]


def fill(backend: RealMedusa, products: int) -> None:
    """`products` published products on the default profile, and a third region."""
    admin = Admin(backend.url)
    seeded = backend.seeded
    profiles = admin.get("/admin/shipping-profiles")["shipping_profiles"]
    profile = next(p["id"] for p in profiles if p["type"] == "default")
    admin.post("/admin/regions", {"name": "UK", "currency_code": "gbp", "countries": ["gb"]})
    for start in range(0, products - 1, 100):  # the seed made one already
        batch = [
            {
                "title": f"Bench {n}",
                "status": "published",
                "shipping_profile_id": profile,
                "sales_channels": [{"id": seeded.sales_channel_id}],
                "options": [{"title": "Size", "values": ["One"]}],
                "variants": [
                    {
                        "title": "One",
                        "options": {"Size": "One"},
                        "manage_inventory": False,
                        "prices": PRICES,
                    }
                ],
            }
            for n in range(start, min(start + 100, products - 1))
        ]
        admin.post("/admin/products/batch", {"create": batch})


def once(project: Path, tree: Path | None = None) -> tuple[float, dict[str, object]]:
    """One `storectl catalog --format json` in a subprocess; `tree`: another checkout's code."""
    env = dict(os.environ)
    if tree is None:
        argv = [str(Path(sys.executable).parent / "storectl")]
    else:
        argv = [sys.executable, "-m", "storectl"]
        env["PYTHONPATH"] = str(tree)
    started = time.monotonic()
    done = subprocess.run(
        [*argv, "catalog", "--project", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,  # `-m` puts the working folder first on sys.path
    )
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"storectl catalog failed ({done.returncode}): {done.stderr}")
    data: dict[str, object] = json.loads(done.stdout)
    return elapsed, data


def row(label: str, times: list[float], last: dict[str, object]) -> str:
    return (
        f"| {label} ({last['products']} products x {len(last['regions'])} regions) "  # type: ignore[arg-type]
        f"| {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s "
        f"| {last['requests']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--baseline", type=Path, action="append", default=[])
    args = parser.parse_args()
    with real_medusa("2.21.2", Path(tempfile.mkdtemp(prefix="bench-catalog-"))) as backend:
        made = time.monotonic()
        fill(backend, args.products)
        print(f"seeded {args.products} products in {time.monotonic() - made:.1f} s")
        times: list[float] = []
        base: dict[Path, list[float]] = {tree: [] for tree in args.baseline}
        last: dict[str, object] = {}
        before: dict[Path, dict[str, object]] = {}
        for _ in range(args.runs):
            for tree in args.baseline:
                elapsed, before[tree] = once(backend.project, tree)
                base[tree].append(elapsed)
            elapsed, last = once(backend.project)
            times.append(elapsed)
    print(
        f"products {last['products']}, variants {last['variants']}, regions "
        f"{len(last['regions'])}, requests {last['requests']}, counts {last['counts']}"  # type: ignore[arg-type]
    )
    print("| command | median | min | max | requests |")
    print("|---|---|---|---|---|")
    for tree, taken in base.items():
        print(row(f"baseline `{tree.name}`", taken, before[tree]))
    print(row("`storectl catalog`", times, last))
    verdict = "met" if statistics.median(times) <= TARGET else "NOT met"
    print(f"target <= {TARGET:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
