"""Issue 11: the conventions a CLI follows for programs, CI and terminals, tested through the CLI.

Errors as JSON, GitHub Actions (masking, annotations on the file, escaped summary cells), honest
labels (skipped rows, the `i` mark), and the rest of the issue's points as they land.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.medusa_server import MedusaServer
from testing.smtp_server import SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import run, write

# --- errors a program can read ------------------------------------------------------------------


def test_an_error_under_json_is_a_document_on_stdout(tmp_path: Path) -> None:
    result = run("status", "--project", str(tmp_path / "nowhere"), "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: project folder")
    doc = json.loads(result.stdout)
    assert doc == {
        "schema_version": 1,
        "command": "status",
        "ok": False,
        "error": {
            "message": doc["error"]["message"],
            "stage": None,
            "hint": doc["error"]["hint"],
            "exit_code": 2,
        },
    }
    assert f"Error: {doc['error']['message']}\n" in result.stderr
    assert f"hint: {doc['error']['hint']}" in result.stderr


def test_an_error_under_table_leaves_stdout_empty(tmp_path: Path) -> None:
    result = run("status", "--project", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stdout == ""


def test_the_error_document_goes_to_the_output_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "today" / "doctor.json"
    result = run("doctor", "--only", "strpe", "-f", "json", "-o", str(target))
    assert result.exit_code == 2 and result.stdout == ""
    doc = json.loads(target.read_text())
    assert doc["ok"] is False and doc["error"]["exit_code"] == 2
    assert "strpe" in doc["error"]["message"]


def test_a_bad_option_is_not_a_json_document() -> None:
    """Before the options are parsed the format is not known: click's usage error, exit 2."""
    result = run("status", "--format", "yaml")
    assert result.exit_code == 2 and result.stdout == ""


def test_the_error_document_masks_secrets(store: Path) -> None:
    key = "sk_test_" + "S3cr3tValue0123456789abcd"
    result = run(
        "webhooks",
        "list",
        "-f",
        "json",
        "--timeout",
        "1",
        "--project",
        str(store),
        env={"STRIPE_API_KEY": key, "STRIPE_API_BASE": f"http://u:{key}@127.0.0.1:1"},
    )
    assert result.exit_code == 1
    assert key not in result.stdout and key not in result.stderr
    assert json.loads(result.stdout)["error"]["stage"] == "CONNECT"


# --- GitHub Actions ------------------------------------------------------------------------------


def _lint_store(root: Path) -> Path:
    (root / "storefront").mkdir(parents=True)
    return write(root / "backend/.env", "REDIS_URL=redis://127.0.0.1:1\nREDIS_URL=x|y\n")


def test_lint_annotations_sit_on_the_env_file_and_line(tmp_path: Path) -> None:
    store = tmp_path / "shop"
    _lint_store(store)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    result = run("doctor", "--project", str(store), "-f", "github", "--timeout", "1", env=env)
    lines = [line for line in result.stdout.splitlines() if "env.duplicate-key" in line]
    assert lines and lines[0].startswith("::warning file=shop/backend/.env,line=2,title=")
    probes = [line for line in result.stdout.splitlines() if "connect [" in line]
    assert probes and all("file=" not in line for line in probes)  # host:port is not a file


def test_step_summary_cells_are_escaped(tmp_path: Path) -> None:
    store = tmp_path / "shop"
    _lint_store(store)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    run("doctor", "--project", str(store), "-f", "github", "--timeout", "1", env=env)
    rows = [line for line in summary.read_text().splitlines() if line.startswith("| ")]
    header = rows[0].count(" | ")
    assert all(row.replace("\\|", "").count(" | ") == header for row in rows), rows
    assert summary.read_text().rstrip().endswith("· failed")  # the summary line, not a cell


def test_a_shown_secret_is_masked_in_the_actions_log_first(
    store: Path, stripe_server: StripeServer
) -> None:
    write(
        store / "backend/.env",
        f"STRIPE_API_KEY={TEST_KEY}\nSTRIPE_API_BASE={stripe_server.url}\n"
        "STRIPE_WEBHOOK_URL=https://shop.example.com/hooks/payment/stripe_stripe\n",
    )
    env = {"GITHUB_ACTIONS": "true"}
    args = ("webhooks", "register", "--project", str(store), "--show-secret", "--force")
    result = run(*args, env=env)
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.split("signing secret: ")[1].split()[0]
    assert result.stdout.splitlines()[0] == f"::add-mask::{secret}"
    again = run(*args, "--rotate", "--yes", "-f", "json", env=env)
    doc = json.loads(again.stdout)  # stdout stays one JSON document; the mask goes to stderr
    assert f"::add-mask::{doc['secret']}" in again.stderr.splitlines()


def test_no_mask_line_outside_actions(store: Path, stripe_server: StripeServer) -> None:
    write(
        store / "backend/.env",
        f"STRIPE_API_KEY={TEST_KEY}\nSTRIPE_API_BASE={stripe_server.url}\n"
        "STRIPE_WEBHOOK_URL=https://shop.example.com/hooks/payment/stripe_stripe\n",
    )
    result = run("webhooks", "register", "--project", str(store), "--show-secret", "--force")
    assert "::add-mask::" not in result.stdout + result.stderr


# --- labels that tell the truth ------------------------------------------------------------------


def test_an_inactive_provider_reads_as_skipped_with_its_reason(store: Path) -> None:
    result = run("doctor", "--only", "stripe", "--project", str(store), "--allow-empty")
    assert result.exit_code == 0
    assert re.search(r"^– Stripe payments · skipped: STRIPE_API_KEY unset → ", result.stdout, re.M)
    assert " active " not in result.stdout
    args = ("doctor", "--only", "stripe", "--project", str(store), "--allow-empty")
    data = run(*args, "-f", "json").json()
    assert [(c["check"], c["status"]) for c in data["checks"]] == [("active", "skip")]


def test_info_findings_get_the_i_mark(tmp_path: Path) -> None:
    write(
        tmp_path / "backend/.env",
        "MEDUSA_BACKEND_URL=http://127.0.0.1:1\nMEDUSA_ADMIN_API_KEY=sk_abcdef0123456789\n"
        "MEDUSA_ADMIN_EMAIL=a@example.com\nMEDUSA_ADMIN_PASSWORD=pw-0123456789\n",
    )
    (tmp_path / "storefront").mkdir()
    args = ("doctor", "--only", "medusa", "--project", str(tmp_path), "--timeout", "1")
    assert "admin-credentials-both" not in run(*args).stdout  # not a problem: -v lists it
    table = run(*args, "-v")
    line = next(x for x in table.stdout.splitlines() if "admin-credentials-both" in x)
    assert line.startswith("  i medusa.admin-credentials-both [backend/.env:")
    data = run(*args, "-f", "json").json()
    info = next(c for c in data["checks"] if c["check"] == "medusa.admin-credentials-both")
    assert info["status"] == "ok"  # JSON statuses stay as they are


# --- output that fits ----------------------------------------------------------------------------


def _inactive_store(root: Path) -> Path:
    (root / "backend").mkdir(parents=True)
    (root / "storefront").mkdir()
    return root


def test_the_last_column_wraps_at_columns_with_a_hanging_indent(tmp_path: Path) -> None:
    store = _inactive_store(tmp_path / "s")
    args = ("status", "--project", str(store), "--allow-empty")
    wide = run(*args, env={"COLUMNS": "400"}).stdout
    narrow = run(*args, env={"COLUMNS": "60"}).stdout
    assert all(len(line) <= 60 for line in narrow.splitlines() if "unset" in line)
    row = next(line for line in wide.splitlines() if line.startswith("Medusa backend"))
    start = row.index("MEDUSA_BACKEND_URL")
    lines = narrow.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Medusa backend"))
    assert lines[first + 1].startswith(" " * start) and lines[first + 1][start] != " "
    words = " ".join(line.strip() for line in lines[first : first + 4]).split()
    assert set(row[start:].split()) <= set(words)  # no word broken in the middle


def test_a_word_longer_than_the_room_is_broken_not_left_to_overflow(tmp_path: Path) -> None:
    url = "https://backend.example.com/" + "a" * 70
    write(tmp_path / "backend/.env", f"MEDUSA_BACKEND_URL={url}\n")
    (tmp_path / "storefront").mkdir()
    lines = run("status", "--project", str(tmp_path), env={"COLUMNS": "50"}).stdout.splitlines()
    assert all(len(line) <= 50 for line in lines)
    first = next(i for i, line in enumerate(lines) if "https://backend.example.com/" in line)
    pieces = [line.split()[-1] for line in lines[first : first + 3]]
    assert "".join(pieces) == url  # in pieces under the name, nothing lost


def test_color_flag_and_environment(tmp_path: Path) -> None:
    store = _inactive_store(tmp_path / "s")
    args = ("status", "--project", str(store), "--allow-empty")
    assert "\x1b[" not in run(*args).stdout  # NO_COLOR=1 (conftest), not a terminal
    assert "\x1b[" in run("--color", "always", *args).stdout  # the flag beats NO_COLOR
    plain = {"NO_COLOR": ""}
    assert "\x1b[" in run(*args, env={**plain, "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in run(*args, env={**plain, "CLICOLOR_FORCE": "1"}).stdout
    assert "\x1b[" not in run(*args, env={**plain, "FORCE_COLOR": "0"}).stdout
    assert "\x1b[" not in run("--color", "never", *args, env={**plain, "FORCE_COLOR": "1"}).stdout


def test_quiet_shows_failures_and_the_summary_only(tmp_path: Path) -> None:
    write(tmp_path / "backend/.env", "SMTP_HOST=127.0.0.1\nSMTP_PORT=1\n")
    (tmp_path / "storefront").mkdir()
    status = run("status", "-q", "--project", str(tmp_path))
    assert status.exit_code == 1
    assert "provider" not in status.stdout and "Stripe" not in status.stdout
    assert "smtp.from-missing" in status.stdout
    assert status.stdout.rstrip().splitlines()[-1].endswith("· failed")
    doctor = run("doctor", "-q", "--project", str(tmp_path), "--timeout", "1")
    assert doctor.exit_code == 1
    assert "skipped" not in doctor.stdout.split("\n\n")[0]  # no skipped rows, only failures
    assert "✗" in doctor.stdout and "–" not in doctor.stdout
    clean = _inactive_store(tmp_path / "clean")
    quiet = run("status", "-q", "--project", str(clean), "--allow-empty").stdout
    assert quiet.count("\n") == 1


def test_list_checks_comes_from_the_registry() -> None:
    from storectl.providers.joints import JOINTS
    from storectl.providers.registry import PROVIDERS

    result = run("doctor", "--list-checks", "-f", "json")
    rows = result.json()["checks"]
    assert {(r["provider"], r["check"]) for r in rows} == {
        (p.name, c.name) for p in PROVIDERS for c in p.checks
    } | {(j.lead, c.name) for j in JOINTS for c in j.checks}
    alone = run("doctor", "--list-checks", "--only", "stripe", "-f", "json").json()["checks"]
    assert "payments-sync" not in {r["check"] for r in alone}  # it needs medusa too
    assert {r["check"] for r in rows if r["writes"]} >= {"write", "cleanup"}
    table = run("doctor", "--list-checks", "--only", "redis").stdout.splitlines()
    assert table[0] == "Redis (redis)"
    assert table[1].split() == ["check", "writes", "proves"]
    assert {line.split()[0] for line in table[2:]} == {
        c.name for p in PROVIDERS if p.name == "redis" for c in p.checks
    }


def test_every_probe_check_is_declared(redis_servers: object) -> None:
    """What a probe reports (on a healthy local Redis) is in its provider's declaration."""
    from storectl.providers.registry import PROVIDERS
    from testing.redis_server import RedisServers

    assert isinstance(redis_servers, RedisServers)
    data = run("doctor", "--only", "redis", "-f", "json", env={"REDIS_URL": redis_servers.url()})
    declared = {c.name for p in PROVIDERS if p.name == "redis" for c in p.checks}
    assert {c["check"] for c in data.json()["checks"]} <= declared


# --- friendlier input ----------------------------------------------------------------------------


def test_an_unknown_provider_suggests_the_nearest() -> None:
    result = run("doctor", "--only", "strpe", "--list-checks")
    assert result.exit_code == 2
    assert "Error: unknown provider 'strpe' — did you mean 'stripe'?" in result.stderr
    far = run("doctor", "--skip", "paypal")
    assert "did you mean" not in far.stderr and "list of: stripe" in far.stderr


@pytest.mark.parametrize(
    ("since", "back"),
    [("90m", timedelta(minutes=90)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7))],
)
def test_since_takes_durations(
    smtp_servers: SmtpServers,
    certs: Certs,
    medusa_server: MedusaServer,
    since: str,
    back: timedelta,
) -> None:
    from testing.stores import smtp_env

    before = datetime.now(UTC)
    env = smtp_env(smtp_servers, certs, medusa_server)
    args = ("mail", "replay", "order.placed", "--since", since, "--to", "qa@example.com")
    result = run(*args, "--dry-run", "-f", "json", env=env)
    assert result.exit_code == 0, result.stderr
    listing = [q for _m, p, q, _b in medusa_server.state.requests if p == "/admin/orders"]
    asked = datetime.fromisoformat(listing[-1]["created_at[$gte]"][0])
    assert before - back - timedelta(seconds=5) <= asked <= datetime.now(UTC) - back


def test_since_today_and_yesterday(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    from testing.stores import smtp_env

    env = smtp_env(smtp_servers, certs, medusa_server)
    asked = []
    for word in ("today", "yesterday"):
        args = ("mail", "replay", "order.placed", "--since", word, "--to", "qa@example.com")
        assert run(*args, "--dry-run", "-f", "json", env=env).exit_code == 0
        listing = [q for _m, p, q, _b in medusa_server.state.requests if p == "/admin/orders"]
        asked.append(datetime.fromisoformat(listing[-1]["created_at[$gte]"][0]))
    today, yesterday = asked
    assert (today.hour, today.minute, today.second) == (0, 0, 0)
    assert today - yesterday == timedelta(days=1) and today <= datetime.now(UTC)
