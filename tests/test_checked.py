"""Issue 10 E: "ok" only when something was checked.

No configuration at all is an error; --require names providers that must be active; --strict
fails when an active provider got no live check; headers name the environment and files; an
environment Medusa does not know is a warning with a suggestion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from storectl.model import Check
from tests.conftest import run, write

READERS = [
    ("status",),
    ("doctor",),
    ("webhooks", "url"),
    ("webhooks", "list"),
    ("webhooks", "register"),
    ("webhooks", "test"),
    ("regions", "list"),
    ("regions", "enable-stripe", "--all"),
    ("mail", "test", "--to", "me@example.com"),
    ("mail", "replay", "order.placed", "--sample", "--to", "me@example.com"),
]


# --- no configuration at all ------------------------------------------------------------------


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_no_configuration_is_an_error_for_every_command_that_reads_a_store(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = run(*command)  # in tmp_path (conftest), which holds no store
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Error: no configuration found" in result.stderr
    assert str(tmp_path.resolve()) in result.stderr
    assert "--allow-empty" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_it_names_the_files_it_looked_for(store: Path) -> None:
    result = run("doctor", "--strict", "--project", str(store))
    assert result.exit_code == 2
    assert str(store / "backend/.env") in result.stderr
    assert str(store / "storefront/.env.local") in result.stderr


def test_a_strict_doctor_in_the_wrong_folder_no_longer_passes(tmp_path: Path) -> None:
    result = run("doctor", "--strict", "--format", "json")
    assert result.exit_code == 2
    error = result.json()["error"]  # --format json: the error is a document on stdout too
    assert error["exit_code"] == 2 and error["message"].startswith("no configuration found")
    assert "allow-empty" in result.stderr


def test_ignore_environment_says_so(store: Path) -> None:
    result = run("status", "--project", str(store), "--ignore-environment", env={"S3_BUCKET": "b"})
    assert result.exit_code == 2
    assert "--ignore-environment" in result.stderr


def test_allow_empty_goes_on(store: Path) -> None:
    result = run("status", "--project", str(store), "--allow-empty", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["summary"]["active"] == 0


def test_a_provider_variable_in_the_process_environment_is_a_configuration(store: Path) -> None:
    result = run("status", "--project", str(store), env={"SMTP_HOST": "mail.example.com"})
    assert result.exit_code == 1 and "smtp.from-missing" in result.stdout  # checked, not empty
    blank = run("status", "--project", str(store), env={"SMTP_HOST": " "})
    assert blank.exit_code == 2
    other = run("status", "--project", str(store), env={"UNRELATED": "x"})
    assert other.exit_code == 2


def test_an_empty_env_file_is_a_configuration(store: Path) -> None:
    write(store / "backend/.env", "")
    assert run("status", "--project", str(store)).exit_code == 0


def test_commands_that_need_no_store_still_run(tmp_path: Path) -> None:
    assert run("mail", "templates").exit_code == 0
    preview = run("mail", "preview", "order.placed", "--sample", "--out", str(tmp_path))
    assert preview.exit_code == 0, preview.stderr


# --- --require ----------------------------------------------------------------------------------


@pytest.fixture
def smtp_only(store: Path) -> Path:
    write(store / "backend/.env", "SMTP_HOST=mail.example.com\nSMTP_FROM=shop@example.com\n")
    return store


def test_require_fails_when_a_named_provider_is_inactive(smtp_only: Path) -> None:
    ok = run("status", "-p", str(smtp_only), "--require", "smtp")
    assert ok.exit_code == 0, ok.stdout
    result = run("status", "-p", str(smtp_only), "--require", "smtp,stripe", "-f", "json")
    assert result.exit_code == 1
    (found,) = [f for f in result.json()["findings"] if f["code"] == "require.inactive"]
    assert found["provider"] == "stripe" and found["severity"] == "error"
    assert "STRIPE_API_KEY is not set" in found["message"]
    table = run("status", "-p", str(smtp_only), "--require", "stripe", "--require", "s3")
    assert table.exit_code == 1
    assert table.stdout.count("require.inactive") == 2


def test_require_comes_from_storectl_require_too(smtp_only: Path) -> None:
    result = run("status", "-p", str(smtp_only), env={"STORECTL_REQUIRE": "redis"})
    assert result.exit_code == 1
    assert "--require redis: Redis" in result.stdout


def test_doctor_require_is_a_failed_check(smtp_only: Path) -> None:
    result = run(
        "doctor", "-p", str(smtp_only), "--only", "stripe", "--require", "stripe", "-f", "json"
    )
    assert result.exit_code == 1
    data = result.json()
    (check,) = [c for c in data["checks"] if c["check"] == "required"]
    assert (check["provider"], check["status"], check["stage"]) == ("stripe", "fail", "CONFIG")
    assert data["ok"] is False


@pytest.mark.parametrize("command", [("status",), ("doctor",)])
def test_an_unknown_required_name_suggests_the_nearest(
    smtp_only: Path, command: tuple[str, ...]
) -> None:
    result = run(*command, "-p", str(smtp_only), "--require", "strpe")
    assert result.exit_code == 2
    assert "Error: unknown provider 'strpe' — did you mean 'stripe'?" in result.stderr
    assert "hint:" in result.stderr and "stripe, s3, smtp, redis, medusa" in result.stderr
    far = run(*command, "-p", str(smtp_only), "--require", "postgres")
    assert far.exit_code == 2 and "did you mean" not in far.stderr


# --- --strict and providers nobody checked ------------------------------------------------------


def with_probe(monkeypatch: pytest.MonkeyPatch, probe: Callable[..., list[Check]]) -> None:
    """doctor with SMTP's probe replaced (the registry's providers are frozen: swap a copy)."""
    from storectl.providers.registry import PROVIDERS

    swapped = tuple(replace(p, probe=probe) if p.name == "smtp" else p for p in PROVIDERS)
    monkeypatch.setattr("storectl.commands.doctor.PROVIDERS", swapped)


def test_strict_fails_when_an_active_provider_got_no_live_check(
    smtp_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storectl.model import Check, Status

    def skipped(env: object, options: object) -> list[Check]:
        return [Check("smtp", "connect", Status.SKIP, "not tried")]

    with_probe(monkeypatch, skipped)
    loose = run("doctor", "-p", str(smtp_only), "--only", "smtp", "-f", "json")
    assert loose.exit_code == 0, loose.stdout
    (check,) = [c for c in loose.json()["checks"] if c["check"] == "live"]
    assert check["status"] == "warn" and "no live check ran" in check["summary"]
    strict = run("doctor", "-p", str(smtp_only), "--only", "smtp", "--strict")
    assert strict.exit_code == 1
    assert "no live check ran" in strict.stdout


def test_a_check_skipped_on_request_does_not_count(
    smtp_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storectl.model import Check, Status

    def on_request(env: object, options: object) -> list[Check]:
        return [Check("smtp", "send", Status.SKIP, "--no-write: not sent")]

    with_probe(monkeypatch, on_request)
    result = run("doctor", "-p", str(smtp_only), "--only", "smtp", "--strict", "-f", "json")
    assert not [c for c in result.json()["checks"] if c["check"] == "live"]


# --- headers and environments ---------------------------------------------------------------------


def test_the_doctor_table_names_the_environment_and_files(smtp_only: Path) -> None:
    result = run("doctor", "-p", str(smtp_only), "--only", "stripe", "--environment", "staging")
    first = result.stdout.splitlines()[0]
    assert first == "environment: staging · files: backend/.env"
    data = run("doctor", "-p", str(smtp_only), "--only", "stripe", "-f", "json").json()
    assert data["environment"] == "development"
    assert [f["path"] for f in data["files"] if f["exists"]] == ["backend/.env"]


@pytest.mark.parametrize(
    ("name", "guess"), [("prod", "production"), ("stagin", "staging"), ("dev", "development")]
)
def test_an_unknown_environment_is_a_warning_with_a_suggestion(
    smtp_only: Path, name: str, guess: str
) -> None:
    write(smtp_only / f"backend/.env.{name}", "SMTP_PORT=2525\n")
    result = run("status", "-p", str(smtp_only), "--environment", name, "-f", "json")
    assert result.exit_code == 0
    (found,) = [f for f in result.json()["findings"] if f["code"] == "env.unknown-environment"]
    assert found["severity"] == "warning" and found["source"] == "--environment"
    assert "reads .env only" in found["message"]
    assert f".env.{name}" in found["message"]  # ignored, and said so
    assert f"did you mean {guess!r}?" in found["hint"]
    strict = run("status", "-p", str(smtp_only), "--environment", name, "--strict")
    assert strict.exit_code == 1


def test_node_env_is_checked_too(smtp_only: Path) -> None:
    result = run("status", "-p", str(smtp_only), "-f", "json", env={"NODE_ENV": "qa"})
    (found,) = [f for f in result.json()["findings"] if f["code"] == "env.unknown-environment"]
    assert found["source"] == "NODE_ENV"
    assert "use production, staging, test, development" in found["hint"]


@pytest.mark.parametrize("name", ["production", "staging", "test", "development"])
def test_known_environments_are_quiet(smtp_only: Path, name: str) -> None:
    data = run("status", "-p", str(smtp_only), "--environment", name, "-f", "json").json()
    assert not [f for f in data["findings"] if f["code"] == "env.unknown-environment"]
