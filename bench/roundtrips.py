"""Round trips per provider: what `storectl doctor` waits for on each peer, against the least
its checks need.

Every peer sits behind bench/delayproxy.py, which counts the connections opened, the turns
(each time storectl speaks after the peer did: one round trip it waits for) and the HTTP
request lines. S3 is served with connections kept alive (bench/keepalive_s3.py), as real S3
is, so the count shows whether the probe reuses one. The least each provider's checks need:
- Redis: 1 connection, 1 turn: the lock, cache and policy checks pipelined (this peer has no
  password; with one, AUTH is one more turn before the pipeline; HELLO and CLIENT SETINFO
  skipped);
- SMTP: 1 connection, 7 turns: EHLO, STARTTLS, the TLS handshake, EHLO again, AUTH, MAIL FROM
  (the sender check), and QUIT (sent, not waited for); RFC 2920 lets no command follow EHLO,
  STARTTLS or AUTH in a pipelined group;
- S3: 1 connection reused, 4 turns: HeadBucket, PutObject, the anonymous GET, DeleteObject;
- Stripe and the backend: one request per check, and at most one login (the backend).

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

#: provider -> (connections, turns) the checks need at least (see the docstring); None: one
#: request per check, counted from the request lines
MINIMUM: dict[str, tuple[int, int] | None] = {
    "redis": (1, 1),
    "smtp": (1, 7),
    "s3": (1, 4),
    "stripe": None,
    "medusa": None,
}


def port_of(value: str) -> int:
    return int(value.rstrip("/").rsplit(":", 1)[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per chunk, each way")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        peers(Path(folder), args.delay, keep_alive=True) as store,
    ):
        env_file = Path(folder) / "store.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in store.items() if k != "SSL_CERT_FILE"))
        env = {**os.environ, "SSL_CERT_FILE": store["SSL_CERT_FILE"], "NO_COLOR": "1"}
        argv = [*storectl(), "doctor", "--ignore-environment", "--env-file", str(env_file)]
        subprocess.run([*argv, "--timeout", "30"], env=env, capture_output=True, check=False)
        rows = []
        for name, var in PORTS.items():  # one provider per run: each count is its own
            port = port_of(store[var])
            delayproxy.COUNTS.pop(port, None)
            delayproxy.REQUESTS.pop(port, None)
            only = [*argv, "--only", name, "--timeout", "30"]
            done = subprocess.run(only, env=env, capture_output=True)
            if done.returncode != 0:
                sys.exit(f"doctor --only {name} failed:\n{done.stdout.decode()}")
            counts = Counter(delayproxy.COUNTS.get(port, Counter()))  # later runs add to it
            rows.append((name, counts, list(delayproxy.REQUESTS.get(port, []))))
        _table(rows)


def _table(rows: list[tuple[str, Counter[str], list[str]]]) -> None:
    """One row per provider (`doctor --only <provider>`): measured against the least its
    checks need."""
    print("| provider | connections | round trips (turns) | least the checks need | requests |")
    print("|---|---|---|---|---|")
    for name, counts, requests in rows:
        least = MINIMUM[name]
        logins = sum(line.startswith("POST") and "/auth/" in line for line in requests)
        if least is not None:
            shown = f"{least[0]} connection, {least[1]} turns"
        else:
            shown = f"{len(requests)} requests for its checks, {logins} login(s)"
        paths = [line.split("?", 1)[0] for line in requests]
        listed = ", ".join(f"`{p}`" for p in paths) if paths else "-"
        print(
            f"| {name} | {counts.get('connections', 0)} | {counts.get('turns', 0)} | "
            f"{shown} | {listed} |"
        )


if __name__ == "__main__":
    main()
