"""The README's demo store as a fixture (tests/test_readme.py and tests/test_json_schemas.py run
commands on it): every provider pointed at a local peer, production served over https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.cli import write
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import LIVE_KEY, TEST_KEY, StripeServer
from testing.tlsproxy import tls_proxy

REPO = Path(__file__).resolve().parent.parent

SHOP = "https://shop.example.com"


@pytest.fixture
def demo_store(
    tmp_path: Path,
    certs: Certs,
    redis_servers: RedisServers,
    smtp_servers: SmtpServers,
    s3_servers: S3Servers,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """A store whose every provider points at a local peer; the current folder is its root."""
    hook = "/hooks/payment/stripe_stripe"
    stripe_server.state.seed(medusa_server.url + hook)
    store = tmp_path / "my-store"
    backend = (
        f"STRIPE_API_KEY={TEST_KEY}\nSTRIPE_API_BASE={stripe_server.url}\n"
        "STRIPE_WEBHOOK_SECRET=whsec_readme0000000000\n"
        f"STRIPE_WEBHOOK_PATH={hook}\n"
        f"S3_BUCKET={BUCKET}\nS3_REGION={REGION}\nS3_ENDPOINT={s3_servers.open_endpoint}\n"
        f"S3_FILE_URL={s3_servers.open_endpoint}/{BUCKET}\nS3_ACCESS_KEY_ID=AKIAOPEN\n"
        "S3_SECRET_ACCESS_KEY=open-secret\n"
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={smtp_servers.starttls}\nSMTP_USER={USER}\n"
        f"SMTP_PASS={PASSWORD}\nSMTP_FROM=Shop <orders@example.com>\n"
        f"REDIS_URL={redis_servers.url()}\n"
        f"MEDUSA_BACKEND_URL={medusa_server.url}\nMEDUSA_ADMIN_API_KEY={API_KEY}\n"
        "JWT_SECRET=readme-jwt-0123456789abcdef\nCOOKIE_SECRET=readme-cookie-0123456789abcdef\n"
        f"STORE_CORS={SHOP}\nAUTH_CORS={SHOP}\nADMIN_CORS={SHOP}\n"
    )
    write(store / "backend/.env", backend)
    write(
        store / "storefront/.env.local",
        f"NEXT_PUBLIC_STRIPE_KEY=pk_test_readme\nNEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY={PUBLISHABLE_KEY}\n"
        f"MEDUSA_BACKEND_URL={medusa_server.url}\nNEXT_PUBLIC_BASE_URL={SHOP}\n",
    )
    medusa_server.state.cors.update(store=SHOP, auth=SHOP)
    write(tmp_path / "deploy/prod.env", backend + "NEXT_PUBLIC_STRIPE_KEY=pk_test_readme\n")
    for region in medusa_server.state.regions:
        region["payment_providers"].append("pp_stripe_stripe")
    medusa_server.state.store_in_s3(  # uploads land in the bucket (doctor's files-loaded)
        s3_servers.open_endpoint,
        BUCKET,
        f"{s3_servers.open_endpoint}/{BUCKET}",
        aws_access_key_id="AKIAOPEN",
        aws_secret_access_key="open-secret",
    )
    # the "Many stores" fleet file, as the README shows it
    fleet = re.search(r"```toml\n(.*?)```", (REPO / "docs/fleet.md").read_text(), flags=re.S)
    assert fleet is not None
    write(tmp_path / "storectl.toml", fleet.group(1))
    write(store / "backend/.env.staging", "")
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca))
    monkeypatch.chdir(tmp_path)
    # Production is served over https, as it must be: the backend's session cookie is Secure
    # there, and over plain http the admin could never log in (doctor fails that).
    medusa_server.state.production = True
    port = int(medusa_server.url.rsplit(":", 1)[1])
    with tls_proxy(port, str(certs.cert), str(certs.key)) as tls_port:
        https = f"MEDUSA_BACKEND_URL=https://localhost:{tls_port}\n"
        stripe_server.state.seed(f"https://localhost:{tls_port}{hook}")
        # production takes live keys: a test key fails a run declared production (issue 21 C)
        stripe_server.state.seed(f"https://localhost:{tls_port}{hook}", scope="acct_1CNRYtest:live")
        live = f"STRIPE_API_KEY={LIVE_KEY}\nNEXT_PUBLIC_STRIPE_KEY=pk_live_readme\n"
        write(store / "backend/.env.production", https + live)
        write(store / "storefront/.env.production.local", https)
        yield store
