"""Fleet scale benchmark: `storectl doctor` over 1, 5, 20, 50 and 100 stores, against the local
peers behind delaying proxies (100 ms each way), with nothing shared between stores: each has
its own S3 bucket and access key, Redis database, SMTP user, Stripe key and Medusa admin key.

Prints a table (wall time and the storectl process's peak memory) and draws bench/fleet.svg.

Usage: python bench/fleet.py [--sizes 1,5,20,50,100] [--runs 3] [--delay 0.1] [--jobs 16]
"""

from __future__ import annotations

import argparse
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from bench.delayproxy import delayed  # noqa: E402
from testing import measure, medusa_server, smtp_server, stripe_server  # noqa: E402
from testing.certs import make_certs  # noqa: E402
from testing.procs import free_port, http_server, process  # noqa: E402

HOOK = "/hooks/payment/stripe_stripe"


def stripe_key(i: int) -> str:
    return f"sk_test_51BENCH{i:020d}"


def smtp_user(i: int) -> tuple[str, str]:
    return f"store{i}@example.com", f"bench-smtp-pass-{i:04d}"


def admin_key(i: int) -> str:
    return f"sk_{i:04d}" + "be" * 30


def _store_file(s3: Any, file_id: str, data: bytes | None) -> None:
    """The Medusa double's file provider: file ids start with their store's bucket."""
    bucket, _, key = file_id.partition("~")
    if data is None:
        s3.delete_object(Bucket=bucket, Key=key)
    else:
        s3.put_object(Bucket=bucket, Key=key, Body=data, ACL="public-read")


class FleetMedusa(medusa_server.MedusaHandler):
    """One Medusa double for every store, each store's uploads in its own S3 bucket (as each
    store's backend would run the file-s3 provider with its own S3_FILE_URL)."""

    #: each store's S3_FILE_URL, by its admin key
    file_urls: dict[str, str] = {}

    def _upload(self) -> None:
        from base64 import b64decode
        from email.parser import BytesParser
        from email.policy import HTTP

        header = self.headers.get("Authorization", "")
        key = b64decode(header[6:]).decode().partition(":")[0] if header[:6] == "Basic " else ""
        base = self.file_urls.get(key, "")
        if not base:
            self._send(401, {"message": "Unauthorized"})
            return
        content_type = self.headers.get("Content-Type") or ""
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self._raw
        )
        uploaded = []
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            name = f"{time.monotonic_ns()}-{part.get_filename() or 'file'}"
            file_id = f"{base.rsplit('/', 1)[1]}~{name}"  # the DELETE route's id: no "/"
            with self.state.lock:
                self.state.files[file_id] = data
            if self.state.file_store is not None:
                self.state.file_store(file_id, data)
            uploaded.append({"id": file_id, "url": f"{base}/{name}"})
        self._send(200, {"files": uploaded})


# Long by nature: every peer started once, then N stores' own buckets, Redis databases, SMTP
# users, Stripe keys and admin keys seeded so that no probe is shared (issue 12's setup).
@contextmanager
def fleet_peers(folder: Path, stores: int, delay: float) -> Iterator[list[dict[str, str]]]:
    """Start every peer once, sized for `stores` stores; yield each store's env."""
    certs = make_certs(folder / "certs")
    with ExitStack() as stack:
        redis_port = free_port()
        binary = shutil.which("redis-server") or "redis-server"
        argv = [binary, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""]
        argv += ["--databases", str(stores + 1)]
        stack.enter_context(process(argv, redis_port, folder / "redis.log"))

        s3_port = free_port()
        moto = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)]
        stack.enter_context(process(moto, s3_port, folder / "moto.log"))
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            region_name="us-east-1",
            aws_access_key_id="AKIABENCH",
            aws_secret_access_key="bench-secret",
        )
        for i in range(stores):
            s3.create_bucket(Bucket=f"shop-{i}")

        users = dict(smtp_user(i) for i in range(stores))

        def authenticator(
            server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
        ) -> AuthResult:
            ok = (
                isinstance(auth_data, LoginPassword)
                and users.get(auth_data.login.decode()) == auth_data.password.decode()
            )
            return AuthResult(success=ok, handled=False)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certs.cert), str(certs.key))
        smtp_port = free_port()
        smtp = Controller(
            smtp_server.Capture(),
            hostname="127.0.0.1",
            port=smtp_port,
            tls_context=context,
            authenticator=authenticator,
        )
        smtp.start()
        stack.callback(smtp.stop)

        stripe_state = stripe_server.StripeState(
            keys={
                stripe_key(i): stripe_server.Key("test", f"acct_1BENCH{i}") for i in range(stores)
            }
        )
        stripe_url = stack.enter_context(
            http_server(type("H", (stripe_server.StripeHandler,), {"state": stripe_state}))
        )
        medusa_state = medusa_server.MedusaState()
        medusa_state.reset()
        medusa_state.secret_keys = {admin_key(i) for i in range(stores)}
        for region in medusa_state.regions:
            region["payment_providers"].append("pp_stripe_stripe")
        medusa_state.file_store = lambda file_id, data: _store_file(s3, file_id, data)
        medusa_url = stack.enter_context(
            http_server(type("H", (FleetMedusa,), {"state": medusa_state}))
        )

        def front(port: int) -> int:
            return stack.enter_context(delayed(port, delay)) if delay else port

        redis_p, smtp_p, s3_p = front(redis_port), front(smtp_port), front(s3_port)
        FleetMedusa.file_urls = {
            admin_key(i): f"http://127.0.0.1:{s3_p}/shop-{i}" for i in range(stores)
        }
        stripe_p = front(int(stripe_url.rsplit(":", 1)[1]))
        medusa_p = front(int(medusa_url.rsplit(":", 1)[1]))
        backend = f"http://127.0.0.1:{medusa_p}"
        for i in range(stores):
            stripe_state.seed(f"{backend}{HOOK}", scope=f"acct_1BENCH{i}:test")
        envs = []
        for i in range(stores):
            user, password = smtp_user(i)
            envs.append(
                {
                    "STRIPE_API_KEY": stripe_key(i),
                    "STRIPE_WEBHOOK_SECRET": f"whsec_bench{i:020d}",
                    "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_p}",
                    "STRIPE_WEBHOOK_PATH": HOOK,
                    "NEXT_PUBLIC_STRIPE_KEY": "pk_test_bench",
                    "S3_BUCKET": f"shop-{i}",
                    "S3_REGION": "us-east-1",
                    "S3_ENDPOINT": f"http://127.0.0.1:{s3_p}",
                    "S3_FILE_URL": f"http://127.0.0.1:{s3_p}/shop-{i}",
                    "S3_ACCESS_KEY_ID": f"AKIABENCH{i:04d}",
                    "S3_SECRET_ACCESS_KEY": f"bench-secret-access-key-{i:04d}",
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": str(smtp_p),
                    "SMTP_USER": user,
                    "SMTP_PASS": password,
                    "SMTP_FROM": f"Shop {i} <orders{i}@example.com>",
                    "SMTP_SECURE": "false",
                    "REDIS_URL": f"redis://127.0.0.1:{redis_p}/{i + 1}",
                    "MEDUSA_BACKEND_URL": backend,
                    "MEDUSA_ADMIN_API_KEY": admin_key(i),
                }
            )
        yield [{**env, "SSL_CERT_FILE": str(certs.ca)} for env in envs]


def write_stores(folder: Path, envs: list[dict[str, str]]) -> None:
    for i, env in enumerate(envs):
        backend = folder / f"store-{i}" / "backend"
        backend.mkdir(parents=True, exist_ok=True)
        lines = "".join(f"{k}={v}\n" for k, v in env.items() if k != "SSL_CERT_FILE")
        (backend / ".env").write_text(lines)
        (backend / ".env").chmod(0o600)


def fleet_file(folder: Path, stores: int) -> Path:
    path = folder / f"fleet-{stores}.toml"
    path.write_text(
        "".join(f'[[store]]\nname = "store-{i}"\nproject = "store-{i}"\n\n' for i in range(stores))
    )
    return path


def chart(rows: list[tuple[int, float, float]], single: float, path: Path) -> None:
    """Wall time and peak memory against the number of stores, with the 2x/5x limits."""
    import pygal

    sizes = [str(n) for n, _w, _m in rows]
    wall = pygal.Line(
        title="storectl doctor over a fleet (100 ms each way)",
        x_title="stores",
        y_title="seconds / MB",
        secondary_range=(0, 300),
        show_dots=True,
        width=800,
        height=420,
    )
    wall.x_labels = sizes
    wall.add("wall time (s)", [w for _n, w, _m in rows])
    wall.add("5 x one store (s)", [5 * single] * len(rows), show_dots=False)
    wall.add("peak memory (MB)", [m for _n, _w, m in rows], secondary=True)
    wall.add("250 MB limit", [250] * len(rows), secondary=True, show_dots=False)
    path.write_bytes(wall.render())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,5,20,50,100")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per chunk, each way")
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--chart", type=Path, default=ROOT / "bench" / "fleet.svg")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    results: list[tuple[int, float, float]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        fleet_peers(Path(tmp), max(sizes), args.delay) as envs,
    ):
        folder = Path(tmp)
        write_stores(folder, envs)
        child_env = {
            "PATH": "/usr/bin:/bin",
            "HOME": tmp,
            "NO_COLOR": "1",
            "SSL_CERT_FILE": envs[0]["SSL_CERT_FILE"],
        }
        common = ["doctor", "--ignore-environment", "--timeout", "30", "--format", "json"]

        def once(stores: int) -> measure.Run:
            if stores == 1:  # one store: the single-store command, as users run it today
                argv = [*common, "--project", "store-0"]
            else:
                argv = [*common, "--fleet", str(fleet_file(folder, stores))]
                argv += ["--jobs", str(args.jobs)]
            done = measure.run(argv, env=child_env, cwd=folder, timeout=600, memory_limit=None)
            if done.exit_code != 0:
                sys.exit(f"doctor over {stores} stores failed:\n{done.stdout[-3000:]}{done.stderr}")
            return done

        once(1)  # warm-up: moto's first requests, the OS file cache
        for stores in sizes:
            runs = [once(stores) for _ in range(args.runs)]
            wall = statistics.median(r.wall for r in runs)
            peak = max(r.peak_mb for r in runs)
            results.append((stores, wall, peak))
            print(f"{stores:4d} stores  {wall:6.2f} s  {peak:6.1f} MB", flush=True)
    single = next(w for n, w, _m in results if n == 1) if 1 in sizes else results[0][1]
    print(f"\ndelay {args.delay * 1000:.0f} ms each way, --jobs {args.jobs}, median of {args.runs}")
    print("| stores | wall time | × one store | peak memory |")
    print("|---:|---:|---:|---:|")
    for stores, wall, peak in results:
        print(f"| {stores} | {wall:.2f} s | {wall / single:.2f}× | {peak:.0f} MB |")
    chart(results, single, args.chart)
    print(
        f"chart: {args.chart.relative_to(ROOT) if args.chart.is_relative_to(ROOT) else args.chart}"
    )


if __name__ == "__main__":
    main()
