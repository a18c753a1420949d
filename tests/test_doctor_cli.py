"""doctor as a whole: selection, concurrency, inactive providers, every format, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from storectl.providers.registry import PROVIDERS
from testing.medusa_server import API_KEY, MedusaServer
from testing.redis_server import PASSWORD as REDIS_PASSWORD
from testing.redis_server import RedisServers
from testing.tcp import tcp_peer
from tests.conftest import REPO, run, write

EXAMPLE = REPO / "examples" / "store"


def test_example_store_all_skipped_with_fallbacks() -> None:
    result = run("doctor", "--project", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    data = result.json()
    assert set(data) == {
        "schema_version",
        "command",
        "ok",
        "strict",
        "environment",
        "files",
        "checks",
        "summary",
        "proxies",
    }
    assert data["proxies"] == []  # no proxy in the environment
    assert [(c["provider"], c["check"], c["status"]) for c in data["checks"]] == [
        ("stripe", "active", "skip"),
        ("s3", "active", "skip"),
        ("smtp", "active", "skip"),
        ("redis", "active", "skip"),
        # development: the default secrets are noted (info), not failed
        ("medusa", "medusa.secret-default", "ok"),
        ("medusa", "medusa.secret-default", "ok"),
        ("medusa", "active", "skip"),
        ("storefront", "active", "skip"),
        ("catalog", "active", "skip"),
        ("workers", "active", "skip"),
    ]
    assert "local file storage" in data["checks"][1]["summary"]
    assert set(data["checks"][0]) == {
        "provider",
        "check",
        "status",
        "summary",
        "hint",
        "stage",
        "target",
        "duration_ms",
        "fix_kind",
        "fix_apply",
    }
    assert data["summary"]["skip"] == len(PROVIDERS)  # every provider is off


@pytest.mark.parametrize("option", ["--only", "--skip"])
def test_unknown_provider_is_a_usage_error(option: str) -> None:
    result = run("doctor", option, "stripe,paypal")
    assert result.exit_code == 2
    assert "Error: unknown provider 'paypal'" in result.stderr
    assert "list of: stripe, s3, smtp, redis, medusa, storefront" in result.stderr


def test_only_and_skip_select(redis_servers: RedisServers) -> None:
    env = {"REDIS_URL": redis_servers.url(), "SMTP_HOST": "127.0.0.1"}
    only = run("doctor", "--only", "redis", "-f", "json", env=env).json()
    assert {c["provider"] for c in only["checks"]} == {"redis"}
    skipped = run("doctor", "--skip", "redis,smtp", "-f", "json", env=env).json()
    assert {c["provider"] for c in skipped["checks"]} == {
        "stripe",
        "s3",
        "medusa",
        "storefront",
        "catalog",
        "workers",
    }
    repeated = run("doctor", "--only", "redis", "--only", "stripe", "-f", "json", env=env).json()
    assert {c["provider"] for c in repeated["checks"]} == {"redis", "stripe"}


def test_lint_findings_are_part_of_the_report(tmp_path: Path) -> None:
    env_file = write(tmp_path / "prod.env", "SMTP_HOST=127.0.0.1\nSMTP_PORT=465\nSMTP_FROM=a@b.c\n")
    with tcp_peer("close") as port:
        pass
    result = run(
        "doctor",
        "--env-file",
        str(env_file),
        "--only",
        "smtp",
        "-f",
        "json",
        "--timeout",
        "1",
        env={"SMTP_PORT": str(port)},
    )
    checks = {c["check"]: c for c in result.json()["checks"]}
    # the process environment wins: SMTP_PORT is the closed port, so no 465 mismatch finding
    assert "smtp.tls-port-mismatch" not in checks
    result = run(
        "doctor",
        "--env-file",
        str(env_file),
        "--only",
        "smtp",
        "-f",
        "json",
        "--timeout",
        "1",
        "--ignore-environment",
    )
    checks = {c["check"]: c for c in result.json()["checks"]}
    lint = checks["smtp.tls-port-mismatch"]
    assert (lint["status"], lint["stage"], lint["target"]) == ("fail", "CONFIG", "prod.env:2")


def test_providers_run_concurrently() -> None:
    """Three silent peers, 1 s timeout each: the run takes ~1 s, not ~3 s."""
    with tcp_peer("silent") as port:
        env = {
            "REDIS_URL": f"redis://127.0.0.1:{port}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_FROM": "a@b.c",
            "MEDUSA_BACKEND_URL": f"http://127.0.0.1:{port}",
        }
        start = time.monotonic()
        result = run("doctor", "-f", "json", "--timeout", "1", env=env)
        elapsed = time.monotonic() - start
    assert elapsed < 2.0
    stages = {c["provider"]: c["stage"] for c in result.json()["checks"] if c["stage"]}
    assert stages == {
        "redis": "TIMEOUT",
        "smtp": "TIMEOUT",
        "medusa": "TIMEOUT",
        "workers": "TIMEOUT",
    }


def _failing_env(redis_servers: RedisServers) -> dict[str, str]:
    return {"REDIS_URL": redis_servers.url("wrong-password")}


def test_table_format(redis_servers: RedisServers) -> None:
    result = run("doctor", "--only", "redis", env=_failing_env(redis_servers))
    assert result.exit_code == 1
    assert "✗ Redis · REDIS_URL · 1 of 1 checks failed\n  ✗ connect  AUTH\n" in result.stdout
    assert "WRONGPASS" in result.stdout
    assert "    → fix: copy the password" in result.stdout
    assert result.stdout.rstrip().endswith("· failed")
    assert result.stderr == ""  # no progress display when stderr is not a terminal


def test_junit_format(redis_servers: RedisServers) -> None:
    result = run("doctor", "--only", "redis,stripe", "-f", "junit", env=_failing_env(redis_servers))
    suite = ET.fromstring(result.stdout).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "1")
    case = suite.find("testcase[@classname='storectl.redis']")
    assert case is not None and case.get("name") == "connect [REDIS_URL]"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "AUTH"
    assert "hint: copy the password" in (failure.text or "")


def test_github_format_and_step_summary(redis_servers: RedisServers, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {**_failing_env(redis_servers), "GITHUB_STEP_SUMMARY": str(summary)}
    result = run("doctor", "--only", "redis", "-f", "github", env=env)
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error title=storectl redis connect [REDIS_URL]::AUTH: WRONGPASS")
    text = summary.read_text()
    assert text.startswith("earlier step\n### storectl doctor")
    # markdown punctuation is escaped in every cell: it renders as `connect [REDIS_URL]`
    assert "| ✗ | redis | connect \\[REDIS\\_URL\\] | AUTH |" in text


def test_output_file(redis_servers: RedisServers, tmp_path: Path) -> None:
    out = tmp_path / "doctor.json"
    result = run(
        "doctor",
        "--only",
        "redis",
        "-f",
        "json",
        "--output",
        str(out),
        env=_failing_env(redis_servers),
    )
    assert result.exit_code == 1
    assert json.loads(out.read_text())["ok"] is False
    assert "report written to" in result.stdout
    assert REDIS_PASSWORD not in out.read_text()


def test_output_creates_missing_folders_but_not_through_a_file(
    redis_servers: RedisServers, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "today" / "doctor.json"
    env = {"REDIS_URL": redis_servers.url()}
    result = run("doctor", "--only", "redis", "-f", "json", "--output", str(out), env=env)
    assert result.exit_code == 0 and json.loads(out.read_text())["ok"] is True
    (tmp_path / "plain").write_text("a file, not a folder\n")
    blocked = tmp_path / "plain" / "doctor.json"
    result = run("doctor", "--only", "redis", "--output", str(blocked), env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot create")


def test_strict_fails_on_warnings(redis_servers: RedisServers) -> None:
    env = {"REDIS_URL": f"redis://127.0.0.1:{redis_servers.lru_port}"}
    assert run("doctor", "--only", "redis", env=env).exit_code == 0
    assert run("doctor", "--only", "redis", "--strict", env=env).exit_code == 1


def _doctor_modules(env: dict[str, str], tmp_path: Path) -> set[str]:
    out = tmp_path / "modules.json"
    script = (
        "import json, sys\n"
        "sys.argv = ['storectl', 'doctor', '--timeout', '1']\n"
        "from storectl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n"
    )
    full = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", script], env=full, capture_output=True, cwd=tmp_path)
    return {name.split(".")[0] for name in json.loads(out.read_text())}


def test_only_active_providers_import_their_sdk(
    redis_servers: RedisServers, medusa_server: MedusaServer, tmp_path: Path
) -> None:
    loaded = _doctor_modules({"REDIS_URL": redis_servers.url()}, tmp_path)
    assert "redis" in loaded
    assert loaded.isdisjoint({"stripe", "boto3", "botocore", "httpx"})
    loaded = _doctor_modules(
        {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}, tmp_path
    )
    assert "httpx" in loaded
    assert loaded.isdisjoint({"stripe", "boto3", "botocore", "redis"})
