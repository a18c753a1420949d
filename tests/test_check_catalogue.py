"""`doctor --list-checks` against what doctor really reports: full runs of every provider on the
local peers (development and production) report only declared checks, and every declared check
is reported by some run (issue 19: nine checks ran without being listed)."""

from __future__ import annotations

from typing import Any

import pytest

from storectl.doctor import runner
from storectl.model import Check, Status
from storectl.providers.base import ProbeCheck, ProbeOptions, Provider
from testing.certs import Certs
from testing.medusa_server import ADMIN_EMAIL, ADMIN_PASSWORD, PUBLISHABLE_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import run

#: The checks doctor itself adds around the probes (not a provider's declaration).
RUNNER_CHECKS = {"active", "probe", "live", "required"}
HOOK = "/hooks/payment/stripe_stripe"


def full_env(
    certs: Certs,
    redis: RedisServers,
    smtp: SmtpServers,
    s3: S3Servers,
    stripe: StripeServer,
    medusa: MedusaServer,
) -> dict[str, str]:
    """Every provider active, each on its local peer (the backend logs in by email, so the
    session cookie can be checked too)."""
    stripe.state.seed(f"{medusa.url}{HOOK}")
    return {
        "SSL_CERT_FILE": str(certs.ca),
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_WEBHOOK_PATH": HOOK,
        "STRIPE_WEBHOOK_SECRET": "whsec_CNRYwebhooksecret00000001",
        "NEXT_PUBLIC_STRIPE_KEY": "pk_test_catalogue",
        "S3_BUCKET": BUCKET,
        "S3_REGION": REGION,
        "S3_ENDPOINT": s3.open_endpoint,
        "S3_FILE_URL": f"{s3.open_endpoint}/{BUCKET}",
        "S3_ACCESS_KEY_ID": "AKIAOPEN",
        "S3_SECRET_ACCESS_KEY": "open-secret",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.plain),
        "SMTP_SECURE": "false",
        "SMTP_FROM": "Shop <orders@example.com>",
        "REDIS_URL": f"redis://127.0.0.1:{redis.lru_port}",
        "CACHE_REDIS_URL": f"redis://127.0.0.1:{redis.lru_port}/1",
        "MEDUSA_BACKEND_URL": medusa.url,
        "MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL,
        "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "NEXT_PUBLIC_MEDUSA_BACKEND_URL": medusa.url,
    }


def reported(data: dict[str, Any]) -> set[tuple[str, str]]:
    """(provider, check) of every live check in a doctor JSON report (lint findings, whose
    names hold a dot, and the runner's own rows aside)."""
    return {
        (c["provider"], c["check"])
        for c in data["checks"]
        if "." not in c["check"] and c["check"] not in RUNNER_CHECKS
    }


#: Declared checks no run here reaches, and the test that does reach them.
UNREACHED = {
    ("stripe", "charges"): "a live account with charges_enabled false "
    "(tests/test_doctor_stripe.py::test_live_account_without_charges)",
}


def test_full_runs_report_exactly_the_catalogue(
    certs: Certs,
    redis_servers: RedisServers,
    smtp_servers: SmtpServers,
    s3_servers: S3Servers,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
) -> None:
    from testing.http_double import serve
    from testing.medusa_server import MedusaHandler

    env = full_env(certs, redis_servers, smtp_servers, s3_servers, stripe_server, medusa_server)
    catalogue = run("doctor", "--list-checks", "-f", "json").json()["checks"]
    listed = {(r["provider"], r["check"]) for r in catalogue}
    origin = ("--storefront-url", "http://localhost:8000")
    # the same backend at a second address: the storefront's URL differs from the backend's own
    with serve(MedusaHandler, medusa_server.state) as twin:
        runs = [
            (["--environment", "development", *origin], env),
            (["--environment", "production"], {**env, "NEXT_PUBLIC_MEDUSA_BACKEND_URL": twin}),
            (["--only", "storefront"], {"NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY}),
        ]
        seen: set[tuple[str, str]] = set()
        for args, run_env in runs:
            result = run("doctor", *args, "-f", "json", "--timeout", "10", env=run_env)
            data = result.json()
            undeclared = [c for c in data["checks"] if "does not declare" in c["summary"]]
            assert undeclared == [], undeclared
            seen |= reported(data)
    assert seen <= listed, seen - listed
    assert listed - seen == set(UNREACHED), f"declared, never reported: {listed - seen}"


def test_list_checks_says_which_checks_write_or_send() -> None:
    rows = {
        f"{r['provider']}.{r['check']}": r
        for r in run("doctor", "--list-checks", "-f", "json").json()["checks"]
    }
    writes = {name for name, r in rows.items() if r["writes"]}
    assert writes == {
        "s3.write",
        "s3.cleanup",
        "redis.lock",
        "redis.cache",
        "medusa.files-loaded",
        "medusa.session-cookie",
    }
    sends = {name for name, r in rows.items() if r["sends"] and not r["writes"]}
    assert sends == {
        "smtp.sender",
        "medusa.admin-auth",
        "medusa.cors-admin",
        "medusa.cors-auth-admin",
        "medusa.webhook-route",
        "storefront.cors-store",
        "storefront.cors-auth-customer",
    }
    assert "OPTIONS" in rows["medusa.webhook-route"]["sends"]
    table = run("doctor", "--list-checks", "--only", "medusa").stdout
    route = next(line for line in table.splitlines() if " webhook-route " in line)
    assert route.split()[1] == "sends"


def _reports(name: str) -> Provider:
    def probe(_env: object, _options: ProbeOptions) -> list[Check]:
        return [Check("toy", name, Status.OK, "fine")]

    return Provider(
        name="toy",
        title="Toy",
        activation="TOY_URL",
        env_vars=(),
        modules=(),
        fallback="none",
        lint=lambda _env: (),
        probe=probe,
        checks=(ProbeCheck("declared", "a declared check"),),
    )


@pytest.mark.parametrize(("name", "status"), [("declared", "ok"), ("undeclared", "error")])
def test_an_undeclared_check_is_an_error(name: str, status: str) -> None:
    """A probe reporting a name its provider does not declare is a bug, shown as one."""
    from storectl.env import load

    env = load(env_files=(), process_env={"TOY_URL": "x"}, project=None)
    report = runner.build(env, [_reports(name)], ProbeOptions(timeout=2), strict=False)
    (check,) = [c for c in report.checks if c.provider == "toy"]
    assert (check.check, check.status.value) == (name, status)
    assert report.ok is (status == "ok")
