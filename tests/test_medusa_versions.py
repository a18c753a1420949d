"""The Medusa releases stores run (issue 19): the backend's version read from the project, a
warning outside the tested 2.8.x-2.21.x, and what 2.8.8 does differently, each through the CLI
against the Medusa double playing that release (`MedusaState.as_version("2.8")`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.medusa_server import API_KEY, MedusaServer
from testing.smtp_server import SmtpServers
from testing.stores import EXAMPLE_ID, smtp_env
from tests.conftest import run, write

SECRET = "whsec_CNRYwebhooksecret00000001"
HOOK = "/hooks/payment/stripe_stripe"


def backend_pins(root: Path, version: str, *, installed: str | None = None) -> None:
    """A backend folder whose package.json asks for `version` (and, optionally, which
    release node_modules holds)."""
    deps = {"@medusajs/medusa": version, "@medusajs/framework": version}
    write(root / "backend/package.json", json.dumps({"dependencies": deps}))
    if installed is not None:
        write(
            root / "backend/node_modules/@medusajs/medusa/package.json",
            json.dumps({"name": "@medusajs/medusa", "version": installed}),
        )


def version_findings(tmp_path: Path) -> list[dict[str, str]]:
    result = run("status", "--format", "json", env={"MEDUSA_BACKEND_URL": "http://127.0.0.1:9"})
    assert result.exit_code in (0, 1), result.stderr
    return [f for f in result.json()["findings"] if f["code"].startswith("medusa.version")]


# --- detection and the tested range -------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.8.8", "2.21.2", "^2.8.0", "~2.13.1"])
def test_a_tested_release_gets_no_finding(tmp_path: Path, version: str) -> None:
    backend_pins(tmp_path, version)
    assert version_findings(tmp_path) == []


@pytest.mark.parametrize("version", ["2.7.1", "^2.22.0", "3.0.0", "1.20.6"])
def test_an_untested_release_warns(tmp_path: Path, version: str) -> None:
    backend_pins(tmp_path, version)
    (found,) = version_findings(tmp_path)
    assert (found["code"], found["severity"]) == ("medusa.version-untested", "warning")
    assert "tested against 2.8.x to 2.21.x" in found["message"]
    assert found["source"] == "backend/package.json (@medusajs/medusa)"
    assert ("Medusa v1" in found["message"]) is version.startswith("1.")


def test_the_installed_release_beats_the_range(tmp_path: Path) -> None:
    backend_pins(tmp_path, "^2.0.0", installed="2.21.2")
    assert version_findings(tmp_path) == []
    backend_pins(tmp_path, "^2.8.0", installed="2.5.0")
    (found,) = version_findings(tmp_path)
    assert "Medusa is 2.5.0;" in found["message"]
    assert found["source"] == "backend/node_modules/@medusajs/medusa/package.json"


def test_an_unreadable_version_is_only_noted(tmp_path: Path) -> None:
    backend_pins(tmp_path, "latest")
    (found,) = version_findings(tmp_path)
    assert (found["code"], found["severity"]) == ("medusa.version-unknown", "info")


# --- 2.8.8: order items without quantity on the detail route ------------------------------------


def test_mail_preview_of_a_2_8_order_reads_the_list_route(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    """2.8.8 answers GET /admin/orders/{id} with items without quantity (item totals 0); the
    preview then crashed ('dict object' has no attribute 'quantity')."""
    medusa_server.state.as_version("2.8")
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    out = tmp_path / "out"
    args = ("mail", "preview", "order.placed", "--order", EXAMPLE_ID, "--out", str(out))
    result = run(*args, env=env)
    assert result.exit_code == 0, result.stderr
    text = " ".join((out / "order-placed.txt").read_text().split())  # no-break spaces too
    assert "2 × 49,90 € = 99,80 €" in text  # the order's locale is French
    assert "Total: 104,80 €" in text  # the order's total, not the shipping alone
    asked = [(p, q) for m, p, q, _b in medusa_server.state.requests if "/admin/orders" in p]
    assert [p for p, _q in asked] == [f"/admin/orders/{EXAMPLE_ID}", "/admin/orders"]
    assert asked[1][1]["id"] == [EXAMPLE_ID]


def test_mail_replay_of_a_2_8_order(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    medusa_server.state.as_version("2.8")
    env = smtp_env(smtp_servers, certs, medusa_server)
    args = ("mail", "replay", "order.placed", "--order", EXAMPLE_ID, "--to", "qa@example.com")
    result = run(*args, "--dry-run", "-f", "json", env=env)
    assert result.exit_code == 0, result.stderr


def test_a_2_8_order_list_is_completed_from_the_detail_route(medusa_server: MedusaServer) -> None:
    """2.8.8's list leaves the shipping address out (tests/test_real_differential.py): the
    orders `--since` reads get it from the detail route, so the mail keeps the order's locale."""
    medusa_server.state.as_version("2.8")
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    env["SMTP_FROM"] = "Shop <orders@example.com>"
    since = ("--since", "2026-01-01", "--to", "qa@example.com", "--dry-run", "-f", "json")
    result = run("mail", "replay", "order.placed", *since, env=env)
    assert result.exit_code == 0, result.stderr
    asked = [p for m, p, q, _b in medusa_server.state.requests if p.startswith("/admin/orders/")]
    assert f"/admin/orders/{EXAMPLE_ID}" in asked  # the listed order was read whole


def test_items_without_any_quantity_are_a_clear_error(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    medusa_server.state.as_version("2.8")
    for item in medusa_server.state.orders[EXAMPLE_ID]["items"]:
        del item["quantity"]
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    args = ("mail", "preview", "order.placed", "--order", EXAMPLE_ID, "--out", str(tmp_path))
    result = run(*args, env=env)
    assert result.exit_code == 1
    assert "line items without a quantity" in result.stderr
    assert "'dict object'" not in result.stderr and "Traceback" not in result.stderr


def test_a_field_the_backend_left_out_is_named_not_a_template_bug(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    """A packaged template meeting an order without a field storectl asked for: the error
    blames the backend's answer and names the release check, not the template."""
    for item in medusa_server.state.orders[EXAMPLE_ID]["items"]:
        del item["title"]
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    args = ("mail", "preview", "order.placed", "--order", EXAMPLE_ID, "--out", str(tmp_path))
    result = run(*args, env=env)
    assert result.exit_code == 2
    assert "Error: the order the backend returned lacks a field template" in result.stderr
    assert "'title'" in result.stderr and "storectl status" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_2_21_detail_route_answers_quantity_and_its_detail(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    args = ("mail", "preview", "order.placed", "--order", EXAMPLE_ID, "--out", str(tmp_path))
    assert run(*args, env=env).exit_code == 0
    asked = [p for _m, p, _q, _b in medusa_server.state.requests if "/admin/orders" in p]
    assert asked == [f"/admin/orders/{EXAMPLE_ID}"]  # complete: no second read


# --- 2.8.8: Stripe events without a session are acted on (and logged as errors) ----------------


def hook_env(medusa: MedusaServer) -> dict[str, str]:
    return {
        "STRIPE_API_KEY": "sk_test_51CNRYstripetestkey0000000001",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_WEBHOOK_PATH": HOOK,
        "MEDUSA_BACKEND_URL": medusa.url,
    }


def test_events_without_a_session_are_held_back_on_2_8(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    backend_pins(tmp_path, "2.8.8")
    args = ("webhooks", "test", "--event", "all", "--format", "json")
    result = run(*args, env=hook_env(medusa_server))
    assert result.exit_code == 1
    data = result.json()
    assert {r["status"] for r in data["results"]} == {"skip"}
    assert all("payment - id must be defined" in r["medusa_action"] for r in data["results"])
    assert medusa_server.state.hooks == []
    table = run("webhooks", "test", "--event", "succeeded", env=hook_env(medusa_server))
    assert "not sent: Medusa 2.8.8 acts on an event without metadata.session_id" in table.stdout
    session = ("--session", "payses_01JCNRYTESTSESSION000000")
    sent = run(*args, *session, env=hook_env(medusa_server))
    assert sent.exit_code == 0, sent.stdout
    assert len(medusa_server.state.hooks) == 8


def test_events_without_a_session_are_sent_to_2_21(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    backend_pins(tmp_path, "2.21.2")
    args = ("webhooks", "test", "--event", "all", "--format", "json")
    result = run(*args, env=hook_env(medusa_server))
    assert result.exit_code == 0, result.stdout
    actions = {r["medusa_action"] for r in result.json()["results"]}
    assert actions == {
        "NOT_SUPPORTED: no metadata.session_id, so Medusa 2.16 and later ignore it (pass "
        "--session payses_…)"
    }
    assert len(medusa_server.state.hooks) == 8


def test_plain_webhooks_test_sends_an_unmapped_type_to_2_8(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    import stripe

    backend_pins(tmp_path, "2.8.8")
    result = run("webhooks", "test", "--format", "json", env=hook_env(medusa_server))
    assert result.exit_code == 0, result.stdout
    assert result.json()["event_type"] == "storectl.probe"
    (_path, headers, body), *_ = medusa_server.state.hooks
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)
    assert event["type"] == "storectl.probe"
