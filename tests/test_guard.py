"""Issue 20 E through the CLI: one guard (storectl/guard.py) for every action that touches a
real store or real customers; every spelling of production counts, while the lint says what
Medusa itself does with the value."""

from __future__ import annotations

import pytest

from testing.certs import Certs
from testing.medusa_server import MedusaServer
from testing.smtp_server import SmtpServers
from testing.stores import HOOK, captured, env_for, smtp_env
from tests.conftest import run

SESSION = "payses_01JCNRYREALSESSION00000000"
#: a backend that only has to look remote: nothing is ever sent there (the guard refuses first)
REMOTE_HOOK = "https://shop.invalid" + HOOK
PRODUCTION = ["production", "Production", "PRODUCTION", " prod ", "prd", "live", "production-eu"]
NOT_PRODUCTION = ["staging", "development", "test"]


@pytest.mark.parametrize("how", ["--environment", "NODE_ENV"])
def test_a_test_event_for_a_real_session_on_a_production_backend_needs_yes(
    medusa_server: MedusaServer, how: str
) -> None:
    """The reproduction: a signed payment_intent.succeeded for a real session went to a
    production backend without --yes when no live key was loaded."""
    env = env_for(medusa_server)  # a test key: only the environment says "real store"
    args = ["webhooks", "test", "--event", "succeeded", "--session", SESSION, "--url", REMOTE_HOOK]
    if how == "NODE_ENV":
        env["NODE_ENV"] = "Production"
    else:
        args += ["--environment", "production"]
    result = run(*args, "--allow-empty", env=env)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "not confirmed" in result.stderr and "--yes" in result.stderr
    assert "counts as production" in result.stderr and "shop.invalid" in result.stderr
    assert medusa_server.state.hooks == []


def test_a_loopback_backend_in_production_is_not_a_real_store(medusa_server: MedusaServer) -> None:
    env = {**env_for(medusa_server), "NODE_ENV": "production"}
    result = run("webhooks", "test", "--event", "succeeded", "--session", SESSION, env=env)
    assert result.exit_code == 0, result.stderr
    assert len(medusa_server.state.hooks) == 1


def test_without_a_session_a_production_backend_is_not_touched(
    medusa_server: MedusaServer,
) -> None:
    """No metadata.session_id: Medusa ignores the event, so there is nothing to guard."""
    env = {**env_for(medusa_server), "NODE_ENV": "production"}
    result = run("webhooks", "test", "--event", "succeeded", env=env)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("spelling", PRODUCTION)
def test_every_spelling_of_production_guards_mail_to_customers(
    smtp_servers: SmtpServers, certs: Certs, spelling: str
) -> None:
    """The reproduction: NODE_ENV=Production mailed a customer without --yes."""
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, NODE_ENV=spelling)
    refused = run("mail", "replay", "order.placed", "--sample", "--to-customer", env=env)
    assert refused.exit_code == 2, refused.stdout + refused.stderr
    assert "REAL customer" in refused.stderr and "--yes" in refused.stderr
    assert "counts as production" in refused.stderr
    assert captured(smtp_servers, before) == []
    sent = run("mail", "replay", "order.placed", "--sample", "--to-customer", "--yes", env=env)
    assert sent.exit_code == 0, sent.stderr
    assert len(captured(smtp_servers, before)) == 1


@pytest.mark.parametrize("spelling", NOT_PRODUCTION)
def test_other_environments_send_without_asking(
    smtp_servers: SmtpServers, certs: Certs, spelling: str
) -> None:
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, NODE_ENV=spelling)
    result = run("mail", "replay", "order.placed", "--sample", "--to-customer", env=env)
    assert result.exit_code == 0, result.stderr
    assert len(captured(smtp_servers, before)) == 1


def test_the_lint_says_what_medusa_does_with_a_capital_p(
    smtp_servers: SmtpServers, certs: Certs
) -> None:
    """Medusa compares NODE_ENV case-sensitively: `Production` reads .env only. The lint says
    so, while the guard above still treats it as production."""
    env = smtp_env(smtp_servers, certs, NODE_ENV="Production")
    data = run("status", "--allow-empty", "-f", "json", env=env).json()
    (found,) = [f for f in data["findings"] if f["code"] == "env.unknown-environment"]
    assert "case-sensitively" in found["message"] and "reads .env only" in found["message"]
    assert "did you mean 'production'?" in found["hint"]
