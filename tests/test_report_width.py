"""Reports read at a glance and fit the terminal (issue 21 A and E): real reports, rendered
through the CLI against the local peers at 60, 80 and 160 columns, single-store and fleet; no
line is wider than COLUMNS (display width), and doctor reads in the manner of flutter doctor."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from testing.certs import Certs
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import run, write

SHOP = "http://localhost:8000"
HOOK = "/hooks/payment/stripe_stripe"
WIDTHS = (60, 80, 160)


def _backend(
    redis: RedisServers, smtp: SmtpServers, s3: S3Servers, stripe: StripeServer, medusa: str
) -> str:
    return (
        f"STRIPE_API_KEY={TEST_KEY}\nSTRIPE_API_BASE={stripe.url}\n"
        f"STRIPE_WEBHOOK_SECRET=whsec_width000000000\nSTRIPE_WEBHOOK_PATH={HOOK}\n"
        f"S3_BUCKET={BUCKET}\nS3_REGION={REGION}\nS3_ENDPOINT={s3.open_endpoint}\n"
        f"S3_FILE_URL={s3.open_endpoint}/{BUCKET}\nS3_ACCESS_KEY_ID=AKIAOPEN\n"
        "S3_SECRET_ACCESS_KEY=open-secret\n"
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={smtp.starttls}\nSMTP_USER={USER}\n"
        f"SMTP_PASS={PASSWORD}\nSMTP_FROM=Shop <orders@example.com>\n"
        f"REDIS_URL={redis.url()}\nMEDUSA_BACKEND_URL={medusa}\nMEDUSA_ADMIN_API_KEY={API_KEY}\n"
        f"JWT_SECRET=width-jwt-0123456789abcdef\nCOOKIE_SECRET=width-cookie-0123456789abcdef\n"
        f"STORE_CORS={SHOP}\nAUTH_CORS={SHOP}\nADMIN_CORS={SHOP}\n"
    )


@pytest.fixture
def stores(
    tmp_path: Path,
    certs: Certs,
    redis_servers: RedisServers,
    smtp_servers: SmtpServers,
    s3_servers: S3Servers,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Path, Path]]:
    """A healthy store (every provider on a local peer) and a broken twin: a missing bucket, a
    storefront origin the backend does not allow, a value far longer than any terminal."""
    stripe_server.state.seed(medusa_server.url + HOOK)
    medusa_server.state.cors.update(store=SHOP, auth=SHOP)
    for region in medusa_server.state.regions:
        region["payment_providers"].append("pp_stripe_stripe")
    medusa_server.state.store_in_s3(
        s3_servers.open_endpoint,
        BUCKET,
        f"{s3_servers.open_endpoint}/{BUCKET}",
        aws_access_key_id="AKIAOPEN",
        aws_secret_access_key="open-secret",
    )
    backend = _backend(redis_servers, smtp_servers, s3_servers, stripe_server, medusa_server.url)
    front = (
        f"NEXT_PUBLIC_STRIPE_KEY=pk_test_width\nMEDUSA_BACKEND_URL={medusa_server.url}\n"
        f"NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY={PUBLISHABLE_KEY}\n"
    )
    good, broken = tmp_path / "good", tmp_path / "broken"
    write(good / "backend/.env", backend)
    write(good / "storefront/.env.local", front + f"NEXT_PUBLIC_BASE_URL={SHOP}\n")
    long_value = "https://assets.example.com/" + "x" * 180
    write(
        broken / "backend/.env",
        backend.replace(f"S3_BUCKET={BUCKET}", "S3_BUCKET=nope") + f"ASSET_URL={long_value}\n",
    )
    write(
        broken / "storefront/.env.local", front + "NEXT_PUBLIC_BASE_URL=http://shop.example.com\n"
    )
    write(
        tmp_path / "storectl.toml",
        '[[store]]\nname = "good"\nproject = "good"\n\n[[store]]\nname = "broken"\n'
        'project = "broken"\n',
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca))
    monkeypatch.chdir(tmp_path)
    yield good, broken


def _run(columns: int, *args: str) -> str:
    result = run(*args, env={"COLUMNS": str(columns), "SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]})
    assert "Traceback" not in result.stderr and result.exit_code in (0, 1), result.stderr
    return result.stdout


def _assert_fits(text: str, columns: int) -> None:
    wide = [line for line in text.splitlines() if cell_len(line) > columns]
    assert not wide, f"{len(wide)} line(s) wider than {columns} columns:\n" + "\n".join(wide)


#: Every report, "GOOD"/"ONE" standing for the healthy and the broken store's --project, "FLEET"
#: for the fleet file naming both.
REPORTS = (
    ("doctor", "GOOD"),
    ("doctor", "ONE"),
    ("doctor", "ONE", "-v"),
    ("doctor", "ONE", "-q"),
    ("doctor", "FLEET"),
    ("doctor", "FLEET", "-v"),
    ("doctor", "--list-checks"),
    ("status", "ONE"),
    ("status", "FLEET", "-v"),
    ("env", "ONE"),
    ("env", "ONE", "--all"),
    ("env", "ONE", "--storefront"),
    ("regions", "list", "FLEET", "-v"),
    ("webhooks", "list", "ONE"),
)


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("report", REPORTS, ids=" ".join)
def test_every_report_fits_the_terminal(
    stores: tuple[Path, Path], columns: int, report: tuple[str, ...]
) -> None:
    good, broken = stores
    words = {
        "GOOD": ("--project", str(good)),
        "ONE": ("--project", str(broken)),
        "FLEET": ("--fleet", "storectl.toml"),
    }
    args = [part for word in report for part in words.get(word, (word,))]
    _assert_fits(_run(columns, *args), columns)


def test_doctor_reads_at_a_glance(stores: tuple[Path, Path], medusa_server: MedusaServer) -> None:
    good, broken = stores
    healthy = _run(80, "doctor", "--project", str(good))
    verdicts = [line for line in healthy.splitlines() if re.match(r"^[✓✗!–] ", line)]
    assert [line.split(" · ")[0] for line in verdicts] == [
        "✓ Stripe payments",
        "✓ S3 file storage",
        "✓ SMTP mail",
        "✓ Redis",
        "✓ Medusa backend",
        "✓ Storefront",
        "✓ Catalogue",
        "✓ Background work",
    ]
    assert len(healthy.splitlines()) <= 14  # the verdicts, a header and the summary: no rows
    # the target once per provider (the backend's and the storefront's), not on every row
    assert healthy.count(medusa_server.url) == 2
    report = _run(80, "doctor", "--project", str(broken))
    assert "\n✗ S3 file storage · nope · 1 of 2 checks failed\n  ✗ bucket  NOT_FOUND\n" in report
    assert "\n    bucket nope does not exist\n    → fix: check S3_BUCKET" in report
    assert "✓ health" not in report and "✓ Redis · " in report  # only what is not ok
    verbose = _run(80, "doctor", "--project", str(broken), "-v")
    assert "\n  ✓ health  " in verbose  # every ok check with -v


def test_the_fix_is_not_dim(stores: tuple[Path, Path]) -> None:
    _, broken = stores
    text = _run(80, "--color", "always", "doctor", "--project", str(broken))
    fixes = [line for line in text.splitlines() if "→ fix:" in line]
    assert fixes and all("\x1b[2m" not in line for line in fixes)
    assert all(line.startswith("    \x1b[36m→ fix:\x1b[0m ") for line in fixes)


def test_fleet_lists_each_store_s_providers_that_are_not_ok(stores: tuple[Path, Path]) -> None:
    text = _run(80, "doctor", "--fleet", "storectl.toml")
    assert re.search(r"^✓ good \(development\) · \d+ checks, 0 failed", text, re.M)
    assert re.search(r"^✗ broken \(development\) · \d+ checks, \d+ failed", text, re.M)
    assert "\n  ✗ S3 file storage · nope · 1 of 2 checks failed\n    ✗ bucket  NOT_FOUND\n" in text
    assert "✓ Redis" not in text  # a provider with nothing to say is not listed under a store


def test_env_shows_the_store_and_what_overrides_it(stores: tuple[Path, Path]) -> None:
    _, broken = stores
    shell = {"SMTP_PORT": "2525", "OLDPWD": "/somewhere", "TERM": "xterm", "HTTPS_PROXY": ""}
    env = {"COLUMNS": "80", **shell}
    listed = run("env", "--project", str(broken), env=env).stdout
    names = {line.split()[0] for line in listed.splitlines()[1:] if line.startswith("  ")}
    assert {"SMTP_PORT", "ASSET_URL", "STRIPE_API_KEY", "HTTPS_PROXY"} <= names
    assert not names & {"OLDPWD", "TERM", "PATH", "HOME"}
    smtp = next(line for line in listed.splitlines() if line.startswith("  SMTP_PORT "))
    assert smtp.split()[1:] == ["environment", "2525"]  # the shell overrides the file
    assert "--all lists them" in listed
    every = run("env", "--project", str(broken), "--all", env=env).stdout
    assert {"OLDPWD", "TERM", "PATH"} <= {line.split()[0] for line in every.splitlines()[1:]}
