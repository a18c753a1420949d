"""`storectl mail`: templates, rendering of recorded Medusa orders, test mail, preview, replay."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from storectl.errors import ConfigError
from storectl.mail import render as mail
from testing import hostile
from testing.certs import Certs
from testing.medusa_server import (
    API_KEY,
    MedusaServer,
    bulk_order,
    contract_order,
    fields_example_order,
)
from testing.smtp_server import QUEUE_ID, SmtpServers
from testing.stores import EXAMPLE_ID, captured, smtp_env
from testing.tcp import tcp_peer
from tests.conftest import run, write

TEMPLATES = ["order-placed", "order-shipped", "order-delivered", "order-canceled"]
CONTRACT_ID = "order_01M8AXR7BHB4QS8PA83FZWATZG"


# --- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_renders_the_recorded_order_with_storectls_fields(template: str) -> None:
    rendered = mail.Templates(locale="en_US").render(
        template, fields_example_order(), "Acceptance Shop"
    )
    assert "#2" in rendered.subject
    for part in (rendered.html, rendered.text):
        assert "Acceptance Hoodie" in part
        assert "ACC-HOODIE-M" in part
        assert "€49.90" in part and "€99.80" in part
    if template not in ("order-shipped", "order-delivered"):
        assert "€104.80" in rendered.text  # the total
        assert "€5.00" in rendered.text  # shipping
    if template != "order-canceled":
        assert "Rue de Rivoli 10" in rendered.text and "75001 Paris" in rendered.text


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_default_admin_answer_lacks_currency_code(template: str) -> None:
    """Without `fields`, Medusa answers no currency_code: strict undefined says so."""
    order = {k: v for k, v in contract_order().items() if k not in ("email", "currency_code")}
    with pytest.raises(ConfigError, match="currency_code"):
        mail.Templates().render(template, order, "Shop")


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_full_recorded_body_renders_with_extra_fields(template: str) -> None:
    """The full recorded body (hundreds of extra fields) renders as long as the named ones exist."""
    rendered = mail.Templates(locale="en_US").render(template, contract_order(), "Shop")
    assert "Acceptance T-Shirt" in rendered.text and "Acceptance Mug" in rendered.text
    assert "€25.00" in rendered.text


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_missing_field_fails_loudly(template: str) -> None:
    order = fields_example_order()
    del order["display_id"]
    with pytest.raises(ConfigError, match="display_id"):
        mail.Templates().render(template, order, "Shop")


def test_html_is_autoescaped_and_text_is_not() -> None:
    order = fields_example_order()
    order["items"][0]["title"] = "<script>alert(1)</script> & Co"
    rendered = mail.Templates().render("order-placed", order, "Shop")
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in rendered.html
    assert "<script>alert(1)</script> & Co" in rendered.text


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (104.8, "eur", "€104.80"),
        (12.5, "usd", "$12.50"),
        (1200, "jpy", "¥1,200"),
        (0.1 + 0.2, "gbp", "£0.30"),
    ],
)
def test_money(amount: float, currency: str, shown: str) -> None:
    assert mail.money(amount, currency) == shown


def test_sample_order_exercises_every_field() -> None:
    rendered = mail.Templates().render("order-placed", mail.sample_order(), "Shop")
    assert rendered.text.count("\n- ") == 3
    assert "Suite 4200" in rendered.text and "Doe & Daughters" in rendered.text
    assert "Discount: -$13.75" in rendered.text
    assert "Doe &amp; Daughters" in rendered.html


# --- templates and overrides -------------------------------------------------------------------


def test_templates_lists_overrides_and_packaged(tmp_path: Path) -> None:
    override = tmp_path / "mail"
    write(override / "order-placed.subject.j2", "Danke! Bestellung {{ order.display_id }}\n")
    result = run("mail", "templates", "--templates", str(override), "--format", "json")
    assert result.exit_code == 0
    sources = {t["name"]: t["source"] for t in result.json()["templates"]}
    assert sources["order-placed.subject.j2"] == "override"
    assert sources["order-placed.html.j2"] == "packaged"
    assert len([n for n in sources if n.startswith("order-")]) == 12


def test_override_from_the_env_var(tmp_path: Path) -> None:
    override = tmp_path / "mail"
    write(override / "order-placed.subject.j2", "Danke! Bestellung {{ order.display_id }}\n")
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--out",
        str(tmp_path),
        "--format",
        "json",
        env={"STORECTL_TEMPLATES_DIR": str(override)},
    )
    assert result.json()["subject"] == "Danke! Bestellung 1042"


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    override = tmp_path / "mail"
    write(override / "order-placed.txt.j2", "line one\n{% if order.total %}\nno endif\n")
    result = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--templates",
        str(override),
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 2
    assert f"{override / 'order-placed.txt.j2'}:" in result.stderr
    assert "Traceback" not in result.stderr


# --- preview ----------------------------------------------------------------------------------


def test_preview_sample_writes_both_parts(tmp_path: Path) -> None:
    result = run("mail", "preview", "order.canceled", "--sample", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.startswith("subject: Order #1042 has been canceled")
    assert "$141.11" in (tmp_path / "order-canceled.txt").read_text()
    assert "<html" in (tmp_path / "order-canceled.html").read_text()


def test_preview_real_order_from_the_admin_api(medusa_server: MedusaServer, tmp_path: Path) -> None:
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    result = run(
        "mail",
        "preview",
        "delivery.created",
        "--order",
        EXAMPLE_ID,
        "--out",
        str(tmp_path),
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    assert "Order #2 has been delivered" in result.stdout
    assert result.stderr == ""  # delivery.created is a real Medusa 2.x event: no note
    asked = [q for m, p, q, _ in medusa_server.state.requests if p == f"/admin/orders/{EXAMPLE_ID}"]
    fields = asked[0]["fields"][0].split(",")
    assert {"email", "currency_code", "locale", "items.thumbnail", "*fulfillments.labels"} <= set(
        fields
    )


@pytest.mark.parametrize("event", ["order.nope", "order.shipped"])
def test_unknown_event_exits_2_listing_the_valid_ones(event: str, tmp_path: Path) -> None:
    result = run("mail", "preview", event, "--sample", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert (
        "order.placed, order.fulfillment_delivered, shipment.created, delivery.created, "
        "order.canceled" in result.stderr
    )


def test_help_names_medusas_real_fulfillment_events() -> None:
    shown = " ".join(run("mail", "replay", "--help").stdout.split())
    assert "shipment.created" in shown and "delivery.created" in shown


# --- sending ----------------------------------------------------------------------------------


def test_mail_test_prints_the_queue_id(smtp_servers: SmtpServers, certs: Certs) -> None:
    before = len(smtp_servers.capture.messages)
    result = run("mail", "test", "--to", "dev@example.com", env=smtp_env(smtp_servers, certs))
    assert result.exit_code == 0, result.stderr
    assert f"queued as {QUEUE_ID}" in result.stdout
    ((sender, rcpts, _msg),) = captured(smtp_servers, before)
    assert (sender, rcpts) == ("orders@example.com", ["dev@example.com"])


def test_mail_test_wrong_password(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = run(
        "mail",
        "test",
        "--to",
        "dev@example.com",
        env=smtp_env(smtp_servers, certs, SMTP_PASS="nope"),
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 535")
    assert "SMTP_PASS" in result.stderr


def _refuses_data(conn: socket.socket, peer: hostile.Peer) -> None:
    """A server that accepts the envelope and refuses DATA itself (554, no 354)."""
    conn.sendall(b"220 shop.example.com ready\r\n")
    replies = {b"EHLO": b"250 shop.example.com\r\n", b"DATA": b"554 5.7.1 no mail today\r\n"}
    for line in conn.makefile("rb"):
        if peer.stopping.is_set() or line.upper().startswith(b"QUIT"):
            return
        conn.sendall(replies.get(line[:4].upper(), b"250 ok\r\n"))


def test_mail_test_data_refused_is_an_error_not_a_traceback() -> None:
    with hostile.Peer("refuses-data", _refuses_data) as peer:
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(peer.port),
            "SMTP_SECURE": "false",
            "SMTP_FROM": "orders@example.com",
        }
        result = run("mail", "test", "--to", "dev@example.com", env=env)
    assert result.exit_code == 1, result.stderr
    assert "the message was refused: 554 5.7.1 no mail today" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_mail_test_tls_mismatch(smtp_servers: SmtpServers, certs: Certs) -> None:
    env = smtp_env(smtp_servers, certs, SMTP_SECURE="true")
    result = run("mail", "test", "--to", "dev@example.com", env=env)
    assert result.exit_code == 1
    assert "SMTP_SECURE=false" in result.stderr


def test_replay_sends_a_complete_message(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, medusa_server)
    result = run(
        "mail", "replay", "order.placed", "--order", EXAMPLE_ID, "--to", "qa@example.com", env=env
    )
    assert result.exit_code == 0, result.stderr
    ((sender, rcpts, raw),) = captured(smtp_servers, before)
    assert rcpts == ["qa@example.com"]  # never the customer's own address
    msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["From"] == "Acceptance Shop <orders@example.com>"
    assert msg["Subject"] == "Order #2 confirmed"
    assert msg["X-Storectl-Replay"] == f"order.placed {EXAMPLE_ID}"
    assert msg["Date"] and msg["Message-ID"]
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    for part in (text.get_content(), unescape(html.get_content())):
        assert "#2" in part and "Acceptance Hoodie" in part
        # a French address and no --locale: amounts as France writes them
        assert "104,80\xa0€" in part and "99,80\xa0€" in part
        assert "Rue de Rivoli 10" in part


def test_replay_200_orders_over_one_connection(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    medusa_server.state.orders = {o["id"]: o for o in (bulk_order(i) for i in range(200))}
    before, connections = len(smtp_servers.capture.messages), smtp_servers.capture.connections
    env = smtp_env(smtp_servers, certs, medusa_server)
    result = run(
        "mail",
        "replay",
        "order.canceled",
        "--since",
        "2026-01-01",
        "--to",
        "qa@example.com",
        "--format",
        "json",
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert (data["sent"], data["failed"], data["connections"]) == (200, 0, 1)
    assert len(captured(smtp_servers, before)) == 200
    assert smtp_servers.capture.connections == connections + 1
    listing = [q for m, p, q, _ in medusa_server.state.requests if p == "/admin/orders"]
    assert len(listing) == 4  # 50 a page
    assert listing[0]["created_at[$gte]"] == ["2026-01-01T00:00:00"]


def test_unknown_order_fails_alone_and_the_rest_go_on(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, medusa_server)
    result = run(
        "mail",
        "replay",
        "order.placed",
        "--order",
        "order_missing",
        "--order",
        EXAMPLE_ID,
        "--to",
        "qa@example.com",
        env=env,
    )
    assert result.exit_code == 1
    assert "Order id not found: order_missing" in result.stdout
    assert "1 sent, 1 failed" in result.stdout
    assert len(captured(smtp_servers, before)) == 1


def test_no_recipient_sends_nothing(smtp_servers: SmtpServers, certs: Certs) -> None:
    before = len(smtp_servers.capture.messages)
    result = run("mail", "replay", "order.placed", "--sample", env=smtp_env(smtp_servers, certs))
    assert result.exit_code == 2
    assert "--to" in result.stderr
    assert len(captured(smtp_servers, before)) == 0


@pytest.mark.parametrize(
    "live", [{"STRIPE_API_KEY": "sk_live_51CNRYlivekey00000000001"}, {"NODE_ENV": "production"}]
)
def test_to_customer_in_live_mode_needs_yes(
    smtp_servers: SmtpServers, certs: Certs, live: dict[str, str]
) -> None:
    before = len(smtp_servers.capture.messages)
    env = {**smtp_env(smtp_servers, certs), **live}
    refused = run("mail", "replay", "order.placed", "--sample", "--to-customer", env=env)
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr
    assert len(captured(smtp_servers, before)) == 0
    sent = run("mail", "replay", "order.placed", "--sample", "--to-customer", "--yes", env=env)
    assert sent.exit_code == 0
    ((_sender, rcpts, _msg),) = captured(smtp_servers, before)
    assert rcpts == ["jane.doe@example.com"]


def test_to_customer_in_test_mode(smtp_servers: SmtpServers, certs: Certs) -> None:
    env = smtp_env(smtp_servers, certs, STRIPE_API_KEY="sk_test_51CNRYtest")
    assert (
        run("mail", "replay", "order.placed", "--sample", "--to-customer", env=env).exit_code == 0
    )


def test_dry_run_sends_nothing(smtp_servers: SmtpServers, certs: Certs) -> None:
    before, connections = len(smtp_servers.capture.messages), smtp_servers.capture.connections
    result = run(
        "mail",
        "replay",
        "order.placed",
        "--sample",
        "--to",
        "qa@example.com",
        "--dry-run",
        env=smtp_env(smtp_servers, certs),
    )
    assert result.exit_code == 0
    assert "(dry run)" in result.stdout
    assert len(captured(smtp_servers, before)) == 0
    assert smtp_servers.capture.connections == connections


def test_smtp_down_is_classified(certs: Certs, smtp_servers: SmtpServers) -> None:
    with tcp_peer("close") as port:
        pass
    env = smtp_env(smtp_servers, certs, SMTP_PORT=str(port))
    result = run("mail", "replay", "order.placed", "--sample", "--to", "qa@example.com", env=env)
    assert result.exit_code == 1
    assert "connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_since(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = run(
        "mail",
        "replay",
        "order.placed",
        "--since",
        "last tuesday",
        "--to",
        "a@b.c",
        env=smtp_env(smtp_servers, certs),
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


class DroppingHandler:
    """Accepts one message per connection, then hangs up, as servers with per-session limits do."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio

        self.messages.append(envelope.content)
        asyncio.get_running_loop().call_soon(server.transport.close)  # after the reply is sent
        return f"250 queued as DROP{len(self.messages)}"


def test_replay_reconnects_when_the_server_hangs_up(medusa_server: MedusaServer) -> None:
    from aiosmtpd.controller import Controller

    from testing.procs import free_port

    medusa_server.state.orders = {o["id"]: o for o in (bulk_order(i) for i in range(3))}
    handler = DroppingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_FROM": "orders@example.com",
            "MEDUSA_BACKEND_URL": medusa_server.url,
            "MEDUSA_ADMIN_API_KEY": API_KEY,
        }
        result = run(
            "mail",
            "replay",
            "order.placed",
            "--since",
            "2026-01-01",
            "--to",
            "qa@example.com",
            "--format",
            "json",
            env=env,
        )
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stdout + result.stderr
    data = result.json()
    assert (data["sent"], data["failed"], data["connections"]) == (3, 0, 3)
    assert len(handler.messages) == 3
