"""Store folders and environments the CLI tests share (helpers live here, not in test modules,
so no test module imports another): webhooks and regions stores, the webhook-events env, mail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from testing.certs import Certs
from testing.cli import Result, run, write
from testing.medusa_server import ADMIN_EMAIL, ADMIN_PASSWORD, API_KEY, MedusaServer
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer

# --- webhooks (tests/test_webhooks.py and the rotation and secret tests) ------------------------

BACKEND = "https://shop.example.com"
HOOK = "/hooks/payment/stripe_stripe"
BACKEND_ENV = (
    "# backend env\n"
    "DATABASE_URL=postgres://localhost/shop\n"
    "\n"
    "STRIPE_API_KEY={key}\n"
    "STRIPE_API_BASE={base}\n"
    "{location}\n"
    "# the end\n"
)


def webhooks_store(
    store: Path,
    stripe: StripeServer,
    key: str = TEST_KEY,
    backend: str | None = None,
    path: str = HOOK,
) -> Path:
    """A store whose webhook URL is on `backend` (a local server), or, without one, a fixed
    STRIPE_WEBHOOK_URL and no MEDUSA_BACKEND_URL, so no test reaches for a real host."""
    if backend is None:
        location = f"STRIPE_WEBHOOK_URL={BACKEND}{path}"
    else:
        location = f"MEDUSA_BACKEND_URL={backend}\nSTRIPE_WEBHOOK_PATH={path}"
    env_path = store / "backend/.env"
    write(env_path, BACKEND_ENV.format(key=key, base=stripe.url, location=location))
    return env_path


def on_disk(env_path: Path, secret: str, endpoint_id: str | None = None) -> None:
    """Put a webhook secret (and the endpoint it belongs to) in the env file, as register does."""
    lines = f"STRIPE_WEBHOOK_SECRET={secret}\n"
    if endpoint_id is not None:
        lines += f"STRIPE_WEBHOOK_ENDPOINT_ID={endpoint_id}\n"
    env_path.write_text(env_path.read_text() + lines)


def webhooks(store: Path, *args: str) -> Result:
    return run("webhooks", *args, "--project", str(store))


def scope(key: str = TEST_KEY) -> str:
    return "acct_1CNRYtest:" + ("live" if key.startswith("sk_live") else "test")


def seed(
    server: StripeServer, url: str, events: list[str], status: str = "enabled", key: str = TEST_KEY
) -> str:
    return server.state.seed(url, events, status, scope(key))


# --- regions ---------------------------------------------------------------------------------


def regions_store(
    store: Path, medusa: MedusaServer, auth: str = "key", stripe: bool = True
) -> None:
    lines = [f"MEDUSA_BACKEND_URL={medusa.url}"]
    if auth == "key":
        lines.append(f"MEDUSA_ADMIN_API_KEY={API_KEY}")
    elif auth == "password":
        lines += [f"MEDUSA_ADMIN_EMAIL={ADMIN_EMAIL}", f"MEDUSA_ADMIN_PASSWORD={ADMIN_PASSWORD}"]
    if stripe:
        lines.append("STRIPE_API_KEY=sk_test_51CNRYregions0000000001")
    write(store / "backend/.env", "\n".join(lines) + "\n")


# --- webhook test events (tests/test_webhook_events.py) -----------------------------------------

EVENTS_SECRET = "whsec_CNRYwebhooksecret00000001"


def env_for(medusa: MedusaServer, key: str = TEST_KEY) -> dict[str, str]:
    return {
        "STRIPE_API_KEY": key,
        "STRIPE_WEBHOOK_SECRET": EVENTS_SECRET,
        "STRIPE_WEBHOOK_PATH": HOOK,
        "MEDUSA_BACKEND_URL": medusa.url,
    }


# --- mail (tests/test_mail.py and the guard and hostile-shape tests) ---------------------------

EXAMPLE_ID = "order_01M8AXT4YN42ZN2E4VDJG459CX"


def smtp_env(
    servers: SmtpServers, certs: Certs, medusa: MedusaServer | None = None, **extra: str
) -> dict[str, str]:
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(servers.starttls),
        "SMTP_USER": USER,
        "SMTP_PASS": PASSWORD,
        "SMTP_FROM": "Acceptance Shop <orders@example.com>",
        "SSL_CERT_FILE": str(certs.ca),
    }
    if medusa is not None:
        env.update(MEDUSA_BACKEND_URL=medusa.url, MEDUSA_ADMIN_API_KEY=API_KEY)
    env.update(extra)
    return env


def captured(servers: SmtpServers, since: int) -> list[tuple[str, list[str], Any]]:
    return servers.capture.messages[since:]
