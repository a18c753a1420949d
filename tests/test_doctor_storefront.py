"""doctor's storefront checks (and the medusa admin-side settings) against the Medusa double:
the publishable key, CORS preflights as a browser sends them, the storefront's backend URL,
product image URLs, the key's sales channel / stock location / shipping, the session cookie."""

from __future__ import annotations

from typing import Any

from testing.certs import Certs
from testing.medusa_server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API_KEY,
    PUBLISHABLE_KEY,
    REVOKED_KEY,
    MedusaHandler,
    MedusaServer,
    MedusaState,
)
from testing.procs import http_server
from testing.tlsproxy import tls_proxy
from tests.conftest import Result, run

SHOP = "https://shop.example.com"


def storefront_env(server: MedusaServer, **extra: str) -> dict[str, str]:
    server.state.cors["store"] = SHOP
    server.state.cors["auth"] = SHOP
    env = {
        "MEDUSA_BACKEND_URL": server.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "NEXT_PUBLIC_BASE_URL": SHOP,
        "STORE_CORS": SHOP,
        "AUTH_CORS": SHOP,
    }
    env.update(extra)
    return env


def doctor(env: dict[str, str], *args: str, only: str = "storefront") -> Result:
    return run("doctor", "--only", only, "--format", "json", "--timeout", "5", *args, env=env)


def live(result: Result) -> dict[str, dict[str, Any]]:
    """The live checks by name (lint findings have dotted codes)."""
    return {c["check"]: c for c in result.json()["checks"] if "." not in c["check"]}


def status(check: dict[str, Any]) -> tuple[str, str | None]:
    return check["status"], check["stage"]


def test_a_healthy_storefront(medusa_server: MedusaServer) -> None:
    result = doctor(storefront_env(medusa_server))
    assert result.exit_code == 0, result.stdout
    checks = live(result)
    assert list(checks) == [
        "health",
        "publishable-key",
        "cors-store",
        "cors-auth-customer",
        "product-images",
        "key-sales-channel",
        "stock-location",
        "shipping-options",
    ]
    assert all(c["status"] == "ok" for c in checks.values()), checks
    assert "2 regions" in checks["publishable-key"]["summary"]
    assert "Default Sales Channel" in checks["key-sales-channel"]["summary"]
    # the preflight was a browser's: OPTIONS with Origin and the requested headers
    preflights = [r for r in medusa_server.state.requests if r[0] == "OPTIONS"]
    assert [p[1] for p in preflights] == ["/store/regions", "/auth/customer/emailpass"]


def test_unknown_and_revoked_keys_are_refused(medusa_server: MedusaServer) -> None:
    for key in ("pk_" + "0" * 64, REVOKED_KEY):
        env = storefront_env(medusa_server, NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=key)
        result = doctor(env)
        assert result.exit_code == 1
        check = live(result)["publishable-key"]
        assert status(check) == ("fail", "AUTH")
        assert "A valid publishable key is required" in check["summary"]
        assert "Publishable API Keys" in check["hint"]


def test_a_space_after_a_comma_blocks_that_origin(medusa_server: MedusaServer) -> None:
    env = storefront_env(medusa_server)
    medusa_server.state.cors["store"] = f"{SHOP}, https://www.example.com"
    ok = live(doctor(env))
    assert ok["cors-store"]["status"] == "ok"
    result = doctor(env, "--storefront-url", "https://www.example.com/some/page")
    assert result.exit_code == 1
    check = live(result)["cors-store"]
    assert status(check) == ("fail", "CONFIG")
    assert "https://www.example.com (--storefront-url)" in check["summary"]
    assert "STORE_CORS" in check["hint"]
    assert live(result)["cors-auth-customer"]["status"] == "fail"


def test_storefront_missing_from_auth_cors(medusa_server: MedusaServer) -> None:
    env = storefront_env(medusa_server)
    medusa_server.state.cors["auth"] = "http://localhost:7001"
    checks = live(doctor(env))
    assert checks["cors-store"]["status"] == "ok"
    assert status(checks["cors-auth-customer"]) == ("fail", "CONFIG")
    assert "AUTH_CORS" in checks["cors-auth-customer"]["hint"]


def test_storefront_url_must_be_a_url(medusa_server: MedusaServer) -> None:
    result = doctor(storefront_env(medusa_server), "--storefront-url", "shop.example.com")
    assert result.exit_code == 2
    assert "--storefront-url" in result.stderr and "Traceback" not in result.stderr


def test_unknown_origin_skips_cors(medusa_server: MedusaServer) -> None:
    env = storefront_env(medusa_server)
    del env["NEXT_PUBLIC_BASE_URL"]
    checks = live(doctor(env))
    assert checks["cors-store"]["status"] == "skip"
    assert "--storefront-url" in checks["cors-store"]["summary"]


def test_key_without_sales_channel(medusa_server: MedusaServer) -> None:
    medusa_server.state.api_keys[0]["sales_channels"] = []
    result = doctor(storefront_env(medusa_server))
    assert result.exit_code == 1
    assert status(live(result)["key-sales-channel"]) == ("fail", "CONFIG")
    assert "no sales channel" in live(result)["key-sales-channel"]["summary"]


def test_sales_channel_without_stock_location(medusa_server: MedusaServer) -> None:
    medusa_server.state.stock_locations[0]["sales_channels"] = []
    checks = live(doctor(storefront_env(medusa_server)))
    assert status(checks["stock-location"]) == ("fail", "CONFIG")
    assert "Default Sales Channel" in checks["stock-location"]["summary"]


def test_region_without_shipping_option(medusa_server: MedusaServer) -> None:
    medusa_server.state.shipping_options[0]["countries"] = ["fr", "de"]
    checks = live(doctor(storefront_env(medusa_server)))
    assert status(checks["shipping-options"]) == ("fail", "CONFIG")
    assert "North America" in checks["shipping-options"]["summary"]
    assert "Europe" not in checks["shipping-options"]["summary"]


def test_no_admin_credentials_skip_the_admin_checks(medusa_server: MedusaServer) -> None:
    env = storefront_env(medusa_server)
    del env["MEDUSA_ADMIN_API_KEY"]
    result = doctor(env)
    assert result.exit_code == 0
    assert live(result)["key-sales-channel"]["status"] == "skip"


def test_localhost_images_in_production(medusa_server: MedusaServer) -> None:
    medusa_server.state.products[0]["thumbnail"] = "http://localhost:9000/static/shirt.png"
    env = storefront_env(medusa_server, NODE_ENV="production")
    check = live(doctor(env))["product-images"]
    assert status(check) == ("fail", "CONFIG")
    assert "http://localhost:9000/static/shirt.png" in check["summary"]
    # in development a localhost image is only a warning
    check = live(doctor(storefront_env(medusa_server)))["product-images"]
    assert status(check) == ("warn", "CONFIG")


def test_same_backend_under_another_name(medusa_server: MedusaServer) -> None:
    other_name = medusa_server.url.replace("127.0.0.1", "localhost")
    env = storefront_env(medusa_server, NEXT_PUBLIC_MEDUSA_BACKEND_URL=other_name)
    checks = live(doctor(env))
    assert checks["same-backend"]["status"] == "ok"
    assert "NEXT_PUBLIC_MEDUSA_BACKEND_URL" in checks["same-backend"]["summary"]


def test_storefront_on_another_backend(medusa_server: MedusaServer) -> None:
    state = MedusaState()
    state.reset(regions=1)
    state.cors = dict(medusa_server.state.cors)
    handler = type("Other", (MedusaHandler,), {"state": state})
    with http_server(handler) as other:
        env = storefront_env(medusa_server, NEXT_PUBLIC_MEDUSA_BACKEND_URL=other)
        state.cors = {"store": SHOP, "auth": SHOP}
        result = doctor(env)
    assert result.exit_code == 1
    check = live(result)["same-backend"]
    assert status(check) == ("fail", "CONFIG")
    assert "different backends" in check["summary"]


def test_backend_url_that_is_not_the_backend(medusa_server: MedusaServer) -> None:
    class Page(MedusaHandler):
        state = medusa_server.state

        def _route(self, method: str, path: str, query: Any, body: Any) -> None:
            self._send(200, "<html>storefront</html>", "text/html")

    with http_server(Page) as page:
        env = storefront_env(medusa_server, NEXT_PUBLIC_MEDUSA_BACKEND_URL=page)
        del env["MEDUSA_BACKEND_URL"]
        result = doctor(env)
    check = live(result)["health"]
    assert status(check) == ("fail", "PROTOCOL")
    assert "NEXT_PUBLIC_MEDUSA_BACKEND_URL" in check["hint"]


def test_the_storefronts_own_file_wins_and_is_named(
    medusa_server: MedusaServer, store: Any
) -> None:
    from tests.conftest import write

    write(store / "backend/.env", f"MEDUSA_BACKEND_URL={medusa_server.url}\n")
    other = medusa_server.url.replace("127.0.0.1", "localhost")
    write(
        store / "storefront/.env.local",
        f"MEDUSA_BACKEND_URL={other}\nNEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY={PUBLISHABLE_KEY}\n"
        f"NEXT_PUBLIC_BASE_URL={SHOP}\n",
    )
    env = storefront_env(medusa_server)
    for name in (
        "MEDUSA_BACKEND_URL",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY",
        "NEXT_PUBLIC_BASE_URL",
    ):
        del env[name]
    result = run("doctor", "--project", str(store), "--only", "storefront", "-f", "json", env=env)
    data = result.json()
    lint = {c["check"]: c for c in data["checks"] if "." in c["check"]}
    assert "storefront.backend-url-mismatch" in lint
    assert lint["storefront.backend-url-mismatch"]["target"] == "storefront/.env.local:1"
    checks = live(result)
    assert checks["health"]["target"] == other
    assert checks["same-backend"]["status"] == "ok"


# --- medusa: the admin's side -------------------------------------------------------------------


def admin_env(server: MedusaServer, url: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "MEDUSA_BACKEND_URL": url or server.url,
        "MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL,
        "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "JWT_SECRET": "j" * 40,
        "COOKIE_SECRET": "c" * 40,
        **extra,
    }


def test_admin_hosted_elsewhere_needs_auth_cors(medusa_server: MedusaServer) -> None:
    env = admin_env(medusa_server)
    result = doctor(env, "--admin-url", "https://admin.example.com", only="medusa")
    checks = live(result)
    assert status(checks["cors-auth-admin"]) == ("fail", "CONFIG")
    assert "AUTH_CORS" in checks["cors-auth-admin"]["hint"]
    medusa_server.state.cors["auth"] = "https://admin.example.com"
    medusa_server.state.cors["admin"] = "/^https:\\/\\/admin\\.example\\.com$/"
    checks = live(doctor(env, "--admin-url", "https://admin.example.com", only="medusa"))
    assert checks["cors-auth-admin"]["status"] == "ok"
    assert checks["cors-admin"]["status"] == "ok"


def test_admin_on_the_backend_itself_is_only_noted(medusa_server: MedusaServer) -> None:
    result = doctor(admin_env(medusa_server), only="medusa")
    assert result.exit_code == 0
    assert live(result)["cors-auth-admin"]["status"] == "skip"


def test_http_backend_in_production_loses_the_session_cookie(medusa_server: MedusaServer) -> None:
    result = doctor(admin_env(medusa_server, NODE_ENV="production"), only="medusa")
    check = live(result)["session-cookie"]
    assert status(check) == ("fail", "CONFIG")
    assert "loops on 401" in check["summary"]


def test_session_cookie_over_https(medusa_server: MedusaServer, certs: Certs) -> None:
    port = int(medusa_server.url.rsplit(":", 1)[1])
    with tls_proxy(port, str(certs.cert), str(certs.key)) as tls_port:
        url = f"https://127.0.0.1:{tls_port}"
        env = admin_env(medusa_server, url, NODE_ENV="production", SSL_CERT_FILE=str(certs.ca))
        not_secure = live(doctor(env, only="medusa"))["session-cookie"]
        medusa_server.state.production = True
        medusa_server.state.forwarded_proto = "https"  # a proxy that says so
        secure = live(doctor(env, only="medusa"))["session-cookie"]
    assert status(not_secure) == ("fail", "CONFIG")
    assert "NODE_ENV=production" in not_secure["hint"]
    assert secure["status"] == "ok"


def test_the_double_refuses_without_trimming(medusa_server: MedusaServer) -> None:
    """The double's CORS follows Medusa's parser: ' b' never matches b."""
    import httpx

    medusa_server.state.cors["store"] = "https://a.example.com, https://b.example.com"
    for origin, allowed in (("https://a.example.com", True), ("https://b.example.com", False)):
        answer = httpx.options(
            medusa_server.url + "/store/regions",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert answer.status_code == 204
        assert ("access-control-allow-origin" in answer.headers) is allowed
        # the cors package sends these whatever the origin: only Allow-Origin tells
        assert answer.headers["access-control-allow-credentials"] == "true"
        assert "GET" in answer.headers["access-control-allow-methods"]


def test_session_cookie_needs_x_forwarded_proto(medusa_server: MedusaServer, certs: Certs) -> None:
    """express-session sets a Secure cookie only on a request it sees as https: a proxy that
    terminates TLS without X-Forwarded-Proto: https leaves the admin without a session."""
    port = int(medusa_server.url.rsplit(":", 1)[1])
    medusa_server.state.production = True
    with tls_proxy(port, str(certs.cert), str(certs.key)) as tls_port:
        url = f"https://127.0.0.1:{tls_port}"
        env = admin_env(medusa_server, url, NODE_ENV="production", SSL_CERT_FILE=str(certs.ca))
        result = doctor(env, only="medusa")
        bare = live(result)["session-cookie"]
        medusa_server.state.forwarded_proto = "https"
        forwarded = live(doctor(env, only="medusa"))["session-cookie"]
    assert result.exit_code == 1
    assert status(bare) == ("fail", "CONFIG")
    assert "set no cookie" in bare["summary"]
    assert "X-Forwarded-Proto: https" in bare["hint"]
    assert forwarded["status"] == "ok"


def test_a_key_revoked_later_still_works(medusa_server: MedusaServer) -> None:
    """Medusa refuses a key once revoked_at <= now; one scheduled ahead (revoke_in) works."""
    medusa_server.state.api_keys[0]["revoked_at"] = "2099-01-01T00:00:00.000Z"
    result = doctor(storefront_env(medusa_server))
    checks = live(result)
    assert result.exit_code == 0, result.stdout
    assert checks["publishable-key"]["status"] == "ok"
    assert status(checks["key-sales-channel"]) == ("warn", "AUTH")
    assert "2099-01-01" in checks["key-sales-channel"]["summary"]
    assert checks["shipping-options"]["status"] == "ok"


def test_the_double_rejects_unknown_query_params(medusa_server: MedusaServer) -> None:
    """Medusa validates list queries .strict(): an unknown parameter is a 400, never ignored,
    so a filter storectl invented would fail here as it fails on a real backend."""
    import httpx

    store = {"x-publishable-api-key": PUBLISHABLE_KEY}
    admin = httpx.BasicAuth(API_KEY, "")
    for path, headers, auth in (
        ("/store/regions", store, None),
        ("/store/products", store, None),
        ("/admin/api-keys", {}, admin),
        ("/admin/stock-locations", {}, admin),
        ("/admin/shipping-options", {}, admin),
    ):
        answer = httpx.get(
            medusa_server.url + path,
            params={"limit": 1, "region": "x", "bogus": "1"},
            headers=headers,
            auth=auth,
        )
        assert answer.status_code == 400, path
        assert answer.json() == {
            "type": "invalid_data",
            "message": "Invalid request: Unrecognized fields: 'region, bogus'",
        }
    wrong_type = httpx.get(
        medusa_server.url + "/admin/api-keys", params={"type": "public"}, auth=admin
    )
    assert wrong_type.status_code == 400
    assert "Expected: 'publishable, secret' for field 'type'" in wrong_type.json()["message"]
    # the filters storectl sends are the schemas' own
    channel = httpx.get(
        medusa_server.url + "/admin/stock-locations",
        params={"sales_channel_id": "sc_nope", "fields": "id,name"},
        auth=admin,
    )
    assert channel.status_code == 200 and channel.json()["stock_locations"] == []


def test_api_keys_list_their_sales_channels_by_default(medusa_server: MedusaServer) -> None:
    """sales_channels.id and .name are default fields of GET /admin/api-keys; a `fields`
    list without a prefix replaces the defaults."""
    import httpx

    admin = httpx.BasicAuth(API_KEY, "")
    url = medusa_server.url + "/admin/api-keys"
    plain = httpx.get(url, params={"type": "publishable"}, auth=admin).json()["api_keys"][0]
    narrow = httpx.get(url, params={"fields": "id,token"}, auth=admin).json()["api_keys"][0]
    assert plain["sales_channels"] == [{"id": "sc_01DEFAULT", "name": "Default Sales Channel"}]
    assert "sales_channels" not in narrow


def test_no_product_images_is_a_skip(medusa_server: MedusaServer) -> None:
    """Issue 21 C: nothing was proven, so not a pass."""
    for product in medusa_server.state.products:
        product["thumbnail"] = None
        product["images"] = []
    check = live(doctor(storefront_env(medusa_server)))["product-images"]
    assert (check["status"], check["summary"]) == (
        "skip",
        "no product images to check: the store lists none",
    )


def test_a_preflight_refused_while_the_file_allows_it_says_redeploy(
    medusa_server: MedusaServer,
) -> None:
    """Issue 21 B: the file already allows the origin; the running backend differs."""
    env = storefront_env(medusa_server)  # STORE_CORS in the env allows SHOP
    medusa_server.state.cors["store"] = "http://localhost:8000"  # what the backend runs with
    check = live(doctor(env))["cors-store"]
    assert status(check) == ("fail", "CONFIG")
    assert "STORE_CORS (environment) allows it, the running backend does not" in check["summary"]
    assert check["hint"].startswith("the file allows it; the running backend does not: redeploy")
    assert check["fix_kind"] == "deploy"
    # the file does not allow it either: the env edit
    env["STORE_CORS"] = "http://localhost:8000"
    check = live(doctor(env))["cors-store"]
    assert "neither STORE_CORS nor the running backend allows it" in check["summary"]
    assert (check["fix_kind"], check["hint"].split(" ")[0]) == ("env", "add")
