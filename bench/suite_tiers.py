"""The suite's time per tier, from one run's JUnit XML (issue 22 E: each tier's time reported).

Every test belongs to one module tier (tests/conftest.py `TIERS`: real_backend, browser, node,
hostile, slow; the rest is `fast`), and a `fast` test that starts a real local server is also in
`peers`. Times are pytest's per test (setup + call + teardown), summed; the run's wall time is
pytest's own line. Run the suite once, then this:

    CI=true ./scripts/test -q -p no:randomly --junitxml=/tmp/suite.xml
    .venv/bin/python bench/suite_tiers.py /tmp/suite.xml
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import PEER_FIXTURES, TIERS  # noqa: E402  # one source of the tiers


def tier_of(module: str) -> str:
    """The module tier, as conftest marks it."""
    for tier, prefixes in TIERS.items():
        if module.startswith(prefixes):
            return tier
    return "fast"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("junit", type=Path)
    args = parser.parse_args()
    root = ET.parse(args.junit).getroot()
    seconds: dict[str, float] = dict.fromkeys(("fast", *TIERS), 0.0)
    counts: Counter[str] = Counter()
    wall = 0.0
    for suite in root.iter("testsuite"):
        wall += float(suite.get("time") or 0)
    for case in root.iter("testcase"):
        parts = (case.get("classname") or "").split(".")
        module = next((part for part in parts if part.startswith("test_")), "")
        tier = tier_of(module)
        seconds[tier] += float(case.get("time") or 0)
        counts[tier] += 1
    print("| tier | tests | seconds (sum of tests) |\n|---|---:|---:|")
    for tier in ("fast", *TIERS):
        print(f"| {tier} | {counts[tier]} | {seconds[tier]:.0f} |")
    print(f"| whole run (pytest's wall) | {sum(counts.values())} | {wall:.0f} |")
    print(f"\n(`fast` includes the `peers` tests, those with a fixture of {sorted(PEER_FIXTURES)})")


if __name__ == "__main__":
    main()
