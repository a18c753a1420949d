"""The production profile of the real-backend tier: the same store's backend started with
NODE_ENV=production behind a TLS terminator (https URLs), so the production-only checks run
(session-cookie, https and localhost rules) and their findings are asserted exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from testing.certs import Certs
from testing.real_medusa import WEBHOOK_PATH, RealMedusa, assert_no_trace, production_medusa
from testing.stripe_server import StripeServer
from testing.tlsproxy import tls_proxy
from tests.conftest import Result, run

pytestmark = pytest.mark.real_backend


@pytest.fixture(scope="module")
def production(
    real_backend: RealMedusa, certs: Certs, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealMedusa]:
    def tls(port: int) -> AbstractContextManager[int]:
        return tls_proxy(port, str(certs.cert), str(certs.key))

    root = tmp_path_factory.mktemp(f"production-{real_backend.version}")
    with production_medusa(real_backend, root, tls) as backend:
        yield backend


def doctor(backend: RealMedusa, stripe: StripeServer, certs: Certs) -> Result:
    return run(
        "doctor",
        "--project",
        str(backend.project),
        "--environment",
        "production",
        "--format",
        "json",
        env={"STRIPE_API_BASE": stripe.url, "SSL_CERT_FILE": str(certs.ca)},
    )


def findings(result: Result) -> dict[str, tuple[str, Any]]:
    """Every check that is not ok, by provider:check, with its status and stage."""
    return {
        f"{c['provider']}:{c['check']}": (c["status"], c["stage"])
        for c in result.json()["checks"]
        if c["status"] not in ("ok", "skip")
    }


#: What a production run on this machine must find, and nothing else: a database and a backend
#: on loopback, a TLS terminator that does not send X-Forwarded-Proto (so Medusa sets no
#: session cookie), and product images uploaded through the plain-http development backend.
EXPECTED = {
    "medusa:medusa.database-local": ("warn", "CONFIG"),
    "medusa:session-cookie": ("fail", "CONFIG"),
    "storefront:storefront.backend-url-localhost": ("warn", "CONFIG"),
    "storefront:product-images": ("fail", "CONFIG"),
    # the tier's store has no tax regions (tests/test_real_catalog.py adds them where healthy)
    "catalog:tax-regions": ("warn", "CONFIG"),
}


def test_production_findings_are_exactly_the_expected_ones(
    production: RealMedusa, stripe_server: StripeServer, certs: Certs
) -> None:
    stripe_server.state.seed(production.url + WEBHOOK_PATH)
    mark = production.mark()
    result = doctor(production, stripe_server, certs)
    assert findings(result) == EXPECTED, result.stdout
    assert result.exit_code == 1
    by_name = {c["check"]: c for c in result.json()["checks"]}
    # behind a TLS terminator that does not say https, a production Medusa sets no cookie
    assert "X-Forwarded-Proto" in by_name["session-cookie"]["hint"]
    assert production.url in by_name["storefront.backend-url-localhost"]["summary"]
    assert_no_trace(production, mark)
