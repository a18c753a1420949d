"""Issue 21 D: the flags people type by habit: global options on either side of the command,
`--json`, `--output json`, "did you mean" for commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.medusa_server import API_KEY, MedusaServer
from tests.conftest import REPO, run

EXAMPLE = str(REPO / "examples" / "store")


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["doctr"], "Did you mean 'doctor'?"),
        (["webhooks", "lisst"], "Did you mean 'list'?"),
        (["mail", "preveiw"], "Did you mean 'preview'?"),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(argv: list[str], wanted: str) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    assert wanted in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["json", "junit", "JSON"])
def test_output_given_a_format_name_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = run("doctor", "--project", EXAMPLE, "--output", value)
    assert result.exit_code == 2
    assert f"--format {value.lower()}" in result.stderr
    assert not (tmp_path / value).exists()


def test_output_given_a_file_still_writes_it(tmp_path: Path) -> None:
    result = run("doctor", "--project", EXAMPLE, "--format", "json", "-o", "report.json")
    assert result.exit_code == 0
    assert '"command": "doctor"' in (tmp_path / "report.json").read_text()


@pytest.mark.parametrize("argv", [["status"], ["doctor"], ["env"], ["webhooks", "url"]])
def test_json_is_the_shorthand_for_format_json(argv: list[str]) -> None:
    result = run(*argv, "--project", EXAMPLE, "--json")
    assert result.json()["command"] == " ".join(argv)


def test_global_options_after_the_command(tmp_path: Path) -> None:
    result = run("status", "--project", EXAMPLE, "--color", "always", "--debug")
    assert result.exit_code == 0
    assert "\x1b[" in result.stdout  # --color always was honoured after the subcommand
    after = run("status", "--project", str(tmp_path / "nowhere"), "--debug")
    assert after.exit_code == 2
    assert "Traceback" in after.stderr  # --debug after the subcommand shows the traceback


def test_quiet_before_the_command() -> None:
    quiet = run("-q", "doctor", "--project", EXAMPLE)
    assert quiet.exit_code == 0
    assert quiet.stdout == run("doctor", "--project", EXAMPLE, "-q").stdout
    refused = run("-q", "webhooks", "url", "--project", EXAMPLE)
    assert refused.exit_code == 2
    assert "has no -q/--quiet" in refused.stderr


def test_an_argument_after_double_dash_is_left_alone() -> None:
    result = run("status", "--project", EXAMPLE, "--", "--debug")
    assert result.exit_code == 2  # an unexpected argument, not a moved option


# --- one --since grammar everywhere --------------------------------------------------------


@pytest.mark.parametrize("value", ["2w", "36h", "7d", "90m", "yesterday", "2026-11-01"])
def test_doctor_and_payments_take_every_since_form(value: str) -> None:
    for argv in (["doctor", "--project", EXAMPLE], ["payments", "--project", EXAMPLE]):
        result = run(*argv, "--since", value, "--json")
        assert "is not a date or a duration" not in result.stderr, (argv, result.stderr)


@pytest.mark.parametrize("value", ["a week", "0d", "-3d"])
def test_since_refused_alike_everywhere(value: str) -> None:
    errors = set()
    for argv in (
        ["doctor", "--project", EXAMPLE],
        ["payments", "--project", EXAMPLE],
        ["mail", "replay", "order.placed", "--to", "qa@example.com", "--project", EXAMPLE],
    ):
        result = run(*argv, f"--since={value}")
        assert result.exit_code == 2, (argv, result.stderr)
        errors.add(result.stderr.splitlines()[0])
    assert len(errors) == 1  # the same words from every command


# --- "did you mean" for events and a fleet file's keys -------------------------------------


def test_a_mistyped_event_gets_a_suggestion() -> None:
    result = run("mail", "preview", "order.placd", "--sample", "--project", EXAMPLE)
    assert result.exit_code == 2
    assert "did you mean 'order.placed'?" in result.stderr


def test_fleet_file_reports_every_bad_key_with_suggestions(tmp_path: Path) -> None:
    (tmp_path / "storectl.toml").write_text(
        '[[store]]\nname = "a"\nproject = "a"\nrequires = ["stripe"]\n'
        '[[store]]\nname = "b"\nproject = "b"\ntag = ["eu"]\nrequire = ["strpe", "paypal"]\n'
    )
    result = run("status")
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: storectl.toml:4: ")
    assert "unknown key 'requires' (line 4; did you mean 'require'?)" in first
    assert "unknown key 'tag' (line 8; did you mean 'tags'?)" in first
    assert "unknown provider 'strpe' in require (line 9; did you mean 'stripe'?)" in first
    assert "unknown provider 'paypal' in require (line 9)" in first


# --- the store root, found upward ------------------------------------------------------------


def _store_in_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "backend").mkdir()
    (repo / "backend" / ".env").write_text("REDIS_URL=redis://localhost:6379\n")
    (repo / "storefront" / "src").mkdir(parents=True)
    (repo / "storefront" / ".env.local").write_text("NEXT_PUBLIC_STRIPE_KEY=pk_test_x\n")
    return repo


@pytest.mark.parametrize("where", ["storefront", "storefront/src", "backend", "."])
def test_the_store_root_is_found_upward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    repo = _store_in_repo(tmp_path)
    monkeypatch.chdir(repo / where)
    result = run("status", "--json")
    assert result.exit_code == 0, result.stderr
    sources = {v["name"]: v["source"] for p in result.json()["providers"] for v in p["variables"]}
    assert sources["REDIS_URL"] == (".env:1" if where == "backend" else "backend/.env:1")
    assert sources["NEXT_PUBLIC_STRIPE_KEY"].endswith("storefront/.env.local:1")


def test_the_walk_stops_at_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store above the repository is another project's: not read."""
    outer = _store_in_repo(tmp_path)
    inner = outer / "tools" / "inner"
    (inner / ".git").mkdir(parents=True)
    (inner / "docs").mkdir()
    monkeypatch.chdir(inner / "docs")
    result = run("status")
    assert result.exit_code == 2
    assert "no configuration found" in result.stderr or "no env file" in result.stderr


# --- a misspelt variable: the name it resembles, with file:line ------------------------------


def _misspelt_store(tmp_path: Path) -> Path:
    store = tmp_path / "shop"
    (store / "backend").mkdir(parents=True)
    (store / "backend" / ".env").write_text(
        "SMTP_FROM=Shop <orders@example.com>\nSMTP_USER=u\nSMPT_HOST=mail.example.com\n"
        "DATABASE_URL=postgres://db.example.com/shop\nPORT=9000\n"
    )
    return store


def test_status_and_doctor_name_the_misspelling(tmp_path: Path) -> None:
    store = _misspelt_store(tmp_path)
    for command in ("status", "doctor"):
        result = run(command, "--project", str(store), "--json")
        found = result.json().get("findings") or result.json().get("checks")
        hints = [
            f["hint"]
            for f in found
            if (f.get("code") or f.get("check", "")).endswith("misspelt-var")
        ]
        assert hints == ["rename SMPT_HOST to SMTP_HOST in backend/.env:3"], command
        # the companion warning's fix names the misspelling too, not "set SMTP_HOST"
        assert "rename SMPT_HOST to SMTP_HOST in backend/.env:3" in result.stdout
    # names no provider reads and that resemble none are left alone
    assert "DATABASE_URL" not in run("status", "--project", str(store)).stdout


def test_mail_names_the_misspelling(tmp_path: Path) -> None:
    store = _misspelt_store(tmp_path)
    result = run("mail", "test", "--to", "qa@example.com", "--project", str(store))
    assert result.exit_code == 1
    assert "hint: rename SMPT_HOST to SMTP_HOST in backend/.env:3 (it is misspelt)" in (
        result.stderr
    )


# --- mail preview says what exists ------------------------------------------------------------


def _admin_env(medusa: MedusaServer) -> dict[str, str]:
    return {"MEDUSA_BACKEND_URL": medusa.url, "MEDUSA_ADMIN_API_KEY": API_KEY}


def test_preview_without_order_or_sample_names_the_newest_orders(
    medusa_server: MedusaServer,
) -> None:
    newest = sorted(medusa_server.state.orders.values(), key=lambda o: o["created_at"])[-1]["id"]
    result = run("mail", "preview", "order.placed", env=_admin_env(medusa_server))
    assert result.exit_code == 2
    assert "Error: pass --order ID or --sample\n" in result.stderr
    assert f"hint: pass one of them; the newest orders: {newest}" in result.stderr
    both = run("mail", "preview", "order.placed", "--sample", "--order", newest)
    assert "not both" in both.stderr


def test_preview_of_an_unknown_order_names_the_newest(medusa_server: MedusaServer) -> None:
    result = run(
        "mail", "preview", "order.placed", "--order", "order_01NOPE", env=_admin_env(medusa_server)
    )
    assert result.exit_code == 1
    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint: "))
    assert hint.startswith("hint: check the id; the newest orders: order_")
    assert hint.endswith("(or use --sample)")


def test_preview_without_a_backend_says_sample() -> None:
    result = run("mail", "preview", "order.placed", "--project", EXAMPLE)
    assert "or use --sample (no order could be listed)" in result.stderr


@pytest.mark.parametrize("command", ["status", "doctor"])
def test_quiet_never_hides_which_files_were_read(command: str) -> None:
    result = run(command, "--project", EXAMPLE, "--environment", "prod", "-q")
    assert result.exit_code == 0
    assert "did you mean 'production'?" in result.stdout
