"""Issue 21 C: a Stripe key's mode against the environment the run declares (or only infers)."""

from __future__ import annotations

from typing import Any

from testing.stripe_server import LIVE_KEY, TEST_KEY, StripeServer
from tests.conftest import Result, run

BACKEND = "https://shop.example.com"


def _env(server: StripeServer, key: str, public: str, **extra: str) -> dict[str, str]:
    server.state.seed(f"{BACKEND}/hooks/payment/stripe_stripe")
    server.state.seed(f"{BACKEND}/hooks/payment/stripe_stripe", scope="acct_1CNRYtest:live")
    return {
        "STRIPE_API_KEY": key,
        "NEXT_PUBLIC_STRIPE_KEY": public,
        "STRIPE_WEBHOOK_SECRET": "whsec_CNRYwebhooksecret00000001",
        "STRIPE_API_BASE": server.url,
        "MEDUSA_BACKEND_URL": BACKEND,
        **extra,
    }


def _mode(result: Result) -> dict[str, Any]:
    return next(c for c in result.json()["checks"] if c["check"] == "mode")


def _doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "stripe", "--format", "json", *args, env=env)


def test_test_key_fails_a_run_declared_production(stripe_server: StripeServer) -> None:
    env = _env(stripe_server, TEST_KEY, "pk_test_abc")
    result = _doctor(env, "--environment", "production")
    mode = _mode(result)
    assert result.exit_code == 1
    assert (mode["status"], mode["stage"]) == ("fail", "CONFIG")
    assert "declared production" in mode["summary"]
    status = run("status", "--environment", "production", "--format", "json", env=env)
    codes = {f["code"]: f["severity"] for f in status.json()["findings"]}
    assert codes["stripe.key-environment"] == "error"


def test_test_key_only_warns_when_node_env_says_production(stripe_server: StripeServer) -> None:
    env = _env(stripe_server, TEST_KEY, "pk_test_abc", NODE_ENV="production")
    mode = _mode(_doctor(env))
    assert mode["status"] == "warn"
    assert "--environment production" in mode["hint"]
    assert "--environment staging" in mode["hint"]


def test_live_key_outside_production_warns(stripe_server: StripeServer) -> None:
    env = _env(stripe_server, LIVE_KEY, "pk_live_abc")
    mode = _mode(_doctor(env, "--environment", "staging"))
    assert mode["status"] == "warn"
    assert "are live keys in environment 'staging'" in mode["summary"]


def test_fitting_keys_pass_and_say_the_environment(stripe_server: StripeServer) -> None:
    mode = _mode(_doctor(_env(stripe_server, TEST_KEY, "pk_test_abc"), "--environment", "staging"))
    assert mode["status"] == "ok"
    assert mode["summary"] == "test mode and NEXT_PUBLIC_STRIPE_KEY agrees in environment 'staging'"


def test_fleet_store_declared_production_fails_a_test_key(
    stripe_server: StripeServer, tmp_path: Any
) -> None:
    env = _env(stripe_server, TEST_KEY, "pk_test_abc")
    (tmp_path / "shop" / "backend").mkdir(parents=True)
    (tmp_path / "shop" / "backend" / ".env").write_text(
        "".join(f"{k}={v}\n" for k, v in env.items())
    )
    (tmp_path / "storectl.toml").write_text(
        '[[store]]\nname = "shop"\nproject = "shop"\nenvironment = "production"\n'
    )
    result = run("doctor", "--only", "stripe", "--format", "json")
    assert result.exit_code == 1
    report = result.json()["stores"][0]["report"]
    mode = next(c for c in report["checks"] if c["check"] == "mode")
    assert mode["status"] == "fail"


def test_list_checks_says_what_mode_proves() -> None:
    result = run("doctor", "--list-checks")
    assert result.exit_code == 0
    assert "declared production" in result.stdout
