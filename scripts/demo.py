"""The demo: local peers (redis-server, aiosmtpd, moto's S3, the Stripe and Medusa doubles), a
store env wired to them, and storectl run on it, all green. Stops exactly what it started."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers import peers  # noqa: E402

COMMANDS = [
    ["status", "--project", str(ROOT / "examples" / "store")],
    ["doctor", "--project", "{store}"],
    ["webhooks", "register", "--dry-run", "--project", "{store}"],
    ["regions", "list", "--project", "{store}"],
    ["mail", "preview", "order.placed", "--sample", "--out", "{store}", "--project", "{store}"],
]


def storectl() -> list[str]:
    script = Path(sys.executable).parent / "storectl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "storectl"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--keep", action="store_true", help="keep the peers up until Ctrl-C, to try commands"
    )
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="storectl-demo-") as folder:
        store = Path(folder) / "store"
        (store / "backend").mkdir(parents=True)
        (store / "storefront").mkdir()
        with peers(Path(folder) / "peers") as env:
            backend = store / "backend" / ".env"
            public = {"NEXT_PUBLIC_STRIPE_KEY"}
            backend.write_text(
                "# Written by scripts/demo: every production provider on, against local peers.\n"
                + "".join(
                    f"{k}={v}\n" for k, v in env.items() if k not in public | {"SSL_CERT_FILE"}
                )
            )
            backend.chmod(0o600)
            (store / "storefront" / ".env.local").write_text(
                "".join(f"{k}={env[k]}\n" for k in public)
            )
            run_env = {**os.environ, "SSL_CERT_FILE": env["SSL_CERT_FILE"]}
            for command in COMMANDS:
                argv = [part.format(store=store) for part in command]
                print(f"\n$ storectl {shlex.join(argv)}", flush=True)
                done = subprocess.run([*storectl(), *argv], env=run_env)
                failures += done.returncode != 0
            if args.keep:
                print(
                    f"\nPeers are up. Store: {store}\n  export SSL_CERT_FILE={env['SSL_CERT_FILE']}"
                )
                print("  storectl doctor --project " + str(store) + "\nCtrl-C stops them.")
                try:
                    input()
                except (KeyboardInterrupt, EOFError):
                    pass
    print("\ndemo: every command succeeded" if not failures else f"\ndemo: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
