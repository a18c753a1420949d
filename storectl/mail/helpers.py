"""What order mail templates get besides the order: tracking labels, the storefront link,
numbers in the order's locale; and what happens to the HTML after rendering (CSS inlined).

Kept apart from render.py so templates' helpers can grow without touching the renderer.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote, urlsplit

from storectl.providers.shape import JSON, Object, objects

#: Gmail clips a message whose HTML is larger than this (and hides the rest behind a link).
GMAIL_CLIP_BYTES = 102 * 1024

#: The events a subscriber can name, and their template. The store's document maps
#: order.fulfillment_delivered to order-shipped; Medusa 2.x never emits that event: shipment.created
#: is the one that fires when a fulfillment ships, delivery.created when it is delivered.
EVENT_NOTES = {
    "order.fulfillment_delivered": (
        "Medusa 2.x never emits order.fulfillment_delivered, so the store's order-shipped "
        "subscriber never fires: subscribe it to shipment.created (a fulfillment shipped), and "
        "order-delivered to delivery.created"
    ),
}


def number(value: JSON, locale: str) -> str:
    """A quantity as the locale writes it (1,000 / 1.000 / 1 000)."""
    from babel.numbers import format_decimal

    return str(format_decimal(Decimal(str(value)), locale=locale))


def _web_url(value: JSON) -> str | None:
    """An http(s) URL, or None: a label's URL goes into href, so no javascript: or data:."""
    if not isinstance(value, str) or not value.strip():
        return None
    url = value.strip()
    return url if urlsplit(url).scheme in ("http", "https") else None


def tracking(order: Object, kind: str = "shipped") -> list[dict[str, str | None]]:
    """Tracking numbers and links from the order's fulfillment labels, once each.

    `kind` "delivered" prefers fulfillments with delivered_at, "shipped" those with shipped_at;
    when none carries the date (a narrow `fields` answer), every live fulfillment counts.
    Canceled fulfillments never do."""
    fulfillments = [f for f in objects(order.get("fulfillments")) if not f.get("canceled_at")]
    dated = [f for f in fulfillments if f.get(f"{kind}_at")]
    labels: list[dict[str, str | None]] = []
    seen: set[tuple[str | None, str | None]] = set()
    for fulfillment in dated or fulfillments:
        for label in objects(fulfillment.get("labels")):
            number_ = str(label.get("tracking_number") or "").strip() or None
            url = _web_url(label.get("tracking_url"))
            if (number_, url) in seen or not (number_ or url):
                continue
            seen.add((number_, url))
            labels.append({"number": number_, "url": url})
    return labels


def storefront(url: str | None) -> str | None:
    """STOREFRONT_URL without its trailing slash, or None when unset or not http(s)."""
    found = _web_url(url)
    return found.rstrip("/") if found else None


def order_url(storefront_url: str | None, order: Object) -> str | None:
    """The customer's order page in Medusa's Next.js starter (its middleware adds the country)."""
    if not storefront_url or not order.get("id"):
        return None
    return f"{storefront_url}/account/orders/details/{quote(str(order['id']), safe='')}"


def inline_css(html: str) -> str:
    """Move the <style> block into style="" attributes (many clients drop <style>); @media
    rules stay in a <style> element for the clients that honour them."""
    import css_inline

    return str(
        css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(html)
    )
