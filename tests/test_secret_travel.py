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


# --- every secret-shaped value is masked (issue 20 F) ---------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDTlJZand0In0.CNRYjwtSignature0001"
PEM_JSON = (
    '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\\\n'
    'CNRYpemBody0001\\\\n-----END PRIVATE KEY-----\\\\n","client_email":"a@b.iam.example.com"}'
)
SHAPED = {
    "FIREBASE_SERVICE_ACCOUNT": (f"'{PEM_JSON}'", "****", "CNRYpemBody0001"),
    "SESSION_JWT": (JWT, "****", "CNRYjwt"),
    "ALERT_WEBHOOK": (
        "https://alerts.example.com/in?team=ops&token=CNRYtoken0001",
        "https://alerts.example.com/in?team=ops&token=****",
        "CNRYtoken0001",
    ),
    "CHAT": (
        "https://hooks.slack.com/services/T0000/B0000/CNRYslack0001",
        "https://hooks.slack.com/****",
        "CNRYslack0001",
    ),
    "DISCORD": (
        "https://discord.com/api/webhooks/1234/CNRYdiscord0001",
        "https://discord.com/****",
        "CNRYdiscord0001",
    ),
    "DB_PWD": ("CNRYdbpwd0001", "****", "CNRYdbpwd0001"),
    "API_AUTH": ("Bearer CNRYbearer0001", "Bearer ****", "CNRYbearer0001"),
    "UPSTREAM": ("Basic Q05SWXVzZXI6Q05SWXBhc3M=", "Basic ****", "Q05SWXVzZXI6Q05SWXBhc3M"),
    "HMAC": ("CNRYhmac0001", "****", "CNRYhmac0001"),
    "SIGNING_SALT": ("CNRYsalt0001", "****", "CNRYsalt0001"),
    "MAILCHIMP_AUTH": ("CNRYmailchimp0001-us1", "****", "CNRYmailchimp0001"),
    "SENTRY_DSN": ("https://CNRYdsn0001@o1.ingest.example.com/2", "****", "CNRYdsn0001"),
    "SIGNED_ASSET": (
        "https://cdn.example.com/a.png?X-Amz-Signature=CNRYsig0001&w=2",
        "https://cdn.example.com/a.png?X-Amz-Signature=****&w=2",
        "CNRYsig0001",
    ),
    "COPY_OF_PASS": ("${DB_PWD}", "****", "CNRYdbpwd0001"),
}
HARMLESS = {
    "NODE_ENV": "production",
    "PORT": "9000",
    "AUTH_CORS": "https://admin.example.com",
    "AUTH_ENABLED": "true",
    "HMAC_ALGORITHM": "sha256",
    "STOREFRONT_URL": "https://shop.example.com/?utm_source=mail&lang=en",
    "PLAN": "Basic membership",
    "PWD": "/srv/shop",
    "STRIPE_WEBHOOK_URL": "https://shop.example.com/hooks/payment/stripe_stripe",
    "NEXTAUTH_URL": "https://shop.example.com/api/auth",
}


def shaped_store(store: Path) -> None:
    lines = [f"{name}={value}" for name, (value, _, _) in SHAPED.items()]
    lines += [f"{name}={value}" for name, value in HARMLESS.items()]
    write(store / "backend" / ".env", "\n".join(lines) + "\n")


def test_env_masks_by_name_and_by_shape(store: Path) -> None:
    shaped_store(store)
    result = run("env", "-p", str(store), "--ignore-environment", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {v["name"]: v for v in result.json()["variables"]}
    for name, (_, shown, canary) in SHAPED.items():
        assert (name, rows[name]["value"], rows[name]["masked"]) == (name, shown, True)
        assert canary not in result.stdout + result.stderr, name
    for name, value in HARMLESS.items():
        assert (name, rows[name]["value"], rows[name]["masked"]) == (name, value, False)
    text = run("env", "-p", str(store), "--ignore-environment")
    for _, _, canary in SHAPED.values():
        assert canary not in text.stdout + text.stderr
    assert "Bearer ****" in text.stdout and "https://hooks.slack.com/****" in text.stdout


def test_masked_is_true_whenever_the_value_is_hidden(store: Path) -> None:
    shaped_store(store)
    data = run("env", "-p", str(store), "--ignore-environment", "-f", "json").json()
    raw = {name: value.strip("'") for name, (value, _, _) in SHAPED.items()} | HARMLESS
    for row in data["variables"]:
        if row["name"] in raw and row["name"] != "COPY_OF_PASS":
            assert row["masked"] is (row["value"] != raw[row["name"]]), row["name"]
