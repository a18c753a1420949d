"""What sharing saves per store: CPU time and memory of making S3 clients with a fresh botocore
session each vs the process's one session, and of TLS contexts made each time vs cached.
Each variant runs in its own child process, so memory is that child's own peak.

Usage: python bench/fleet_sharing.py [--clients 20]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, ssl, sys, time
n, variant = int(sys.argv[1]), sys.argv[2]
import botocore.session, boto3  # imports are not what is measured
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
keep = []
if variant == "s3-fresh":
    for i in range(n):
        keep.append(boto3.session.Session(aws_access_key_id=f"AKIA{i}", aws_secret_access_key="x",
                    region_name="us-east-1").client("s3", endpoint_url="http://127.0.0.1:9"))
elif variant == "s3-shared":
    session = botocore.session.get_session()
    for i in range(n):
        keep.append(session.create_client("s3", region_name="us-east-1",
                    endpoint_url="http://127.0.0.1:9", aws_access_key_id=f"AKIA{i}",
                    aws_secret_access_key="x"))
elif variant == "tls-fresh":
    keep = [ssl.create_default_context() for _ in range(n)]
elif variant == "tls-shared":
    keep = [ssl.create_default_context()] * n
cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cpu_ms": cpu * 1000, "mb": (peak - base) / 1024}))
"""


def measure(n: int, variant: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), variant], capture_output=True)
    if out.returncode:
        sys.exit(out.stderr.decode())
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    n = args.clients
    print(f"| {n} of them | made each time | shared | saved per store |")
    print("|---|---:|---:|---:|")
    for what, fresh, shared in (
        ("S3 clients (botocore session + loader)", "s3-fresh", "s3-shared"),
        ("TLS contexts (CA bundle loaded)", "tls-fresh", "tls-shared"),
    ):
        a, b = measure(n, fresh), measure(n, shared)
        print(
            f"| {what} | {a['cpu_ms']:.0f} ms CPU, {a['mb']:.0f} MB | "
            f"{b['cpu_ms']:.0f} ms CPU, {b['mb']:.0f} MB | "
            f"{(a['cpu_ms'] - b['cpu_ms']) / n:.1f} ms, {(a['mb'] - b['mb']) / n:.2f} MB |"
        )


if __name__ == "__main__":
    main()
