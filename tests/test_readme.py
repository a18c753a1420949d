"""Every `storectl` line in README.md's sh blocks runs against local peers: the docs cannot rot."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import LIVE_KEY, TEST_KEY, StripeServer
from testing.tlsproxy import tls_proxy
from tests.conftest import REPO, run, write


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("storectl "):
                commands.append(line)
    return commands


def test_the_readme_has_examples_for_every_command_group() -> None:
    groups = {shlex.split(c)[1] for c in readme_commands()}
    assert {"status", "doctor", "webhooks", "regions", "mail"} <= groups


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
    fleet = re.search(r"```toml\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
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


@pytest.mark.parametrize("command", readme_commands())
def test_readme_example(demo_store: Path, command: str) -> None:
    argv = shlex.split(command)[1:]
    argv = [a.replace("/tmp", str(demo_store)) if a == "/tmp" else a for a in argv]
    # Lines without --project or --env-file run from the store's root, as a deploy script would.
    beside = "--project" in argv or "--env-file" in argv or "--fleet" in argv
    os.chdir(demo_store.parent if beside else demo_store)
    result = run(*argv, env={"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]})
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.exit_code == 0, f"{command}\n{result.stdout}\n{result.stderr}"
