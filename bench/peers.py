"""Local peers for benchmarks and the demo: redis-server, aiosmtpd, moto S3, Stripe and Medusa
doubles (the same servers the tests use), optionally behind delaying proxies."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.delayproxy import delayed  # noqa: E402
from testing import medusa_server, smtp_server, stripe_server  # noqa: E402
from testing.certs import make_certs  # noqa: E402
from testing.procs import free_port, http_server, process  # noqa: E402


# Long by nature: one `with` per local peer (each started, seeded and stopped in order) and
# the env that points a store at all of them; split, the nesting would only move.
@contextmanager
def peers(folder: Path, delay: float = 0.0, keep_alive: bool = False) -> Iterator[dict[str, str]]:
    """Start every peer; yield a store env (all five providers active and healthy). With
    keep_alive, S3 is served by bench/keepalive_s3.py (connections kept alive, as real S3
    does) instead of moto's own server (one connection per request)."""
    folder.mkdir(parents=True, exist_ok=True)
    certs = make_certs(folder / "certs")
    with ExitStack() as stack:
        redis_port = free_port()
        binary = shutil.which("redis-server") or "redis-server"
        stack.enter_context(
            process(
                [binary, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""],
                redis_port,
                folder / "redis.log",
            )
        )
        s3_port = free_port()
        s3_server = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)]
        if keep_alive:
            s3_server = [sys.executable, str(ROOT / "bench" / "keepalive_s3.py"), str(s3_port)]
        stack.enter_context(
            process(
                s3_server,
                s3_port,
                folder / "moto.log",
            )
        )
        import boto3

        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            region_name="us-east-1",
            aws_access_key_id="AKIADEMO",
            aws_secret_access_key="demo-secret",
        ).create_bucket(Bucket="shop")

        smtp_port = free_port()
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certs.cert), str(certs.key))
        smtp = Controller(
            smtp_server.Capture(),
            hostname="127.0.0.1",
            port=smtp_port,
            tls_context=context,
            authenticator=smtp_server.authenticator,
        )
        smtp.start()
        stack.callback(smtp.stop)

        stripe_state = stripe_server.StripeState(
            keys={stripe_server.TEST_KEY: stripe_server.Key("test", "acct_1DEMO")}
        )
        stripe_url = stack.enter_context(
            http_server(type("H", (stripe_server.StripeHandler,), {"state": stripe_state}))
        )
        stripe_port = int(stripe_url.rsplit(":", 1)[1])

        medusa_state = medusa_server.MedusaState()
        medusa_state.reset()
        for region in medusa_state.regions:
            region["payment_providers"].append("pp_stripe_stripe")
        medusa_url = stack.enter_context(
            http_server(type("H", (medusa_server.MedusaHandler,), {"state": medusa_state}))
        )
        medusa_port = int(medusa_url.rsplit(":", 1)[1])

        def front(port: int) -> int:
            return stack.enter_context(delayed(port, delay)) if delay else port

        redis_p, smtp_p, s3_p = front(redis_port), front(smtp_port), front(s3_port)
        stripe_p, medusa_p = front(stripe_port), front(medusa_port)
        backend = f"http://127.0.0.1:{medusa_p}"
        medusa_state.store_in_s3(  # uploads land in the bucket, as with Medusa's file-s3
            f"http://127.0.0.1:{s3_port}",
            "shop",
            f"http://127.0.0.1:{s3_p}/shop",
            aws_access_key_id="AKIADEMO",
            aws_secret_access_key="demo-secret",
        )
        stripe_state.seed(f"{backend}/hooks/payment/stripe_stripe", scope="acct_1DEMO:test")
        yield {
            "SSL_CERT_FILE": str(certs.ca),
            "STRIPE_API_KEY": stripe_server.TEST_KEY,
            "STRIPE_WEBHOOK_SECRET": "whsec_demo0000000000000000",
            "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_p}",
            "STRIPE_WEBHOOK_PATH": "/hooks/payment/stripe_stripe",
            "NEXT_PUBLIC_STRIPE_KEY": "pk_test_demo",
            "S3_BUCKET": "shop",
            "S3_REGION": "us-east-1",
            "S3_ENDPOINT": f"http://127.0.0.1:{s3_p}",
            "S3_FILE_URL": f"http://127.0.0.1:{s3_p}/shop",
            "S3_ACCESS_KEY_ID": "AKIADEMO",
            "S3_SECRET_ACCESS_KEY": "demo-secret-access-key",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_p),
            "SMTP_USER": smtp_server.USER,
            "SMTP_PASS": smtp_server.PASSWORD,
            "SMTP_FROM": "Shop <orders@example.com>",
            "SMTP_SECURE": "false",
            "REDIS_URL": f"redis://127.0.0.1:{redis_p}",
            "MEDUSA_BACKEND_URL": backend,
            "MEDUSA_ADMIN_API_KEY": medusa_server.API_KEY,
        }
