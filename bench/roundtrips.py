"""Round trips per provider: what `storectl doctor` waits for on each peer, against the least
its checks need.

Every peer sits behind bench/delayproxy.py, which counts the connections opened and the turns
(each time storectl speaks after the peer did: one round trip it waits for; a TCP connect is
one more). The minimum is what the provider's checks need at best:
- Redis: connect, AUTH-less `redis://` here, then the lock, cache and policy checks pipelined:
  1 connect + 1 turn (HELLO and CLIENT SETINFO skipped);
- S3: one connection reused: HeadBucket, PutObject, the anonymous GET, DeleteObject;
- the backend: one login, then one request per check (health, the admin reads).

Usage: python bench/roundtrips.py [--delay 0.02]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import delayproxy  # noqa: E402
from bench.doctor import storectl  # noqa: E402
from bench.peers import peers  # noqa: E402

#: provider -> the env var whose port the provider talks to
PORTS = {
    "redis": "REDIS_URL",
    "smtp": "SMTP_PORT",
    "s3": "S3_ENDPOINT",
    "stripe": "STRIPE_API_BASE",
    "medusa": "MEDUSA_BACKEND_URL",
}

#: (connections, turns) the checks need at least, by the reasoning in the docstring
MINIMUM = {"redis": (1, 1), "s3": (1, 4)}


def port_of(value: str) -> int:
    return int(value.rstrip("/").rsplit(":", 1)[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per chunk, each way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, peers(Path(folder), args.delay) as store:
        env_file = Path(folder) / "store.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in store.items() if k != "SSL_CERT_FILE"))
        env = {**os.environ, "SSL_CERT_FILE": store["SSL_CERT_FILE"], "NO_COLOR": "1"}
        argv = [*storectl(), "doctor", "--ignore-environment", "--env-file", str(env_file)]
        subprocess.run([*argv, "--timeout", "30"], env=env, capture_output=True, check=False)
        delayproxy.COUNTS.clear()  # the warm-up run (moto's first request) is not counted
        done = subprocess.run([*argv, "--timeout", "30"], env=env, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"doctor failed:\n{done.stdout.decode()}{done.stderr.decode()}")
        print("| provider | connections | round trips (turns) | least the checks need |")
        print("|---|---|---|---|")
        for name, var in PORTS.items():
            counts = delayproxy.COUNTS.get(port_of(store[var]), Counter())
            least = MINIMUM.get(name)
            shown = f"{least[0]} connection, {least[1]} turns" if least else "see note"
            print(
                f"| {name} | {counts.get('connections', 0)} | {counts.get('turns', 0)} | {shown} |"
            )


if __name__ == "__main__":
    main()
