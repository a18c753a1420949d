"""Order mail: the templates (packaged, or a store's overrides), rendering a Medusa order, and
building the MIME message. jinja2 and Babel are imported only here, and only when used."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from storectl.errors import ConfigError, UsageError

#: The store document's subscribers: event -> template key. Medusa 2.x has no
#: order.fulfillment_delivered event; delivery is delivery.created (accepted as an alias).
EVENTS = {
    "order.placed": "order-placed",
    "order.fulfillment_delivered": "order-shipped",
    "order.canceled": "order-canceled",
}
ALIASES = {"delivery.created": "order.fulfillment_delivered"}
PARTS = ("subject", "html", "txt")

#: What storectl asks the admin API for: email and currency_code are not in the default answer.
ORDER_FIELDS = ",".join(
    [
        "id",
        "display_id",
        "status",
        "email",
        "currency_code",
        "created_at",
        "total",
        "subtotal",
        "item_subtotal",
        "tax_total",
        "shipping_total",
        "discount_total",
        "items.id",
        "items.title",
        "items.variant_sku",
        "items.quantity",
        "items.unit_price",
        "items.subtotal",
        "items.total",
        "*shipping_address",
        "shipping_methods.name",
        "shipping_methods.amount",
        "payment_status",
        "fulfillment_status",
    ]
)


def event_name(name: str) -> str:
    """The canonical event for `name` (aliases resolved); a usage error listing the valid ones."""
    canonical = ALIASES.get(name, name)
    if canonical not in EVENTS:
        raise UsageError(
            f"unknown event {name!r}",
            hint=f"use one of: {', '.join([*EVENTS, *ALIASES])}",
        )
    return canonical


def packaged_templates() -> Path:
    """templates/ inside the wheel, or at the repository root in a source checkout."""
    shipped = importlib.resources.files("storectl") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[2] / "templates"


def money(amount: Any, currency: str, locale: str = "en_US") -> str:
    """Decimal major units as the currency is written: €104.80, $12.50, ¥1,200 (Babel)."""
    from babel.numbers import format_currency

    return str(format_currency(Decimal(str(amount)), str(currency).upper(), locale=locale))


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    source: str  # "override" or "packaged"
    path: str


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    html: str
    text: str


class Templates:
    """The packaged templates, overridden file by file by a store's folder."""

    def __init__(self, override: Path | None = None, locale: str = "en_US") -> None:
        if override is not None and not override.is_dir():
            raise ConfigError(
                f"templates folder {override} does not exist",
                hint="pass --templates DIR (or STORECTL_TEMPLATES_DIR) naming a folder",
            )
        self.override = override
        self.packaged = packaged_templates()
        self.locale = locale
        self._env: Any = None

    def _environment(self) -> Any:
        if self._env is None:
            import jinja2

            folders = [str(self.override)] if self.override else []
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader([*folders, str(self.packaged)]),
                autoescape=lambda name: bool(name and name.endswith(".html.j2")),
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=True,
            )
            env.filters["money"] = lambda amount, currency: money(amount, currency, self.locale)
            self._env = env
        return self._env

    def list(self) -> list[TemplateInfo]:
        names = sorted({p.name for p in self.packaged.glob("*.j2")})
        if self.override:
            names = sorted({*names, *(p.name for p in self.override.glob("*.j2"))})
        found = []
        for name in names:
            if self.override and (self.override / name).is_file():
                found.append(TemplateInfo(name, "override", str(self.override / name)))
            else:
                found.append(TemplateInfo(name, "packaged", str(self.packaged / name)))
        return found

    def render(self, template: str, order: dict[str, Any], store_name: str) -> Rendered:
        """Subject, HTML and text of one template for one order; a template mistake is a
        ConfigError naming the file and line."""
        import jinja2

        context = {"order": order, "store_name": store_name}
        out: dict[str, str] = {}
        for part in PARTS:
            name = f"{template}.{part}.j2"
            try:
                out[part] = self._environment().get_template(name).render(context)
            except jinja2.TemplateSyntaxError as exc:
                raise ConfigError(
                    f"template {exc.filename or name}:{exc.lineno}: {exc.message}",
                    hint="fix the template, or remove the override to use the packaged one",
                ) from None
            except jinja2.UndefinedError as exc:
                raise ConfigError(
                    f"template {name} names a field the order does not have: {exc.message}",
                    hint="use only fields the admin API returns (see README: mail), or guard "
                    "optional ones with {% if %}",
                ) from None
            except jinja2.TemplateNotFound:
                raise ConfigError(f"no template {name}", hint="check --templates") from None
        return Rendered(template, " ".join(out["subject"].split()), out["html"], out["txt"])


def message(
    rendered: Rendered,
    *,
    sender: str,
    to: str,
    event: str,
    order_id: str,
) -> EmailMessage:
    """multipart/alternative (text, then HTML) with Date, Message-ID and X-Storectl-Replay."""
    from email.utils import formatdate, make_msgid, parseaddr

    domain = parseaddr(sender)[1].rpartition("@")[2] or "storectl.invalid"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["X-Storectl-Replay"] = f"{event} {order_id}"
    # quoted-printable keeps both parts 7-bit: any server takes them, with or without 8BITMIME
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return msg


def sample_order() -> dict[str, Any]:
    """An order that exercises every field: several items, an address with a second line, a
    discount, a currency other than the euro."""
    return {
        "id": "order_01SAMPLE00000000000000000",
        "display_id": 1042,
        "status": "pending",
        "email": "jane.doe@example.com",
        "currency_code": "usd",
        "created_at": "2026-11-26T09:30:00.000Z",
        "item_subtotal": 137.5,
        "shipping_total": 7.5,
        "discount_total": 13.75,
        "tax_total": 9.86,
        "subtotal": 145.0,
        "total": 141.11,
        "items": [
            {
                "id": "ordli_sample_1",
                "title": "Merino Hoodie",
                "variant_sku": "MER-HOOD-M-GRY",
                "quantity": 2,
                "unit_price": 49.9,
                "subtotal": 99.8,
                "total": 99.8,
            },
            {
                "id": "ordli_sample_2",
                "title": "Enamel Mug",
                "variant_sku": "MUG-ENA-WHT",
                "quantity": 1,
                "unit_price": 12.5,
                "subtotal": 12.5,
                "total": 12.5,
            },
            {
                "id": "ordli_sample_3",
                "title": "Gift Card",
                "variant_sku": None,
                "quantity": 1,
                "unit_price": 25.2,
                "subtotal": 25.2,
                "total": 25.2,
            },
        ],
        "shipping_address": {
            "id": "ordaddr_sample",
            "company": "Doe & Daughters",
            "first_name": "Jane",
            "last_name": "Doe",
            "address_1": "350 Fifth Avenue",
            "address_2": "Suite 4200",
            "city": "New York",
            "country_code": "us",
            "province": "NY",
            "postal_code": "10118",
            "phone": "+12125551234",
        },
        "shipping_methods": [{"name": "Express", "amount": 7.5}],
        "payment_status": "authorized",
        "fulfillment_status": "not_fulfilled",
    }
