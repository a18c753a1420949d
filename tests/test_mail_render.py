"""Order mail content: addresses per country, the locale chain, tracking, thumbnails, the order
button, shipped vs delivered, and mail-client hygiene (size, inlined CSS, lang/dir, text = HTML)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from storectl.mail import render as mail
from storectl.mail.address import address_lines, resolve_locale
from storectl.providers.shape import Object
from testing.medusa_server import API_KEY, MedusaServer, fields_example_order
from tests.conftest import run, write

TEMPLATES = ["order-placed", "order-shipped", "order-delivered", "order-canceled"]
EXAMPLE_ID = "order_01M8AXT4YN42ZN2E4VDJG459CX"


def visible(html: str) -> str:
    """The HTML's text with tags dropped and entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def with_address(**address: Any) -> dict[str, Any]:
    order = mail.sample_order()
    order["shipping_address"] = {"first_name": "Jane", "last_name": "Doe", **address}
    return order


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        (
            {
                "address_1": "350 Fifth Avenue",
                "city": "New York",
                "province": "NY",
                "postal_code": "10118",
                "country_code": "us",
            },
            ["Jane Doe", "350 Fifth Avenue", "New York, NY 10118", "United States"],
        ),
        (
            {"address_1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115"}
            | {"country_code": "de"},
            ["Jane Doe", "Hauptstrasse 1", "10115 Berlin", "Germany"],
        ),
        (  # Medusa may store the province as ISO 3166-2
            {"address_1": "1 Main St", "city": "Austin", "province": "us-tx"}
            | {"postal_code": "73301", "country_code": "us"},
            ["Jane Doe", "1 Main St", "Austin, TX 73301", "United States"],
        ),
    ],
)
def test_address_lines_follow_the_country(address: dict[str, Any], lines: list[str]) -> None:
    assert address_lines({"first_name": "Jane", "last_name": "Doe", **address}, "en_US") == lines


def test_a_japanese_address_in_its_own_order() -> None:
    address: Object = {
        "first_name": "太郎",
        "last_name": "山田",
        "address_1": "千代田1-1",
        "city": "千代田区",
        "province": "東京都",
        "postal_code": "100-0001",
        "country_code": "jp",
    }
    assert address_lines(address, "ja_JP") == [
        "〒100-0001",
        "東京都",
        "千代田区",
        "千代田1-1",
        "山田 太郎",
        "日本",
    ]


def test_unknown_country_keeps_every_part() -> None:
    lines = address_lines(
        {
            "first_name": "A",
            "address_1": "x 1",
            "city": "Y",
            "postal_code": "9",
            "country_code": "xx",
        },
        "en_US",
    )
    assert lines == ["A", "x 1", "9 Y", "XX"]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            {"address_1": "350 Fifth Avenue", "city": "New York", "province": "NY"}
            | {"postal_code": "10118", "country_code": "us"},
            "New York, NY 10118",
        ),
        (
            {"address_1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115"}
            | {"country_code": "de"},
            "10115 Berlin",
        ),
    ],
)
def test_html_and_text_show_the_countrys_address(address: dict[str, Any], expected: str) -> None:
    rendered = mail.Templates().render("order-placed", with_address(**address), "Shop")
    assert expected in rendered.text
    assert expected in visible(rendered.html)
    assert "10118 New York" not in rendered.text + rendered.html


# --- locale ---------------------------------------------------------------------------------------


def test_locale_chain() -> None:
    de: Object = {"shipping_address": {"country_code": "de"}}
    assert resolve_locale("ja_JP", {"locale": "fr-FR", **de}, "it_IT") == ("ja_JP", "--locale")
    assert resolve_locale(None, {"locale": "fr-FR", **de}, "it_IT") == ("fr_FR", "order")
    assert resolve_locale(None, {"locale": None, **de}, "it_IT") == ("de_DE", "shipping country")
    assert resolve_locale(None, {"shipping_address": None}, "it_IT") == ("it_IT", "STORECTL_LOCALE")
    assert resolve_locale(None, {}, None) == ("en_US", "default")


@pytest.mark.parametrize(
    ("locale", "order_locale", "country", "shown"),
    [
        (None, None, "us", "$1,049.90"),
        (None, None, "de", "1.049,90\xa0$"),
        (None, "fr-FR", "de", "1\u202f049,90\xa0$"),
        ("en_US", "fr-FR", "de", "$1,049.90"),
    ],
)
def test_amounts_and_numbers_follow_the_locale(
    locale: str | None, order_locale: str | None, country: str, shown: str
) -> None:
    order: dict[str, Any] = mail.sample_order()  # edited in place: untyped on purpose
    order["locale"] = order_locale
    order["shipping_address"]["country_code"] = country
    order["items"][0].update(quantity=1200, unit_price=1049.9)
    rendered = mail.Templates(locale=locale).render("order-placed", order, "Shop")
    assert shown in rendered.text
    assert shown in unescape(rendered.html)
    quantity = (
        "1,200" if shown.startswith("$") else ("1\u202f200" if "\u202f" in shown else "1.200")
    )
    assert f"{quantity} × {shown}" in rendered.text


def test_cli_locale_and_storectl_locale(tmp_path: Path) -> None:
    by_option = run(
        "mail", "preview", "order.placed", "--sample", "--out", str(tmp_path), "--locale", "de-DE"
    )
    assert by_option.exit_code == 0, by_option.stderr
    assert "49,90\xa0$" in (tmp_path / "order-placed.txt").read_text()
    # the sample ships to the US: its country beats STORECTL_LOCALE
    by_env = run(
        "mail",
        "preview",
        "order.placed",
        "--sample",
        "--out",
        str(tmp_path),
        env={"STORECTL_LOCALE": "de_DE"},
    )
    assert by_env.exit_code == 0
    assert "$49.90" in (tmp_path / "order-placed.txt").read_text()


@pytest.mark.parametrize(
    ("args", "env"), [(["--locale", "xx_NOPE"], {}), ([], {"STORECTL_LOCALE": "nope nope"})]
)
def test_a_bad_locale_is_a_usage_error(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    result = run(
        "mail", "preview", "order.placed", "--sample", "--out", str(tmp_path), *args, env=env
    )
    assert result.exit_code == 2
    assert "en_US" in result.stderr and "Traceback" not in result.stderr


# --- events, tracking, thumbnails, the button -----------------------------------------------------


def test_shipped_and_delivered_are_two_mails() -> None:
    tpl = mail.Templates()
    shipped = tpl.render("order-shipped", mail.sample_order(), "Shop")
    delivered = tpl.render("order-delivered", mail.sample_order(), "Shop")
    assert shipped.subject == "Order #1042 has shipped"
    assert delivered.subject == "Order #1042 has been delivered"
    assert "delivered" not in shipped.text and "shipped" not in delivered.text
    for part in (shipped.text, delivered.text, shipped.html, delivered.html):
        assert "1Z999AA10123456784" in part
        assert "https://track.example.com/1Z999AA10123456784" in part
    assert 'href="https://track.example.com/1Z999AA10123456784"' in shipped.html


def test_tracking_skips_canceled_fulfillments_and_unsafe_links() -> None:
    order = mail.sample_order()
    order["fulfillments"] = [
        {"canceled_at": "2026-11-27T00:00:00Z", "labels": [{"tracking_number": "OLD123"}]},
        {"labels": [{"tracking_number": "NEW456", "tracking_url": "javascript:alert(1)"}]},
    ]
    rendered = mail.Templates().render("order-shipped", order, "Shop")
    assert "NEW456" in rendered.text and "OLD123" not in rendered.text
    assert "javascript:" not in rendered.html + rendered.text


def test_no_fulfillment_no_tracking_block() -> None:
    rendered = mail.Templates().render("order-shipped", fields_example_order(), "Shop")
    assert "Tracking" not in rendered.text and "Tracking" not in visible(rendered.html)


@pytest.mark.parametrize(
    ("event", "template", "note"),
    [
        ("order.fulfillment_delivered", "order-shipped", True),
        ("shipment.created", "order-shipped", False),
        ("delivery.created", "order-delivered", False),
    ],
)
def test_events_map_to_templates_and_the_missing_event_is_explained(
    event: str, template: str, note: bool, tmp_path: Path
) -> None:
    result = run("mail", "preview", event, "--sample", "--out", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["template"] == template
    if note:
        assert "never emits order.fulfillment_delivered" in result.stderr
        assert "shipment.created" in result.stderr
    else:
        assert result.stderr == ""


def test_replay_of_a_real_order_shows_its_tracking(
    medusa_server: MedusaServer, tmp_path: Path
) -> None:
    order = fields_example_order()
    order["fulfillments"] = [
        {
            "id": "ful_01",
            "shipped_at": "2026-11-27T08:00:00.000Z",
            "delivered_at": None,
            "canceled_at": None,
            "labels": [
                {
                    "tracking_number": "JJD000390007",
                    "tracking_url": "https://t.example.com/JJD000390007",
                }
            ],
        }
    ]
    order["items"][0]["thumbnail"] = "https://cdn.example.com/hoodie.jpg"
    medusa_server.state.orders[EXAMPLE_ID] = order
    env = {
        "MEDUSA_BACKEND_URL": medusa_server.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        "STOREFRONT_URL": "https://shop.example.com/",
    }
    result = run(
        "mail",
        "preview",
        "shipment.created",
        "--order",
        EXAMPLE_ID,
        "--out",
        str(tmp_path),
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "order-shipped.html").read_text()
    text = (tmp_path / "order-shipped.txt").read_text()
    assert "JJD000390007" in text and 'href="https://t.example.com/JJD000390007"' in html
    assert re.search(
        r'<img src="https://cdn.example.com/hoodie.jpg"[^>]*alt="Acceptance Hoodie"', html
    )
    url = f"https://shop.example.com/account/orders/details/{EXAMPLE_ID}"
    assert f'href="{url}"' in html and f"View your order: {url}" in text


def test_thumbnails_have_size_and_alt_text() -> None:
    html = mail.Templates().render("order-placed", mail.sample_order(), "Shop").html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 2  # the gift card has none
    for tag in images:
        assert 'width="48"' in tag and 'height="48"' in tag
        assert re.search(r'alt="[^"]+"', tag)


def test_the_button_needs_storefront_url_and_survives_without_css(tmp_path: Path) -> None:
    plain = run("mail", "preview", "order.placed", "--sample", "--out", str(tmp_path))
    assert plain.exit_code == 0
    assert "View your order" not in (tmp_path / "order-placed.html").read_text()
    env = {"STOREFRONT_URL": "https://shop.example.com"}
    linked = run("mail", "preview", "order.placed", "--sample", "--out", str(tmp_path), env=env)
    assert linked.exit_code == 0
    html = (tmp_path / "order-placed.html").read_text()
    button = re.search(
        r'<td[^>]*bgcolor="#18181b"[^>]*>\s*<a [^>]*href="([^"]+)"[^>]*>\s*'
        r'<font color="#ffffff"[^>]*>View your order</font>',
        html,
    )
    assert button is not None, "a table cell with bgcolor and a <font> colour: no CSS needed"
    assert button.group(1).endswith("/account/orders/details/order_01SAMPLE00000000000000000")
    assert '<a href="https://shop.example.com"' in html  # the store's name links back


# --- mail-client hygiene --------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_mail_client_hygiene(template: str) -> None:
    rendered = mail.Templates(storefront_url="https://shop.example.com").render(
        template, mail.sample_order(), "Shop"
    )
    html = rendered.html
    assert len(html.encode()) < 102 * 1024  # Gmail clips larger messages
    assert re.search(r'<html lang="en" dir="ltr"', html)
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    # the <style> block was inlined: only @media rules are left in <style>
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert styles and all(s.strip().startswith("@media") for s in styles)
    assert "prefers-color-scheme: dark" in styles[0] and "max-width: 480px" in styles[0]
    assert re.search(r'class="card"[^>]*style="[^"]*background: #ffffff', html)
    # a preheader: hidden, first in the body, saying what the mail is about
    preheader = re.search(r'<div class="preheader" style="display:\s*none[^"]*">([^<]*)', html)
    assert preheader is not None and "#1042" in preheader.group(1)


def test_each_event_has_its_own_preheader() -> None:
    tpl = mail.Templates()
    found = {
        re.search(r'class="preheader"[^>]*>([^&<]*)', tpl.render(t, mail.sample_order(), "S").html)
        .group(1)  # type: ignore[union-attr]
        .strip()
        for t in TEMPLATES
    }
    assert len(found) == 4 and all(found)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_text_part_carries_the_same_items_and_totals(template: str) -> None:
    rendered = mail.Templates().render(template, mail.sample_order(), "Shop")
    html, text = visible(rendered.html), rendered.text
    money = set(re.findall(r"−?\$[\d,]+\.\d\d", html))
    assert money, "the HTML shows amounts"
    for amount in money:
        assert amount.replace("−", "-") in text, amount
    order: dict[str, Any] = mail.sample_order()  # read as the template reads it: untyped
    for item in order["items"]:
        assert item["title"] in html and item["title"] in text
        line = f"{item['quantity']} × ${item['unit_price']:.2f} = ${item['total']:.2f}"
        assert line in html and line in text  # the narrow line: "2 × $49.90 = $99.80"


def test_an_old_style_override_still_renders(tmp_path: Path) -> None:
    """An override written for the earlier templates (address macro given the dict, no new
    blocks) keeps working."""
    override = tmp_path / "mail"
    write(
        override / "order-shipped.html.j2",
        '{% extends "base.html.j2" %}\n{% import "_order.html.j2" as o %}\n'
        "{% block content %}<p>Versandt: #{{ order.display_id }}</p>\n"
        "{{ o.items_table(order) }}\n{{ o.address(order.shipping_address) }}\n{% endblock %}\n",
    )
    result = run(
        "mail",
        "preview",
        "order.fulfillment_delivered",
        "--sample",
        "--templates",
        str(override),
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "order-shipped.html").read_text()
    assert "Versandt: #1042" in html and "New York, NY 10118" in html
