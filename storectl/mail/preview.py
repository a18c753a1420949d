"""`storectl mail test` and `mail preview`: one test message through the store's SMTP, and a
template rendered for one order (HTML and text parts, the .eml replay would send, a screenshot)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storectl.env import Env
from storectl.errors import ConfigError, UsageError
from storectl.fsutil import atomic_write, ensure_parent
from storectl.mail import browser
from storectl.mail import render as mail
from storectl.mail.orders import choose_order_hint, fetch_one, sender, store_name, unusable
from storectl.mail.page import Screenshot
from storectl.output.console import write_bytes
from storectl.providers import smtp_mailer, smtp_session
from storectl.providers.shape import Object
from storectl.redact import clean_peer_text


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
    screenshot: Screenshot | None = None
    #: the HTML part's file (what --open shows), when the parts were written
    html_file: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateList:
    override: str | None
    templates: tuple[mail.TemplateInfo, ...]


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
        domain=smtp_session.parseaddr_address(from_addr).rpartition("@")[2] or None
    )
    msg.set_content(
        "This is a test message sent by storectl through the store's SMTP settings.\n"
        f"Server: {env.value('SMTP_HOST')}:{smtp_session.port(env)}\n"
    )
    with smtp_mailer.SmtpMailer(env, timeout) as mailer:
        reply = mailer.send(msg, smtp_session.parseaddr_address(from_addr), to)
    return TestMail(to, from_addr, f"{env.value('SMTP_HOST')}:{smtp_session.port(env)}", reply)


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
    if order_id and sample:
        raise UsageError("pass --order ID or --sample, not both", hint="drop one of them")
    if not order_id and not sample:
        raise UsageError(
            "pass --order ID or --sample", hint=choose_order_hint(env, min(timeout, 10.0))
        )
    order = mail.sample_order() if sample else fetch_one(env, str(order_id), timeout)
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
        measured = browser.screenshot(rendered.html, *shot, timeout=timeout)
        files.append(measured["path"])
    size = len(rendered.html.encode())
    return Preview(
        canonical, template, rendered.subject, tuple(files), size, measured, html_file, tuple(notes)
    )


#: Stand-ins for an address the store's env or the order lacks, under a reserved name.
PREVIEW_SENDER = "Store <store@storectl.invalid>"
PREVIEW_RECIPIENT = "customer@storectl.invalid"


def _eml(env: Env, rendered: mail.Rendered, order: Object, event: str, notes: list[str]) -> bytes:
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
    bad = unusable(order_id, "id") or unusable(recipient, "email")
    if bad is not None:
        raise ConfigError(bad.replace(": not sent", ": no message to write"))
    try:
        msg = mail.message(rendered, sender=from_addr, to=recipient, event=event, order_id=order_id)
    except ValueError as exc:  # a header the email package refuses (this order's data)
        raise ConfigError(f"the message cannot be built: {clean_peer_text(str(exc))}") from None
    return smtp_mailer.wire(msg)
