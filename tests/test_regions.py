"""`storectl regions`: list, enable-stripe and disable-stripe against the Medusa double."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.medusa_server import ADMIN_PASSWORD, API_KEY, MedusaServer
from testing.stores import regions_store as make_store
from testing.tcp import tcp_peer
from tests.conftest import Result, run, write

STRIPE = "pp_stripe_stripe"


def regions(store: Path, *args: str) -> Result:
    return run("regions", *args, "--project", str(store))


def test_list_asks_for_payment_providers(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    medusa_server.state.region("Europe")["payment_providers"].append(STRIPE)
    result = regions(store, "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    listed = {r["name"]: r for r in result.json()["regions"]}
    assert listed["Europe"] == {
        "id": "reg_01M8AXNKWBHW5C36H2WC1H72HF",
        "name": "Europe",
        "currency_code": "eur",
        "countries": ["fr", "de"],
        "payment_providers": ["pp_system_default", STRIPE],
        "stripe": True,
    }
    assert listed["North America"]["stripe"] is False
    table = regions(store, "list").stdout
    assert "Stripe enabled in 1 of 2 regions" in table


def test_list_paginates_past_50(store: Path, medusa_server: MedusaServer) -> None:
    medusa_server.state.reset(regions=120)
    make_store(store, medusa_server)
    assert len(regions(store, "list", "--format", "json").json()["regions"]) == 120
    pages = [
        q for m, p, q, _ in medusa_server.state.requests if p == "/admin/regions" and "offset" in q
    ]
    assert [q["offset"] for q in pages] == [["0"], ["50"], ["100"]]
    assert all("*payment_providers" in q["fields"][0] for q in pages)


@pytest.mark.parametrize("auth", ["key", "password"])
def test_enable_costs_exactly_what_it_should(
    store: Path, medusa_server: MedusaServer, auth: str
) -> None:
    make_store(store, medusa_server, auth)
    medusa_server.state.region("Europe")["payment_providers"].append("pp_other_x")
    medusa_server.state.providers.append("pp_other_x")
    result = regions(store, "enable-stripe", "--all", "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert changes["Europe"]["before"] == ["pp_system_default", "pp_other_x"]
    assert changes["Europe"]["after"] == ["pp_system_default", "pp_other_x", STRIPE]
    assert all(c["done"] for c in changes.values())
    state = medusa_server.state
    assert state.region("Europe")["payment_providers"] == [
        "pp_system_default",
        "pp_other_x",
        STRIPE,
    ]
    auth_calls = state.count("POST", "/auth/") if auth == "password" else 1
    assert auth_calls == 1
    assert state.count("GET", "/admin/payments/payment-providers") == 1
    listing = [q for m, p, q, _ in state.requests if p == "/admin/regions" and "offset" in q]
    assert len(listing) == 1  # one page for two regions
    assert state.count("POST", "/admin/regions/") == 2  # one update per region that changes
    total = len(state.requests)
    assert total == 1 + 1 + 1 + 2  # auth + providers + one page + two updates

    # a second run changes nothing and writes nothing
    again = regions(store, "enable-stripe", "--all", "--yes", "--format", "json")
    assert again.exit_code == 0
    assert not any(c["changed"] for c in again.json()["changes"])
    assert state.count("POST", "/admin/regions/") == 2


def test_enable_by_name_and_id(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    result = regions(
        store,
        "enable-stripe",
        "--region",
        "europe",
        "--region",
        "reg_01M8AXNKWBHW5C36H2WC1H72HF",
        "--yes",
    )
    assert result.exit_code == 0
    assert STRIPE in medusa_server.state.region("Europe")["payment_providers"]
    assert STRIPE not in medusa_server.state.region("North America")["payment_providers"]
    assert medusa_server.state.count("POST", "/admin/regions/") == 1


def test_unknown_region_lists_the_known_ones(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    result = regions(store, "enable-stripe", "--region", "Mars", "--yes")
    assert result.exit_code == 1
    assert "no region named Mars" in result.stderr
    assert "Europe (reg_01M8AXNKWBHW5C36H2WC1H72HF)" in result.stderr
    assert medusa_server.state.count("POST", "/admin/regions/") == 0


def test_selection_is_required(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    result = regions(store, "enable-stripe")
    assert result.exit_code == 2
    assert "--region" in result.stderr


def test_backend_without_stripe_provider(store: Path, medusa_server: MedusaServer) -> None:
    medusa_server.state.providers = ["pp_system_default"]
    make_store(store, medusa_server)
    result = regions(store, "enable-stripe", "--all", "--yes")
    assert result.exit_code == 1
    assert "Stripe is not registered there" in result.stderr
    assert "STRIPE_API_KEY" in result.stderr
    assert medusa_server.state.count("POST", "/admin/regions/") == 0


def test_warns_without_a_local_stripe_key(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server, stripe=False)
    result = regions(store, "enable-stripe", "--all", "--dry-run")
    assert result.exit_code == 0
    assert "note: STRIPE_API_KEY is not set here" in result.stderr


def test_dry_run_and_missing_yes_write_nothing(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    dry = regions(store, "enable-stripe", "--all", "--dry-run")
    assert dry.exit_code == 0
    assert (
        "would change" in dry.stdout and "after:  pp_system_default, pp_stripe_stripe" in dry.stdout
    )
    unconfirmed = regions(store, "enable-stripe", "--all")
    assert unconfirmed.exit_code == 2
    assert "--yes" in unconfirmed.stderr
    assert medusa_server.state.count("POST", "/admin/regions/") == 0


def test_disable_removes_only_stripe(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    europe = medusa_server.state.region("Europe")
    europe["payment_providers"] = ["pp_system_default", STRIPE, "pp_stripe-ideal_stripe"]
    result = regions(store, "disable-stripe", "--region", "Europe", "--yes")
    assert result.exit_code == 0, result.stderr
    assert europe["payment_providers"] == ["pp_system_default"]


def test_disable_refuses_to_empty_a_region(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server)
    europe = medusa_server.state.region("Europe")
    europe["payment_providers"] = [STRIPE]
    refused = regions(store, "disable-stripe", "--region", "Europe", "--yes")
    assert refused.exit_code == 1
    assert "no payment provider" in refused.stderr
    assert europe["payment_providers"] == [STRIPE]
    forced = regions(store, "disable-stripe", "--region", "Europe", "--yes", "--force")
    assert forced.exit_code == 0
    assert europe["payment_providers"] == []


@pytest.mark.parametrize(
    ("fault", "stage_words"),
    [
        (
            (
                "GET",
                "/admin/regions",
                500,
                '{"type":"unknown_error","message":"boom"}',
                "application/json",
            ),
            "failed with 500: boom",
        ),
        (("GET", "/admin/regions", 200, "<html>proxy page</html>", "text/html"), "not JSON"),
        (("GET", "/admin/regions", 200, '{"regions": [', "application/json"), "not JSON"),
        (
            ("GET", "/admin/regions", 401, '{"message":"Unauthorized"}', "application/json"),
            "refused the admin credentials",
        ),
    ],
    ids=["500", "html", "truncated-json", "401"],
)
def test_backend_faults_are_classified(
    store: Path,
    medusa_server: MedusaServer,
    fault: tuple[str, str, int, str, str],
    stage_words: str,
) -> None:
    make_store(store, medusa_server)
    medusa_server.state.faults.append(fault)
    result = regions(store, "list")
    assert result.exit_code == 1
    assert stage_words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("hint: ") == 1


def test_wrong_password(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server, auth="password")
    env = store / "backend/.env"
    env.write_text(env.read_text().replace(ADMIN_PASSWORD, "wrong-password"))
    result = regions(store, "list")
    assert result.exit_code == 1
    assert "Invalid email or password" in result.stderr
    assert "wrong-password" not in result.stderr


def test_html_404_for_a_wrong_base_url(store: Path, medusa_server: MedusaServer) -> None:
    write(
        store / "backend/.env",
        f"MEDUSA_BACKEND_URL={medusa_server.url}/api\nMEDUSA_ADMIN_API_KEY={API_KEY}\n",
    )
    result = regions(store, "list")
    assert result.exit_code == 1
    assert "no such route" in result.stderr


def test_unreachable_backend(store: Path, medusa_server: MedusaServer) -> None:
    with tcp_peer("close") as port:
        pass
    write(
        store / "backend/.env",
        f"MEDUSA_BACKEND_URL=http://127.0.0.1:{port}\nMEDUSA_ADMIN_API_KEY={API_KEY}\n",
    )
    result = regions(store, "list")
    assert result.exit_code == 1
    assert "connection refused" in result.stderr


def test_no_credentials(store: Path, medusa_server: MedusaServer) -> None:
    make_store(store, medusa_server, auth="none")
    result = regions(store, "list")
    assert result.exit_code == 2
    assert "MEDUSA_ADMIN_API_KEY" in result.stderr
