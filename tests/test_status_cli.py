"""`storectl status` through the CLI: output formats, sources, exit codes, the example store."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, run, write

EXAMPLE = REPO / "examples" / "store"


def test_example_store_is_all_inactive_and_clean() -> None:
    result = run("status", "--project", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = result.json()
    assert data["ok"] is True
    assert [p["active"] for p in data["providers"]] == [False] * 6  # the production providers
    # development: Medusa's default JWT/COOKIE secrets are noted, nothing more
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [
        ("medusa.secret-default", "info")
    ] * 2
    fallbacks = {p["name"]: p["fallback"] for p in data["providers"]}
    assert "local file storage" in fallbacks["s3"]
    assert "workflow-engine-inmemory" in fallbacks["redis"]
    assert "no cache or locking" in fallbacks["redis"]
    assert fallbacks["smtp"].startswith("no mail")
    assert fallbacks["stripe"].startswith("no Stripe")


def test_example_store_table() -> None:
    result = run("status", "--project", str(EXAMPLE))
    assert result.exit_code == 0
    assert "S3_BUCKET unset → local file storage" in result.stdout
    assert "0 active, 6 inactive" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a TTY: no escape codes


def test_json_schema_top_level_and_provider_keys(store: Path) -> None:
    write(store / "backend/.env", "REDIS_URL=redis://localhost:6379\nSMTP_HOST=mail\n")
    data = run("status", "--project", str(store), "-f", "json").json()
    assert set(data) == {
        "schema_version",
        "command",
        "ok",
        "strict",
        "environment",
        "files",
        "providers",
        "findings",
        "summary",
    }
    assert set(data["providers"][0]) == {
        "name",
        "title",
        "active",
        "activated_by",
        "activation_source",
        "modules",
        "fallback",
        "variables",
    }
    assert set(data["summary"]) == {"active", "inactive", "errors", "warnings", "info"}
    assert set(data["findings"][0]) == {
        "code",
        "severity",
        "message",
        "hint",
        "source",
        "provider",
        "fix_kind",
        "fix_apply",
    }
    assert set(data["files"][0]) == {"path", "role", "exists"}


def test_redis_defaults_are_derived_with_their_source(store: Path) -> None:
    write(store / "backend/.env", "# redis\nREDIS_URL=redis://cache.local:6379\n")
    data = run("status", "--project", str(store), "-f", "json").json()
    redis = next(p for p in data["providers"] if p["name"] == "redis")
    assert redis["active"] is True
    assert redis["activation_source"] == "backend/.env:2"
    assert "@medusajs/medusa/locking-redis" in redis["modules"]
    variables = {v["name"]: v for v in redis["variables"]}
    assert variables["LOCKING_REDIS_URL"] == {
        "name": "LOCKING_REDIS_URL",
        "value": "redis://cache.local:6379",
        "source": "backend/.env:2",
        "secret": False,
        "default_from": "REDIS_URL",
    }
    table = run("status", "--project", str(store)).stdout
    assert "LOCKING_REDIS_URL" in table and "→ REDIS_URL (backend/.env:2)" in table


def test_smtp_port_default_shown(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=mail\nSMTP_FROM=a@b.c\n")
    data = run("status", "--project", str(store), "-f", "json").json()
    smtp = next(p for p in data["providers"] if p["name"] == "smtp")
    port = next(v for v in smtp["variables"] if v["name"] == "SMTP_PORT")
    assert (port["value"], port["source"]) == ("587", "default")


def test_environment_option_and_process_environment(store: Path) -> None:
    write(store / "backend/.env.staging", "SMTP_HOST=staging-mail\nSMTP_FROM=a@b.c\n")
    data = run("status", "--project", str(store), "--environment", "staging", "-f", "json").json()
    assert data["environment"] == "staging"
    smtp = next(p for p in data["providers"] if p["name"] == "smtp")
    assert smtp["activation_source"] == "backend/.env.staging:1"

    data = run(
        "status", "--project", str(store), "-f", "json", env={"REDIS_URL": "redis://env:6379"}
    ).json()
    redis = next(p for p in data["providers"] if p["name"] == "redis")
    assert redis["activation_source"] == "environment"
    data = run(
        "status",
        "--project",
        str(store),
        "-f",
        "json",
        "--ignore-environment",
        "--allow-empty",  # development reads backend/.env only, and there is none
        env={"REDIS_URL": "redis://env:6379"},
    ).json()
    assert next(p for p in data["providers"] if p["name"] == "redis")["active"] is False


def test_findings_in_table_name_code_source_and_hint(store: Path) -> None:
    write(store / "backend/.env", "STRIPE_API_KEY=pk_test_abc\n")
    result = run("status", "--project", str(store))
    assert result.exit_code == 1
    assert "stripe.key-prefix" in result.stdout
    assert "backend/.env:1" in result.stdout
    assert "      → fix: put the sk_ or rk_ key" in result.stdout


def test_markup_like_values_are_printed_literally(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=[bold]mail[/]\nSMTP_FROM=a@b.c\n")
    result = run("status", "--project", str(store))
    assert "[bold]mail[/]" in result.stdout


def test_default_project_is_the_current_folder_and_may_be_empty() -> None:
    result = run("status", "-f", "json", env={"SMTP_HOST": "mail", "SMTP_FROM": "a@b.c"})
    assert result.exit_code == 0
    data = result.json()
    assert [f for f in data["files"] if f["exists"]] == []
    assert next(p for p in data["providers"] if p["name"] == "smtp")["active"] is True
