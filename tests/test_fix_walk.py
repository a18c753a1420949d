"""Issue 21 B: advice that always leads somewhere. Every failing check of the test stores whose
fix a program can apply (`fix_kind` env or command, with `fix_apply`) is applied, doctor runs
again, and that check now passes: no hint leads to a command that refuses."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from testing.medusa_server import API_KEY, MedusaServer
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import run

FAILING = ("fail", "error", "warn")
APPLICABLE = ("env", "command")


def _doctor(store: Path) -> dict[tuple[str, str], dict[str, Any]]:
    result = run("doctor", "--project", str(store), "--only", "stripe,medusa", "--json")
    assert "Traceback" not in result.stderr
    return {(c["provider"], c["check"]): c for c in result.json()["checks"]}


def _set(store: Path, assignment: str) -> None:
    """The env edit: NAME=value in backend/.env (the line replaced, or added)."""
    name = assignment.split("=", 1)[0]
    path = store / "backend" / ".env"
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{name}=")]
    path.write_text("\n".join([*lines, assignment]) + "\n")


def _apply(store: Path, check: dict[str, Any]) -> None:
    if check["fix_kind"] == "env":
        _set(store, check["fix_apply"])
        return
    argv = shlex.split(check["fix_apply"])[1:]
    result = run(*argv, "--project", str(store), "--yes")
    # the command a hint names must do its job, not refuse
    assert result.exit_code == 0, (check["fix_apply"], result.stdout, result.stderr)


def _failing(checks: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c
        for c in checks.values()
        if c["status"] in FAILING and c["fix_kind"] in APPLICABLE and c["fix_apply"]
    ]


def walk(store: Path) -> list[str]:
    """Apply each program-applicable fix in turn; after each, the check it belonged to
    passes, or fails on with another applicable fix (a next step). Returns what was applied."""
    applied: list[str] = []
    checks = _doctor(store)
    for _ in range(10):
        todo = _failing(checks)
        if not todo:
            return applied
        check = todo[0]
        key = (check["provider"], check["check"])
        _apply(store, check)
        applied.append(check["fix_apply"])
        checks = _doctor(store)
        after = checks.get(key)  # None: a lint finding that is fixed is no longer reported
        if after is not None and after["status"] in FAILING:
            # not fixed yet: then the advice must have moved on to another applicable step
            assert after["fix_kind"] in APPLICABLE and after["fix_apply"], (key, after)
            assert after["fix_apply"] != check["fix_apply"], (key, after)
    raise AssertionError(f"the advice goes round in circles: {applied}")


def _store(tmp_path: Path, stripe: StripeServer, medusa: MedusaServer, **extra: str) -> Path:
    store = tmp_path / "shop"
    (store / "backend").mkdir(parents=True)
    env = {
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe.url,
        "MEDUSA_BACKEND_URL": medusa.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        **extra,
    }
    (store / "backend" / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (store / "backend" / ".env").chmod(0o600)
    return store


@pytest.mark.parametrize(
    "extra",
    [
        # the store document's path, no endpoint, no secret, no region with Stripe
        {"STRIPE_WEBHOOK_PATH": "/store/webhooks/payment/stripe"},
        # the default path: only the endpoint and the secret are missing
        {},
        # two endpoints for the URL (one lacking Medusa's events), a secret of neither
        {"duplicates": "yes", "STRIPE_WEBHOOK_SECRET": "whsec_unknown000000000000"},
    ],
    ids=["document-path", "default-path", "duplicate-endpoints"],
)
def test_every_applicable_fix_leads_to_a_pass(
    tmp_path: Path, stripe_server: StripeServer, medusa_server: MedusaServer, extra: dict[str, str]
) -> None:
    if extra.pop("duplicates", None):
        url = f"{medusa_server.url}/hooks/payment/stripe_stripe"
        stripe_server.state.seed(url, ["charge.succeeded"])
        stripe_server.state.seed(url)
    store = _store(tmp_path, stripe_server, medusa_server, **extra)
    before = _failing(_doctor(store))
    assert before, "the store must start broken"
    applied = walk(store)
    assert applied
    after = _doctor(store)
    for check in before:
        key = (check["provider"], check["check"])
        if key in after:  # a lint finding that is fixed is no longer reported at all
            assert after[key]["status"] not in FAILING, (key, after[key])
    if "STRIPE_WEBHOOK_PATH" in extra:
        # the document's path: the first step is the one env edit every command names
        assert applied[0] == "STRIPE_WEBHOOK_PATH=/hooks/payment/stripe_stripe"


def test_the_document_path_gets_the_same_one_fix_from_every_command(
    tmp_path: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    store = _store(
        tmp_path,
        stripe_server,
        medusa_server,
        STRIPE_WEBHOOK_PATH="/store/webhooks/payment/stripe",
        STRIPE_WEBHOOK_SECRET="whsec_CNRYwebhooksecret00000001",
    )
    fix = "set STRIPE_WEBHOOK_PATH=/hooks/payment/stripe_stripe"
    project = ("--project", str(store))
    for argv in (
        ("webhooks", "url"),
        ("webhooks", "list"),
        ("webhooks", "register"),
        ("webhooks", "test"),
        ("doctor", "--only", "stripe,medusa"),
    ):
        result = run(*argv, *project, *(["--yes"] if argv[-1] == "register" else []))
        said = result.stdout + result.stderr
        assert fix in said, (argv, said)
        assert "run 'storectl webhooks register'" not in said, (argv, said)


def test_with_stripe_webhook_url_the_fix_names_the_url(
    tmp_path: Path, stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    """STRIPE_WEBHOOK_URL wins over the path: setting the path would change nothing."""
    store = _store(
        tmp_path,
        stripe_server,
        medusa_server,
        STRIPE_WEBHOOK_URL=f"{medusa_server.url}/store/webhooks/payment/stripe",
    )
    fix = f"STRIPE_WEBHOOK_URL={medusa_server.url}/hooks/payment/stripe_stripe"
    checks = _doctor(store)
    assert checks[("medusa", "webhook-route")]["fix_apply"] == fix
    assert checks[("stripe", "webhook")]["fix_apply"] == fix
    assert fix in run("webhooks", "url", "--project", str(store)).stdout
    assert fix in run("webhooks", "register", "--project", str(store), "--yes").stderr
    assert walk(store)[0] == fix
