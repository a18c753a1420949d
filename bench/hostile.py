"""Every networked command against hostile peers: wall time and peak memory per child process.

For each command and each peer kind, the providers the command talks to point at a hostile
peer from testing/hostile.py, and `storectl ... --timeout T` runs in a child process measured
by testing/measure.py (wall time; peak RSS from os.wait4). Target (issue 10): wall <= T + 1 s
and peak <= 150 MB. A command still running after --safety seconds is killed (shown as KILLED).

Peer kinds:
  drip     one byte every 0.5 s (HTTP response, SMTP greeting, Redis bulk reply)
  endless  a body that never ends (HTTP chunked; SMTP `220-` lines; a 10 GB Redis bulk reply)
  loop     pagination that never ends (Stripe has_more; Medusa count) -- Stripe/Medusa only
  bomb     gzip body expanding to 64 MB -- HTTP providers only

Usage: python bench/hostile.py [--timeout 3] [--safety 20] [--kinds drip,endless]
       [--only "webhooks list,doctor --only smtp"]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testing import measure  # noqa: E402
from testing.hostile_store import COMMANDS, TARGET_MB, peer_for, store_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--safety", type=float, default=20.0)
    parser.add_argument("--kinds", default="drip,endless,loop,bomb")
    parser.add_argument("--only", default="", help="comma-separated commands (as in the table)")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    wanted = {c.strip() for c in args.only.split(",") if c.strip()}
    limit = args.timeout + 1
    print(
        f"storectl COMMAND --timeout {args.timeout:g} against hostile peers; "
        f"target <= {limit:g} s and <= {TARGET_MB} MB; killed after {args.safety:g} s\n"
    )
    print("| command | peer | wall | peak RSS | exit | verdict | last line of stderr/stdout |")
    print("|---|---|---|---|---|---|---|")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for command, providers in COMMANDS.items():
            if wanted and command not in wanted:
                continue
            for kind in kinds:
                factories = {p: peer_for(kind, p) for p in providers}
                if all(f is None for f in factories.values()):
                    continue
                with ExitStack() as stack:
                    peers = {
                        p: stack.enter_context(f()) for p, f in factories.items() if f is not None
                    }
                    env = store_env(peers, folder)
                    argv = [*command.split(), "--timeout", f"{args.timeout:g}"]
                    if command.startswith("webhooks register"):
                        argv += ["--write-to", str(folder / "backend.env")]
                    done = measure.run(argv, env=env, cwd=folder, timeout=args.safety)
                ok = not done.killed and done.wall <= limit and done.peak_mb <= TARGET_MB
                failures += not ok
                verdict = "ok" if ok else ("KILLED" if done.killed else "over")
                tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [""]
                print(
                    f"| `{command}` | {kind} | {done.wall:.1f} s | {done.peak_mb:.0f} MB | "
                    f"{done.exit_code} | {verdict} | {tail[0][:90].replace('|', '/')} |",
                    flush=True,
                )
    print(f"\n{failures} over target")


if __name__ == "__main__":
    main()
