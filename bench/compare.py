"""storectl doctor vs the checks a user would otherwise script, on the same delayed peers.

The sequence: `redis-cli ping`, `swaks --quit-after AUTH` (STARTTLS, AUTH PLAIN), and
`aws s3api head-bucket`, one after another. storectl: `doctor --only redis,smtp,s3` (which also
checks TLS certificates, MAIL FROM, eviction policy, locks, the cache, a write, a public read
and the cleanup). Every peer sits behind bench/delayproxy.py holding each chunk --delay seconds
each way. Runs alternate; medians and min/max are reported.

Needs Debian's redis-tools (redis-cli) and swaks, and awscli (pip) on PATH or in --aws.
Usage: python bench/compare.py [--runs 5] [--delay 0.1] [--aws PATH] [--baseline OLD_CHECKOUT]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.peers import peers  # noqa: E402


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(
            f"{argv[0]} failed ({done.returncode}):\n{done.stdout.decode()}{done.stderr.decode()}"
        )
    return elapsed


def _tools(store: dict[str, str], aws: str) -> dict[str, list[str]]:
    """The one-service tools storectl is compared with, each pointed at its peer."""
    redis_port = store["REDIS_URL"].rsplit(":", 1)[1]
    return {
        "redis-cli ping": ["redis-cli", "-h", "127.0.0.1", "-p", redis_port, "ping"],
        "swaks --quit-after AUTH": [
            "swaks",
            "--server",
            "127.0.0.1",
            "--port",
            store["SMTP_PORT"],
            "--tls",
            "--auth",
            "PLAIN",
            "--auth-user",
            store["SMTP_USER"],
            "--auth-password",
            store["SMTP_PASS"],
            "--quit-after",
            "AUTH",
            "--from",
            "orders@example.com",
            "--to",
            "qa@example.com",
        ],
        "aws s3api head-bucket": [
            aws,
            "s3api",
            "head-bucket",
            "--bucket",
            store["S3_BUCKET"],
            "--endpoint-url",
            store["S3_ENDPOINT"],
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per chunk, each way")
    parser.add_argument("--aws", default=shutil.which("aws") or "aws")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of storectl (git worktree) whose doctor runs in the same rounds",
    )
    args = parser.parse_args()
    for tool in ("redis-cli", "swaks"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install redis-tools swaks)")
    script = Path(sys.executable).parent / "storectl"
    storectl = [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]
    with tempfile.TemporaryDirectory() as folder, peers(Path(folder), args.delay) as store:
        env_file = Path(folder) / "store.env"
        keep = ("REDIS_URL", "SMTP_", "S3_")
        env_file.write_text("".join(f"{k}={v}\n" for k, v in store.items() if k.startswith(keep)))
        env = {
            **os.environ,
            "SSL_CERT_FILE": store["SSL_CERT_FILE"],
            "AWS_ACCESS_KEY_ID": store["S3_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": store["S3_SECRET_ACCESS_KEY"],
            "AWS_DEFAULT_REGION": store["S3_REGION"],
        }
        steps = _tools(store, args.aws)
        doctor = [
            *storectl,
            "doctor",
            "--env-file",
            str(env_file),
            "--ignore-environment",
            "--only",
            "redis,smtp,s3",
            "--timeout",
            "30",
        ]
        base_env = {**env, "PYTHONPATH": str(args.baseline)} if args.baseline else env
        base_doctor = [sys.executable, "-m", "storectl", *doctor[len(storectl) :]]
        for argv in (*steps.values(), doctor):  # warm-up: caches, moto's first request
            timed(argv, env)
        if args.baseline:
            timed(base_doctor, base_env)
        alone: dict[str, list[float]] = {name: [] for name in steps}
        sequence: list[float] = []
        ours: list[float] = []
        for _ in range(args.runs):
            ours.append(timed(doctor, env))
            if args.baseline:
                alone.setdefault("baseline doctor", []).append(timed(base_doctor, base_env))
            total = 0.0
            for name, argv in steps.items():
                took = timed(argv, env)
                alone[name].append(took)
                total += took
            sequence.append(total)
    _report(args.delay, args.runs, ours, sequence, alone)


def _report(
    delay: float,
    runs: int,
    ours: list[float],
    sequence: list[float],
    alone: dict[str, list[float]],
) -> None:
    """Median, min and max of each command, and storectl's time over the sequence's."""
    median = statistics.median
    print(f"delay {delay * 1000:.0f} ms per chunk each way, {runs} alternating rounds")
    print(f"{'command':44} {'median':>8} {'min':>8} {'max':>8}")
    rows = [("storectl doctor --only redis,smtp,s3", ours), ("the sequence (3 tools)", sequence)]
    rows += list(alone.items())
    for name, times in rows:
        print(
            f"{name:44} {median(times) * 1000:7.0f}ms {min(times) * 1000:7.0f}ms "
            f"{max(times) * 1000:7.0f}ms"
        )
    ratios = [a / b for a, b in zip(ours, sequence, strict=True)]
    print(
        f"ratio storectl / sequence: median {median(ratios):.2f}x "
        f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
    )
    # doctor's floor, as issue 22 F defines it: the slowest provider's conversation plus the
    # interpreter's start. SMTP is the slowest: swaks's conversation (connect, banner, EHLO,
    # STARTTLS, TLS, EHLO, AUTH) plus the MAIL FROM storectl adds, one round trip (2 x delay).
    floors = [t + 2 * delay for t in alone["swaks --quit-after AUTH"]]
    if "baseline doctor" in alone:
        versus = [a / b for a, b in zip(ours, alone["baseline doctor"], strict=True)]
        print(f"storectl / baseline doctor: median {median(versus):.2f}x")
    at_floor = [a / f for a, f in zip(ours, floors, strict=True)]
    floor_share = [f / b for f, b in zip(floors, sequence, strict=True)]
    print(
        f"floor (swaks + one round trip) {median(floors) * 1000:.0f}ms = "
        f"{median(floor_share):.2f}x the sequence; storectl / floor: median "
        f"{median(at_floor):.2f}x (min {min(at_floor):.2f}x, max {max(at_floor):.2f}x)"
    )


if __name__ == "__main__":
    main()
