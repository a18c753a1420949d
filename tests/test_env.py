"""Env loading: Medusa's file order and precedence, expansion, sources, and bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storectl import env as envmod
from storectl.errors import ConfigError
from tests.conftest import run, write


def load(root: Path, **kwargs: object) -> envmod.Env:
    return envmod.load(project=root, process_env={}, **kwargs)  # type: ignore[arg-type]


def test_development_reads_dotenv_only(store: Path) -> None:
    write(store / "backend/.env", "REDIS_URL=redis://from-env:6379\n")
    write(store / "backend/.env.production", "REDIS_URL=redis://from-production:6379\n")
    env = load(store)
    assert env.get("REDIS_URL") == "redis://from-env:6379"
    assert env.source("REDIS_URL") == "backend/.env:1"
    # the storefront as `next dev` reads it (@next/env's order)
    assert [f.display for f in env.files] == [
        "backend/.env",
        "storefront/.env.development.local",
        "storefront/.env.local",
        "storefront/.env.development",
        "storefront/.env",
    ]


@pytest.mark.parametrize("environment", ["production", "staging", "test"])
def test_known_environment_file_wins_over_dotenv(store: Path, environment: str) -> None:
    write(store / "backend/.env", "# x\nREDIS_URL=redis://base:6379\nSMTP_HOST=base\n")
    write(store / f"backend/.env.{environment}", "REDIS_URL=redis://specific:6379\n")
    env = load(store, environment=environment)
    assert env.get("REDIS_URL") == "redis://specific:6379"
    assert env.source("REDIS_URL") == f"backend/.env.{environment}:1"
    assert env.get("SMTP_HOST") == "base"
    assert env.source("SMTP_HOST") == "backend/.env:3"


def test_unknown_environment_reads_only_dotenv(store: Path) -> None:
    write(store / "backend/.env.preview", "REDIS_URL=redis://preview:6379\n")
    env = load(store, environment="preview")
    assert env.get("REDIS_URL") is None


def test_node_env_selects_the_file(store: Path) -> None:
    write(store / "backend/.env.production", "SMTP_HOST=prod\n")
    env = envmod.load(project=store, process_env={"NODE_ENV": "production"})
    assert env.environment == "production"
    assert env.get("SMTP_HOST") == "prod"


def test_process_environment_wins_and_can_be_ignored(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=file\n")
    env = envmod.load(project=store, process_env={"SMTP_HOST": "real"})
    assert (env.get("SMTP_HOST"), env.source("SMTP_HOST")) == ("real", "environment")
    env = envmod.load(project=store, process_env={"SMTP_HOST": "real"}, ignore_environment=True)
    assert (env.get("SMTP_HOST"), env.source("SMTP_HOST")) == ("file", "backend/.env:1")


def test_backend_wins_over_storefront_and_local_over_dotenv(store: Path) -> None:
    write(store / "storefront/.env", "NEXT_PUBLIC_STRIPE_KEY=pk_test_env\nA=storefront\n")
    write(store / "storefront/.env.local", "NEXT_PUBLIC_STRIPE_KEY=pk_test_local\n")
    write(store / "backend/.env", "A=backend\n")
    env = load(store)
    assert env.get("NEXT_PUBLIC_STRIPE_KEY") == "pk_test_local"
    assert env.source("NEXT_PUBLIC_STRIPE_KEY") == "storefront/.env.local:1"
    assert env.get("A") == "backend"


def test_project_that_is_the_backend_itself(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=x\n")
    write(store / "storefront/.env.local", "NEXT_PUBLIC_STRIPE_KEY=pk_test_1\n")
    env = load(store / "backend")
    assert env.get("SMTP_HOST") == "x"
    assert env.get("NEXT_PUBLIC_STRIPE_KEY") == "pk_test_1"


def test_env_files_replace_discovery_and_later_wins(store: Path, tmp_path: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=discovered\n")
    first = write(tmp_path / "a.env", "SMTP_HOST=first\nSMTP_PORT=25\n")
    second = write(tmp_path / "b.env", "SMTP_HOST=second\n")
    env = envmod.load(project=store, env_files=[first, second], process_env={})
    assert env.get("SMTP_HOST") == "second"
    assert env.get("SMTP_PORT") == "25"
    assert env.source("SMTP_HOST") == "b.env:1"


def test_expansion_across_files_and_defaults(store: Path) -> None:
    write(
        store / "backend/.env",
        "HOST=redis.internal\nREDIS_URL=redis://${HOST}:6379\nCACHE_REDIS_URL=${MISSING:-redis://fallback}\n"
        "SINGLE='${HOST}'\nESCAPED=\\$HOST\nBARE=$HOST/x\n",
    )
    env = envmod.load(project=store, process_env={"HOST_FROM_ENV": "x"})
    assert env.get("REDIS_URL") == "redis://redis.internal:6379"
    assert env.get("CACHE_REDIS_URL") == "redis://fallback"
    # dotenv-expand 11 does not see quotes: single quotes do not stop expansion (a finding)
    assert env.get("SINGLE") == "redis.internal"
    assert ("env.single-quoted-dollar", "backend/.env:4") in {
        (f.code, f.source) for f in env.findings
    }
    assert env.get("ESCAPED") == "$HOST"
    assert env.get("BARE") == "redis.internal/x"


def test_expansion_uses_the_process_environment(store: Path) -> None:
    write(store / "backend/.env", "REDIS_URL=redis://${REDIS_HOST}:6379\n")
    env = envmod.load(project=store, process_env={"REDIS_HOST": "from-env"})
    assert env.get("REDIS_URL") == "redis://from-env:6379"


def test_expansion_cycle_is_a_finding(store: Path) -> None:
    # dotenv-expand 11 takes a file's value straight from process.env (already raw there), so
    # it only recurses through names that the environment sets empty
    write(store / "backend/.env", "A=$B\nB=$C\nC=$B\nD=${A}x\n")
    env = envmod.load(project=store, process_env={"B": "", "C": ""})
    codes = [f.code for f in env.findings]
    assert "env.expansion-cycle" in codes
    # Medusa's loadEnv swallows dotenv-expand's stack overflow: every value stays raw
    assert (env.get("A"), env.get("D")) == ("$B", "${A}x")


def test_malformed_and_duplicate_lines_are_findings_with_lines(store: Path) -> None:
    write(
        store / "backend/.env",
        "# comment\n\nexport SMTP_HOST=a\nthis is not a line\nSMTP_HOST=b\nNOEQUALS\n",
    )
    env = load(store)
    by_code = {(f.code, f.source) for f in env.findings}
    assert ("env.malformed-line", "backend/.env:4") in by_code
    assert ("env.malformed-line", "backend/.env:6") in by_code
    assert ("env.duplicate-key", "backend/.env:5") in by_code
    assert env.get("SMTP_HOST") == "b"
    assert env.source("SMTP_HOST") == "backend/.env:5"


def test_crlf_bom_and_quotes(store: Path) -> None:
    (store / "backend/.env").write_bytes(
        b"\xef\xbb\xbfSMTP_HOST=mail\r\nSMTP_FROM=\"Shop <a@b.c>\"\r\nSMTP_PASS='p=w#x'\r\n"
    )
    env = load(store)
    assert env.get("SMTP_HOST") == "mail"
    assert env.get("SMTP_FROM") == "Shop <a@b.c>"
    assert env.get("SMTP_PASS") == "p=w#x"
    assert env.source("SMTP_PASS") == "backend/.env:3"


def test_invalid_utf8_does_not_crash(store: Path) -> None:
    (store / "backend/.env").write_bytes(b"SMTP_HOST=\xff\xfe\nREDIS_URL=redis://x\n")
    env = load(store)
    assert env.get("REDIS_URL") == "redis://x"


def test_missing_explicit_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        envmod.load(env_files=[tmp_path / "nope.env"], process_env={})


def test_project_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="not a Medusa store"):
        envmod.load(project=tmp_path / "empty", process_env={})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--env-file", "nope.env"], "env file nope.env does not exist"),
        (["--env-file", "."], "is a folder"),
        (["--project", "missing"], "project folder missing does not exist"),
    ],
)
def test_cli_config_errors_exit_2_with_hint(args: list[str], expected: str) -> None:
    result = run("status", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert expected in result.stderr.splitlines()[0]
    assert "hint: " in result.stderr
    assert "Traceback" not in result.stderr


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.env"
    os.mkfifo(fifo)
    result = run("status", "--env-file", str(fifo))
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.env", "A=1\n", mode=0o000)
    result = run("status", "--env-file", str(path))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
