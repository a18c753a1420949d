"""Proxies as curl and the SDKs honour them: doctor through a real local forward proxy.

Every HTTP provider (Stripe over TLS, so through CONNECT; S3's API and its public files; the
Medusa backend; the storefront's store API) goes through the proxy named by HTTPS_PROXY /
HTTP_PROXY, with the proxy's credentials sent and never printed; NO_PROXY sends them direct.
The results are the same either way: the proxied requests stay on the bounded transport.
"""

from __future__ import annotations

from typing import Any

import pytest

from storectl.net.proxy import Proxies, mask_credentials
from testing.certs import Certs
from testing.forward_proxy import forward_proxy
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.stripe_server import TEST_KEY, StripeServer
from testing.tlsproxy import tls_proxy
from tests.conftest import Result, run

SHOP = "https://shop.example.com"
USER, PASSWORD = "ci-user", "pr0xy-pa55word"
HTTP_PROVIDERS = "stripe,s3,medusa,storefront"


def _port(url: str) -> str:
    return url.rstrip("/").rsplit(":", 1)[1].split("/")[0]


def store_env(
    stripe: StripeServer, s3: S3Servers, medusa: MedusaServer, stripe_base: str, ca: str
) -> dict[str, str]:
    medusa.state.cors["store"] = SHOP
    medusa.state.cors["auth"] = SHOP
    return {
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe_base,
        "S3_BUCKET": BUCKET,
        "S3_REGION": REGION,
        "S3_ENDPOINT": s3.auth_endpoint,
        "S3_FILE_URL": f"{s3.open_endpoint}/{BUCKET}",
        "S3_ACCESS_KEY_ID": s3.access_key,
        "S3_SECRET_ACCESS_KEY": s3.secret_key,
        "MEDUSA_BACKEND_URL": medusa.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "NEXT_PUBLIC_BASE_URL": SHOP,
        "STORE_CORS": SHOP,
        "AUTH_CORS": SHOP,
        "SSL_CERT_FILE": ca,
    }


def doctor(env: dict[str, str], fmt: str = "json") -> Result:
    return run("doctor", "--only", HTTP_PROVIDERS, "--format", fmt, "--timeout", "10", env=env)


def outcome(result: Result) -> dict[tuple[str, str], tuple[str, Any]]:
    return {(c["provider"], c["check"]): (c["status"], c["stage"]) for c in result.json()["checks"]}


def test_doctor_goes_through_the_proxy_and_no_proxy_bypasses_it(
    stripe_server: StripeServer,
    s3_servers: S3Servers,
    medusa_server: MedusaServer,
    certs: Certs,
) -> None:
    with tls_proxy(int(_port(stripe_server.url)), str(certs.cert), str(certs.key)) as tls:
        stripe_base = f"https://127.0.0.1:{tls}"
        env = store_env(stripe_server, s3_servers, medusa_server, stripe_base, str(certs.ca))
        direct = doctor(env)
        with forward_proxy(auth=(USER, PASSWORD)) as proxy:
            via = f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy.port}"
            proxied_env = {**env, "HTTPS_PROXY": via, "HTTP_PROXY": via}
            proxied = doctor(proxied_env)
            table = doctor(proxied_env, fmt="table")
            asked = set(proxy.asked)
            proxy.asked.clear()
            bypassed = doctor({**proxied_env, "NO_PROXY": "localhost,127.0.0.1"})
            asked_when_bypassed = list(proxy.asked)

    # the same verdicts, check for check, with and without the proxy
    assert direct.json()["checks"], direct.stdout
    assert outcome(proxied) == outcome(direct)
    assert proxied.exit_code == direct.exit_code
    assert outcome(bypassed) == outcome(direct)
    checked = {c["provider"] for c in direct.json()["checks"] if c["status"] == "ok"}
    assert {"stripe", "s3", "medusa", "storefront"} <= checked
    # every HTTP provider's traffic went through the proxy: TLS by CONNECT, plain HTTP absolute
    assert ("CONNECT", f"127.0.0.1:{tls}") in asked  # Stripe
    hosts = {target for _method, target in asked}
    assert f"127.0.0.1:{_port(s3_servers.auth_endpoint)}" in hosts  # S3's API (botocore)
    assert f"127.0.0.1:{_port(s3_servers.open_endpoint)}" in hosts  # S3_FILE_URL's public read
    medusa = f"127.0.0.1:{_port(medusa_server.url)}"
    assert ("GET", medusa) in asked  # the backend, and the storefront's store API on it
    # NO_PROXY: not one request through the proxy
    assert asked_when_bypassed == []
    # the header names the proxy, its credentials masked
    assert f"proxies: HTTPS_PROXY=http://***@127.0.0.1:{proxy.port}" in table.stdout
    assert "NO_PROXY" not in table.stdout
    for output in (proxied.stdout, proxied.stderr, table.stdout, table.stderr):
        assert PASSWORD not in output and USER not in output
    assert proxied.json()["proxies"] == [
        f"HTTPS_PROXY=http://***@127.0.0.1:{proxy.port}",
        f"HTTP_PROXY=http://***@127.0.0.1:{proxy.port}",
    ]


def test_a_proxy_that_refuses_the_credentials_fails_as_a_network_error(
    medusa_server: MedusaServer,
) -> None:
    with forward_proxy(auth=(USER, PASSWORD)) as proxy:
        env = {
            "MEDUSA_BACKEND_URL": medusa_server.url,
            "MEDUSA_ADMIN_API_KEY": API_KEY,
            "HTTP_PROXY": f"http://{USER}:wrong@127.0.0.1:{proxy.port}",
        }
        result = run("doctor", "--only", "medusa", "--format", "json", "--timeout", "5", env=env)
    assert result.exit_code == 1
    assert proxy.asked == []  # refused before it forwarded anything
    assert "wrong" not in result.stdout + result.stderr


P = "http://p.example.com"
X = "http://x.example.com"


@pytest.mark.parametrize(
    ("environ", "url", "expected"),
    [
        ({"HTTPS_PROXY": "p.example.com:3128"}, "https://x.example.com", f"{P}:3128"),
        ({"https_proxy": P, "HTTPS_PROXY": "http://b.example.com"}, "https://x.example.com", P),
        ({"HTTPS_PROXY": P}, X, None),
        ({"ALL_PROXY": "socks5://p.example.com:1080"}, X, "socks5://p.example.com:1080"),
        ({"HTTP_PROXY": P, "NO_PROXY": "example.com"}, X, None),
        ({"HTTP_PROXY": P, "NO_PROXY": ".example.com"}, "http://example.com", None),
        ({"HTTP_PROXY": P, "NO_PROXY": "ample.com"}, "http://example.com", P),
        ({"HTTP_PROXY": P, "NO_PROXY": "*"}, X, None),
        ({"HTTP_PROXY": P, "NO_PROXY": "x.example.com:8080"}, f"{X}:9000", P),
        ({"HTTP_PROXY": P, "NO_PROXY": "x.example.com:8080"}, f"{X}:8080", None),
        ({"HTTP_PROXY": P, "NO_PROXY": "127.0.0.0/8"}, "http://127.0.0.1:80", None),
        ({"HTTP_PROXY": P, "NO_PROXY": "::1"}, "http://[::1]:80", None),
    ],
)
def test_which_proxy_a_url_takes(environ: dict[str, str], url: str, expected: str | None) -> None:
    assert Proxies.from_environ(environ).for_url(url) == expected


def test_a_proxy_url_is_shown_without_its_credentials() -> None:
    assert (
        mask_credentials("http://u:p@proxy.example.com:3128") == "http://***@proxy.example.com:3128"
    )
    assert mask_credentials("proxy.example.com:3128") == "proxy.example.com:3128"
