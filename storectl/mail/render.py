"""Order mail: the templates (packaged, or a store's overrides), rendering a Medusa order, and
building the MIME message. jinja2 and Babel are imported only here, and only when used."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from storectl.errors import ConfigError, UsageError
from storectl.mail import address, helpers
from storectl.providers.shape import JSON, Object

if TYPE_CHECKING:
    import jinja2

#: Event -> template key: the store document's subscribers, and Medusa 2.x's real fulfillment
#: events. Medusa 2.x has no order.fulfillment_delivered event (the document maps it to
#: order-shipped): shipment.created serves that template, delivery.created its own.
EVENTS = {
    "order.placed": "order-placed",
    "order.fulfillment_delivered": "order-shipped",
    "shipment.created": "order-shipped",
    "delivery.created": "order-delivered",
    "order.canceled": "order-canceled",
}
ALIASES: dict[str, str] = {}
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
        "items.detail.quantity",  # where Medusa 2.8.x's detail route keeps it (medusa_api)
        "items.unit_price",
        "items.subtotal",
        "items.total",
        "items.thumbnail",
        "locale",
        "*shipping_address",
        "shipping_methods.name",
        "shipping_methods.amount",
        "payment_status",
        "fulfillment_status",
        "fulfillments.id",
        "fulfillments.shipped_at",
        "fulfillments.delivered_at",
        "fulfillments.canceled_at",
        "*fulfillments.labels",
    ]
)


def event_name(name: str) -> str:
    """The canonical event for `name` (aliases resolved); a usage error listing the valid ones."""
    canonical = ALIASES.get(name, name)
    if canonical not in EVENTS:
        import difflib

        close = difflib.get_close_matches(name, [*EVENTS, *ALIASES], n=1, cutoff=0.6)
        raise UsageError(
            f"unknown event {name!r}" + (f": did you mean {close[0]!r}?" if close else ""),
            hint=f"use one of: {', '.join([*EVENTS, *ALIASES])}",
        )
    return canonical


def packaged_templates() -> Path:
    """templates/ inside the wheel, or at the repository root in a source checkout."""
    shipped = importlib.resources.files("storectl") / "templates"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[2] / "templates"


def money(amount: JSON, currency: str, locale: str = "en_US") -> str:
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

    def __init__(
        self,
        override: Path | None = None,
        locale: str | None = None,
        *,
        fallback_locale: str | None = None,
        storefront_url: str | None = None,
    ) -> None:
        """`locale` (--locale) wins for every order; otherwise each order's own locale, its
        shipping country's, then `fallback_locale` (STORECTL_LOCALE), then en_US."""
        if override is not None and not override.is_dir():
            raise ConfigError(
                f"templates folder {override} does not exist",
                hint="pass --templates DIR (or STORECTL_TEMPLATES_DIR) naming a folder",
            )
        self.override = override
        self.packaged = packaged_templates()
        self.locale = locale
        self.fallback_locale = fallback_locale
        self.storefront_url = helpers.storefront(storefront_url)
        self._current = locale or fallback_locale or "en_US"  # the order being rendered
        self._env: jinja2.Environment | None = None

    def _environment(self) -> jinja2.Environment:
        if self._env is None:
            import jinja2

            folders = [str(self.override)] if self.override else []
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader([*folders, str(self.packaged)]),
                autoescape=lambda name: bool(name and name.endswith(".html.j2")),
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=True,
            )
            env.filters["money"] = lambda amount, currency: money(amount, currency, self._current)
            env.filters["number"] = lambda value: helpers.number(value, self._current)
            env.globals["address_lines"] = lambda a: (
                address.address_lines(a, self._current) if isinstance(a, dict) else []
            )
            env.globals["tracking"] = helpers.tracking
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

    def _missing(self, name: str, message: str) -> ConfigError:
        """A field the template uses is not in the order: the store's own template asked for
        something the admin API does not return, or the backend left out what storectl asked
        for (a packaged template only uses fields in ORDER_FIELDS)."""
        if self.override is not None and (self.override / name).is_file():
            return ConfigError(
                f"template {name} names a field the order does not have: {message}",
                hint="use only fields the admin API returns (see README: mail), or guard "
                "optional ones with {% if %}",
            )
        return ConfigError(
            f"the order the backend returned lacks a field template {name} needs: {message}",
            hint="storectl asks for it (see README: mail); check the backend's Medusa release "
            "with 'storectl status' (tested: 2.8.x to 2.21.x) and report the order's shape",
        )

    def render(self, template: str, order: Object, store_name: str) -> Rendered:
        """Subject, HTML and text of one template for one order; a template mistake is a
        ConfigError naming the file and line."""
        import jinja2

        self._current, _source = address.resolve_locale(self.locale, order, self.fallback_locale)
        context = {
            "order": order,
            "store_name": store_name,
            "locale": self._current,
            "storefront_url": self.storefront_url,
            "order_url": helpers.order_url(self.storefront_url, order),
        }
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
                raise self._missing(name, exc.message or "") from None
            except jinja2.TemplateNotFound:
                raise ConfigError(f"no template {name}", hint="check --templates") from None
        html = helpers.inline_css(out["html"])
        return Rendered(template, " ".join(out["subject"].split()), html, out["txt"])


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


# Long by nature: one literal of sample data, shaped like a Medusa order.
def sample_order() -> Object:
    """An order that exercises every field: several items (two with thumbnails), an address with
    a second line, a discount, a currency other than the euro, a shipped and delivered
    fulfillment with a tracking label."""
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
                "thumbnail": "https://cdn.example.com/products/merino-hoodie.jpg",
                "variant_sku": "MER-HOOD-M-GRY",
                "quantity": 2,
                "unit_price": 49.9,
                "subtotal": 99.8,
                "total": 99.8,
            },
            {
                "id": "ordli_sample_2",
                "title": "Enamel Mug",
                "thumbnail": "https://cdn.example.com/products/enamel-mug.jpg",
                "variant_sku": "MUG-ENA-WHT",
                "quantity": 1,
                "unit_price": 12.5,
                "subtotal": 12.5,
                "total": 12.5,
            },
            {
                "id": "ordli_sample_3",
                "title": "Gift Card",
                "thumbnail": None,
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
        "fulfillments": [
            {
                "id": "ful_sample",
                "shipped_at": "2026-11-27T08:00:00.000Z",
                "delivered_at": "2026-11-28T15:10:00.000Z",
                "canceled_at": None,
                "labels": [
                    {
                        "tracking_number": "1Z999AA10123456784",
                        "tracking_url": "https://track.example.com/1Z999AA10123456784",
                        "label_url": "https://track.example.com/label/1Z999AA10123456784.pdf",
                    }
                ],
            }
        ],
    }
