"""Every `storectl` line in README.md's and docs/*.md's sh blocks runs against local peers:
the docs cannot rot."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.docs import assert_current
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import LIVE_KEY, TEST_KEY, StripeServer
from testing.tlsproxy import tls_proxy
from tests.conftest import REPO, run, write

#: README.md and the reference pages it links (docs/*.md): every `storectl` line in their sh
#: blocks runs against the local peers.
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def readme_commands() -> list[str]:
    text = "\n".join(page.read_text() for page in PAGES)
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


# --- the tour's samples ---------------------------------------------------------------------

#: The commands README.md's tour shows, with the demo store's output.
TOUR = ("status", "doctor")


def _normalised(text: str, store: Path) -> str:
    """What varies between runs made fixed: the peers' ports (every port the store's env file
    names, by order of appearance there, even where a line wraps inside a URL), the run's time,
    the temporary folder."""
    env = (store / "backend/.env").read_text()
    found = re.findall(r"(?::|_PORT=)(\d{4,5})\b", env)
    ports = {port: str(9000 + i) for i, port in enumerate(dict.fromkeys(found))}
    text = text.replace(str(store.parent), "~")
    for port, fake in ports.items():
        text = re.sub(rf"\b{port}\b", fake, text)
    return re.sub(r"\bin \d+(\.\d+)? s\b", "in 0.4 s", text)


def test_the_tours_samples_are_what_storectl_prints(demo_store: Path) -> None:
    readme = (REPO / "README.md").read_text()
    os.chdir(demo_store)
    env = {"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"], "COLUMNS": "80"}
    for name in TOUR:
        result = run(name, env=env)
        assert result.exit_code == 0, result.stdout + result.stderr
        sample = _normalised(result.stdout, demo_store).rstrip() + "\n"
        block = f"<!-- tour:{name} -->\n```text\n{sample}```\n<!-- /tour:{name} -->"
        pattern = rf"<!-- tour:{name} -->.*?<!-- /tour:{name} -->"
        readme = re.sub(pattern, lambda _m, b=block: b, readme, count=1, flags=re.S)  # type: ignore[misc]
    assert_current(REPO / "README.md", readme)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (outside code blocks)."""
    found, fence = set(), False
    for line in page.read_text().splitlines():
        fence = fence != line.startswith("```")
        if not fence and re.match(r"^#{1,6} ", line):
            title = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            found.add(title.replace(" ", "-"))
    return found


def test_every_link_between_the_pages_leads_somewhere() -> None:
    """README's table of contents and the reference pages link each other: every relative link
    names a file that exists and, with `#`, a heading of it."""
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists() or (anchor and anchor not in _anchors(file)):
                broken.append(f"{page.name}: {target}")
    assert broken == []
