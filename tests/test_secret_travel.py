"""A live Stripe key travels over https only (issue 20 F): a plain-http STRIPE_API_BASE on a host
that is not loopback is a lint error, and no command opens a connection with the key. The
proof: `stripe-mock.invalid` cannot resolve, so any attempt would end as a DNS failure (as it did
before the fix); each command ends with the CONFIG refusal instead. A loopback mock, exempt,
still receives the key (a listener records its Authorization header)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing import hostile
from tests.conftest import run, write

LIVE = "sk_live_CNRYtravel000000000000001"
REFUSAL = "STRIPE_API_KEY is a live key and STRIPE_API_BASE (http://stripe-mock.invalid)"


def clear_env(store: Path, base: str = "http://stripe-mock.invalid") -> dict[str, str]:
    write(store / "backend" / ".env", f"STRIPE_API_KEY={LIVE}\nSTRIPE_API_BASE={base}\n")
    return {}


def test_status_lints_a_live_key_in_clear(store: Path) -> None:
    env = clear_env(store)
    result = run("status", "-p", str(store), "-f", "json", env=env)
    assert result.exit_code == 1
    found = {f["code"]: f for f in result.json()["findings"]}["stripe.api-base-plaintext"]
    assert found["severity"] == "error" and found["source"] == "backend/.env:2"
    assert found["message"].startswith(REFUSAL)
    assert LIVE not in result.stdout + result.stderr


def test_doctor_refuses_before_any_connection(store: Path) -> None:
    env = clear_env(store)
    result = run(
        "doctor", "-p", str(store), "--only", "stripe", "-f", "json", "--timeout", "5", env=env
    )
    assert result.exit_code == 1
    checks = {c["check"]: c for c in result.json()["checks"]}
    assert checks["stripe.api-base-plaintext"]["status"] == "fail"
    key = checks["key"]
    assert (key["status"], key["stage"]) == ("fail", "CONFIG")  # not DNS: nothing was tried
    assert key["summary"].startswith(REFUSAL)
    assert "DNS" not in result.stdout + result.stderr  # no connection was tried


@pytest.mark.parametrize(
    "command", [("webhooks", "list"), ("payments",), ("webhooks", "register", "--dry-run")]
)
def test_commands_refuse_before_any_connection(store: Path, command: tuple[str, ...]) -> None:
    env = clear_env(store)
    env.update({"MEDUSA_BACKEND_URL": "https://shop.example.com", "MEDUSA_ADMIN_API_KEY": "sk_x"})
    result = run(*command, "-p", str(store), "--timeout", "5", env=env)
    assert result.exit_code != 0
    assert REFUSAL in result.stderr and "never sends a live key in clear" in result.stderr
    assert "Traceback" not in result.stderr and LIVE not in result.stdout + result.stderr
    assert "DNS" not in result.stdout + result.stderr  # no connection was tried


@pytest.mark.parametrize(
    "base", ["https://stripe-mock.invalid", "http://127.0.0.1:9", "http://localhost:9"]
)
def test_https_and_loopback_are_fine(store: Path, base: str) -> None:
    env = clear_env(store, base)
    result = run("status", "-p", str(store), "-f", "json", env=env)
    assert "stripe.api-base-plaintext" not in {f["code"] for f in result.json()["findings"]}


def test_a_test_key_may_use_a_remote_mock(store: Path) -> None:
    write(
        store / "backend" / ".env",
        "STRIPE_API_KEY=sk_test_CNRYtravel0000000001\nSTRIPE_API_BASE=http://stripe-mock.invalid\n",
    )
    result = run("status", "-p", str(store), "-f", "json")
    assert "stripe.api-base-plaintext" not in {f["code"] for f in result.json()["findings"]}


def test_a_loopback_mock_still_gets_the_live_key(store: Path) -> None:
    """The exemption is real: a local stripe-mock on loopback is reached (and answers)."""
    with hostile.wrong_shape({"object": "list", "data": [], "has_more": False}) as mock:
        write(store / "backend" / ".env", f"STRIPE_API_KEY={LIVE}\nSTRIPE_API_BASE={mock.url}\n")
        result = run("webhooks", "list", "-p", str(store), "--timeout", "5", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert any(b"Bearer " + LIVE.encode() in raw for raw in mock.requests)
