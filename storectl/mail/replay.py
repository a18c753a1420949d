"""`storectl mail`: test mail, previews and the replay of order events to a safe recipient."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from storectl.env import Env
from storectl.errors import ConfigError, NetworkError, StorectlError, UsageError
from storectl.fsutil import atomic_write, ensure_parent
from storectl.mail import render as mail
from storectl.model import Stage
from storectl.output.console import write_bytes
from storectl.providers import medusa_api, smtp_mailer
from storectl.providers.values import stripe_mode
from storectl.redact import clean_peer_text


@dataclass(frozen=True)
class Delivery:
    order_id: str
    display_id: Any
    to: str | None
    subject: str | None
    status: str  # sent, failed, planned
    reply: str | None = None
    error: str | None = None
    stage: Stage | None = None


@dataclass(frozen=True)
class ReplayReport:
    event: str
    template: str
    dry_run: bool
    to_customer: bool
    deliveries: tuple[Delivery, ...]
    sent: int
    failed: int
    connections: int
    duration_ms: int


@dataclass(frozen=True)
class TestMail:
    to: str
    sender: str
    server: str
    reply: str


@dataclass(frozen=True)
class Preview:
    event: str
    template: str
    subject: str
    files: tuple[str, ...]
    html_bytes: int = 0
    #: what Chromium measured for --screenshot (width, dark, overflows, low_contrast, ...)
    screenshot: dict[str, Any] | None = None
    #: the HTML part's file (what --open shows), when the parts were written
    html_file: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateList:
    override: str | None
    templates: tuple[mail.TemplateInfo, ...]


def sender(env: Env) -> str:
    value = env.value("SMTP_FROM")
    if not value:
        raise ConfigError("SMTP_FROM is not set: mail has no sender", hint="set SMTP_FROM")
    return value


def store_name(env: Env) -> str:
    """STORECTL_STORE_NAME, else the display name in SMTP_FROM, else its domain."""
    from email.utils import parseaddr

    if env.is_set("STORECTL_STORE_NAME"):
        return env.value("STORECTL_STORE_NAME")
    name, address = parseaddr(env.value("SMTP_FROM"))
    return name or address.rpartition("@")[2] or "Our store"


def templates(env: Env, folder: Path | None, locale: str | None) -> mail.Templates:
    """The store's templates; amounts in --locale, else each order's (see Templates)."""
    from storectl.mail import address

    override = folder or (
        Path(env.value("STORECTL_TEMPLATES_DIR")) if env.is_set("STORECTL_TEMPLATES_DIR") else None
    )
    if locale is not None and address.valid_locale(locale) is None:
        raise UsageError(f"--locale {locale!r} is not a locale", hint="use e.g. en_US or de_DE")
    fallback = None
    if env.is_set("STORECTL_LOCALE"):
        fallback = address.valid_locale(env.value("STORECTL_LOCALE"))
        if fallback is None:
            raise ConfigError(
                f"STORECTL_LOCALE={env.value('STORECTL_LOCALE')!r} is not a locale",
                hint="use a locale such as en_US, de_DE or ja_JP",
            )
    return mail.Templates(
        override,
        address.valid_locale(locale),
        fallback_locale=fallback,
        storefront_url=env.value("STOREFRONT_URL") or None,
    )


def send_test(env: Env, to: str, timeout: float) -> TestMail:
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from_addr = sender(env)
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = to
    msg["Subject"] = f"storectl test mail from {store_name(env)}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(
        domain=smtp_mailer.parseaddr_address(from_addr).rpartition("@")[2] or None
    )
    msg.set_content(
        "This is a test message sent by storectl through the store's SMTP settings.\n"
        f"Server: {env.value('SMTP_HOST')}:{smtp_mailer.port(env)}\n"
    )
    with smtp_mailer.SmtpMailer(env, timeout) as mailer:
        reply = mailer.send(msg, smtp_mailer.parseaddr_address(from_addr), to)
    return TestMail(to, from_addr, f"{env.value('SMTP_HOST')}:{smtp_mailer.port(env)}", reply)


def preview(
    env: Env,
    event: str,
    order_id: str | None,
    sample: bool,
    out: Path | None,
    tpl: mail.Templates,
    timeout: float,
    shot: tuple[Path, int, bool] | None = None,
    eml: Path | None = None,
) -> Preview:
    """Write the HTML and text parts into `out` (made if missing); with `eml` also the message
    as `mail replay` would send it (a file, or stdout for `-`); with `shot` (PNG, width, dark)
    a browser screenshot."""
    canonical = mail.event_name(event)
    if bool(order_id) == sample:
        raise UsageError("pass --order ID or --sample", hint="one of them, not both")
    order = mail.sample_order() if sample else _fetch_one(env, str(order_id), timeout)
    template = mail.EVENTS[canonical]
    rendered = tpl.render(template, order, store_name(env))
    files = []
    html_file = None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise ConfigError(
                f"{out} is not a folder", hint="pass --out with a folder (a missing one is made)"
            )
        for suffix, content in (("html", rendered.html), ("txt", rendered.text)):
            path = out / f"{template}.{suffix}"
            ensure_parent(path)
            path.write_text(content, encoding="utf-8")
            files.append(str(path))
        html_file = files[0]
    notes: list[str] = []
    if eml is not None:
        raw = _eml(env, rendered, order, canonical, notes)
        if str(eml) == "-":
            write_bytes(raw)
        else:
            ensure_parent(eml)
            atomic_write(eml, raw)
            files.append(str(eml))
    measured = None
    if shot is not None:
        from storectl.mail import browser

        measured = browser.screenshot(rendered.html, *shot, timeout=timeout)
        files.append(measured["path"])
    size = len(rendered.html.encode())
    return Preview(
        canonical, template, rendered.subject, tuple(files), size, measured, html_file, tuple(notes)
    )


#: Stand-ins for an address the store's env or the order lacks, under a reserved name.
PREVIEW_SENDER = "Store <store@storectl.invalid>"
PREVIEW_RECIPIENT = "customer@storectl.invalid"


def _eml(
    env: Env, rendered: mail.Rendered, order: dict[str, Any], event: str, notes: list[str]
) -> bytes:
    """The message `replay --to-customer` would send for this order, as its wire bytes: the
    same builder (`render.message`) and the same encoding (`smtp_mailer.wire`)."""
    from_addr = env.value("SMTP_FROM")
    if not from_addr:
        from_addr = PREVIEW_SENDER
        notes.append(f"SMTP_FROM is not set: the message's From is {PREVIEW_SENDER}")
    recipient = str(order.get("email") or "")
    if not recipient:
        recipient = PREVIEW_RECIPIENT
        notes.append(f"the order has no email: the message's To is {PREVIEW_RECIPIENT}")
    order_id = str(order.get("id"))
    bad = _unusable(order_id, "id") or _unusable(recipient, "email")
    if bad is not None:
        raise ConfigError(bad.replace(": not sent", ": no message to write"))
    try:
        msg = mail.message(rendered, sender=from_addr, to=recipient, event=event, order_id=order_id)
    except ValueError as exc:  # a header the email package refuses (this order's data)
        raise ConfigError(f"the message cannot be built: {clean_peer_text(str(exc))}") from None
    return smtp_mailer.wire(msg)


def _fetch_one(env: Env, order_id: str, timeout: float) -> dict[str, Any]:
    with _admin(env, timeout) as admin:
        return admin.order(order_id, mail.ORDER_FIELDS)


def _admin(env: Env, timeout: float) -> medusa_api.Admin:
    if not env.is_set("MEDUSA_BACKEND_URL"):
        raise ConfigError(
            "MEDUSA_BACKEND_URL is not set: orders come from the admin API",
            hint="set it, or use --sample",
        )
    admin = medusa_api.Admin(env, timeout)
    if admin.login() is None:
        admin.http.close()
        raise ConfigError(
            "no admin credentials to read orders",
            hint="set MEDUSA_ADMIN_API_KEY, or MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD",
        )
    return admin


#: --since durations: 90m, 24h, 7d, 2w.
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, now: datetime | None = None) -> str:
    """--since as an ISO time: a duration back from now (`90m`, `24h`, `7d`, `2w`), `today` or
    `yesterday` (local midnight), or an ISO date/time as given."""
    import re
    from datetime import timedelta

    now = now or datetime.now().astimezone()
    text = value.strip().lower()
    match = re.fullmatch(r"(\d+)\s*([mhdw])", text)
    if match:
        delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return (now - delta).isoformat(timespec="seconds")
    if text in ("today", "yesterday"):
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - timedelta(days=text == "yesterday")).isoformat()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {value!r} is not a date or a duration",
            hint="use YYYY-MM-DD, an ISO 8601 time, a duration (90m, 24h, 7d) or today/yesterday",
        ) from None
    return parsed.isoformat()


def replay(
    env: Env,
    *,
    event: str,
    order_ids: Sequence[str],
    since: str | None,
    sample: bool,
    to: str | None,
    to_customer: bool,
    dry_run: bool,
    tpl: mail.Templates,
    timeout: float,
    confirm: Callable[[str, Sequence[str]], None],
    progress: Callable[[Delivery], None] | None = None,
) -> ReplayReport:
    """Render the event's template for each order and send it over one SMTP session."""
    started = time.monotonic()
    canonical = mail.event_name(event)
    template = mail.EVENTS[canonical]
    if sum([bool(order_ids), since is not None, sample]) != 1:
        raise UsageError(
            "choose the orders", hint="pass --order ID (repeatable), --since DATE or --sample"
        )
    if to and to_customer:
        raise UsageError("--to and --to-customer exclude each other", hint="use one of them")
    if not to and not to_customer:
        raise UsageError(
            "no recipient: replayed mail goes to --to only",
            hint="pass --to you@example.com (or --to-customer to mail each order's customer)",
        )
    live = stripe_mode(env.value("STRIPE_API_KEY")) == "live" or env.environment == "production"
    from_addr = sender(env)
    envelope_from = smtp_mailer.parseaddr_address(from_addr)
    name = store_name(env)
    since_iso = parse_since(since) if since is not None else None

    orders: list[tuple[str, dict[str, Any] | None, StorectlError | None]] = []
    if sample:
        example = mail.sample_order()
        orders.append((str(example["id"]), example, None))
    else:
        with _admin(env, timeout) as admin:
            if since_iso is not None:
                orders += [
                    (str(o.get("id")), o, None)
                    for o in admin.orders_since(since_iso, mail.ORDER_FIELDS)
                ]
            for order_id in order_ids:
                bad = _unusable(order_id, "id")
                if bad is not None:
                    orders.append((order_id, None, UsageError(bad)))
                    continue
                try:
                    orders.append((order_id, admin.order(order_id, mail.ORDER_FIELDS), None))
                except NetworkError as exc:
                    if exc.stage is not Stage.NOT_FOUND:
                        raise
                    orders.append((order_id, None, exc))

    if to_customer and live and not dry_run:
        # asked once the orders are known, so the question shows who would get mail
        confirm(
            f"Send replayed mail to {len(orders)} REAL customer(s) (live Stripe key or "
            "production)?",
            recipient_lines(orders),
        )
    deliveries: list[Delivery] = []
    connections = 0
    with smtp_mailer.SmtpMailer(env, timeout) as mailer:
        for order_id, found, problem in orders:
            if found is None:
                assert problem is not None
                item = Delivery(
                    clean_peer_text(order_id),
                    None,
                    to,
                    None,
                    "failed",
                    error=problem.message,
                    stage=problem.stage or Stage.CONFIG,
                )
            else:
                item = _deliver(
                    mailer,
                    found,
                    canonical,
                    template,
                    tpl,
                    name,
                    from_addr,
                    envelope_from,
                    to,
                    dry_run,
                )
            deliveries.append(item)
            if progress is not None:
                progress(item)
        connections = mailer.connections
    sent = sum(d.status == "sent" for d in deliveries)
    failed = sum(d.status == "failed" for d in deliveries)
    return ReplayReport(
        event=canonical,
        template=template,
        dry_run=dry_run,
        to_customer=to_customer,
        deliveries=tuple(deliveries),
        sent=sent,
        failed=failed,
        connections=connections,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


def recipient_lines(
    orders: Sequence[tuple[str, dict[str, Any] | None, StorectlError | None]],
) -> list[str]:
    """What `replay --to-customer` shows before it asks: each order and who would get its mail."""
    lines = ["will send to:"]
    for order_id, found, _problem in orders:
        if found is None:
            lines.append(f"  {clean_peer_text(order_id)}: not found, nothing sent")
            continue
        email = clean_peer_text(str(found.get("email") or "")) or "no email, nothing sent"
        lines.append(f"  #{found.get('display_id')} {clean_peer_text(order_id)} → {email}")
    return lines


def _unusable(value: str, field: str) -> str | None:
    """Why an order's id or email cannot go into a mail header or an SMTP command (a line
    break there would inject headers or commands), or None."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"the order's {field} contains a line break or control character: not sent"
    return None


def _deliver(
    mailer: smtp_mailer.Mailer,
    order: dict[str, Any],
    event: str,
    template: str,
    tpl: mail.Templates,
    name: str,
    from_addr: str,
    envelope_from: str,
    to: str | None,
    dry_run: bool,
) -> Delivery:
    order_id = str(order.get("id"))
    recipient = to or str(order.get("email") or "")
    bad = _unusable(order_id, "id") or (None if to else _unusable(recipient, "email"))
    if bad is not None:  # this order only: the others are still sent
        return Delivery(
            clean_peer_text(order_id),
            order.get("display_id"),
            clean_peer_text(recipient) or None,
            None,
            "failed",
            error=bad,
            stage=Stage.PROTOCOL,
        )
    if not recipient:
        return Delivery(
            order_id,
            order.get("display_id"),
            None,
            None,
            "failed",
            error="the order has no email",
            stage=Stage.CONFIG,
        )
    rendered = tpl.render(template, order, name)
    if dry_run:
        return Delivery(order_id, order.get("display_id"), recipient, rendered.subject, "planned")
    try:
        msg = mail.message(rendered, sender=from_addr, to=recipient, event=event, order_id=order_id)
    except ValueError as exc:  # a header the email package refuses (this order's data)
        return Delivery(
            order_id,
            order.get("display_id"),
            recipient,
            rendered.subject,
            "failed",
            error=f"the message cannot be built: {clean_peer_text(str(exc))}",
            stage=Stage.PROTOCOL,
        )
    try:
        reply = mailer.send(msg, envelope_from, recipient)
    except NetworkError as exc:
        if exc.unusable or exc.stage in (Stage.AUTH, Stage.CONFIG):
            raise  # the server is unusable: every other order would fail the same way
        return Delivery(
            order_id,
            order.get("display_id"),
            recipient,
            rendered.subject,
            "failed",
            error=exc.message,
            stage=exc.stage,
        )
    return Delivery(
        order_id, order.get("display_id"), recipient, rendered.subject, "sent", reply=reply
    )
