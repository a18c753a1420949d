"""The canary test: a distinct canary in every secret variable never reaches any output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run, write
from tests.servers.certs import Certs
from tests.servers.medusa_server import MedusaServer
from tests.servers.smtp_server import SmtpServers
from tests.servers.stripe_server import StripeServer

CANARIES = {
    "STRIPE_API_KEY": "sk_live_CNRYstripeapikey0001",
    "STRIPE_WEBHOOK_SECRET": "whsec_CNRYwebhooksecret0002",
    "S3_SECRET_ACCESS_KEY": "CNRYs3secretaccesskey0003",
    "SMTP_PASS": "CNRYsmtppass0004",
    "REDIS_URL": "redis://:CNRYredispass0005@redis.example.com:6379",
    "CACHE_REDIS_URL": "redis://cache:CNRYcachepass0006@cache.example.com:6379",
    "LOCKING_REDIS_URL": "rediss://:CNRY%2Flockpass0007@lock.example.com:6380",
    "MEDUSA_ADMIN_PASSWORD": "CNRYadminpassword0008",
    "MEDUSA_ADMIN_API_KEY": "sk_CNRYadminapikey0009",
}
# The part of each canary that must never be printed (keys may show prefix and last four).
NEEDLES = [
    "CNRYstripeapikey",
    "CNRYwebhooksecret",
    "CNRYs3secretaccesskey",
    "CNRYsmtppass",
    "CNRYredispass",
    "CNRYcachepass",
    "CNRY%2Flockpass",
    "CNRY/lockpass",
    "CNRYadminpassword",
    "CNRYadminapikey",
]


def _backend(extra: str = "") -> str:
    lines = [f"{name}={value}" for name, value in CANARIES.items()]
    lines += [
        "S3_BUCKET=shop",
        "SMTP_HOST=smtp.example.com",
        "SMTP_USER=u",
        "MEDUSA_BACKEND_URL=http://localhost:9000",
        "MEDUSA_ADMIN_EMAIL=admin@example.com",
        # shadowed duplicate: the first value is not effective but is still a secret
        "SMTP_PASS=CNRYsmtppass0004-older",
        "SMTP_PASS=CNRYsmtppass0004",
    ]
    return "\n".join(lines) + "\n" + extra


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for needle in NEEDLES:
            assert needle not in text


@pytest.fixture
def leaky_store(store: Path) -> Path:
    # Leaks on purpose: secrets in NEXT_PUBLIC_ vars, a readable file, a live/test mix.
    write(store / "backend/.env", _backend(), mode=0o644)
    write(
        store / "storefront/.env.local",
        f"NEXT_PUBLIC_STRIPE_KEY={CANARIES['STRIPE_API_KEY']}\n"
        f"NEXT_PUBLIC_SMTP={CANARIES['SMTP_PASS']}\n"
        f"NEXT_PUBLIC_REDIS={CANARIES['REDIS_URL']}\n",
    )
    return store


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("strict", [False, True])
def test_status_never_prints_a_canary(leaky_store: Path, fmt: str, strict: bool) -> None:
    args = ["status", "--project", str(leaky_store), "--format", fmt]
    result = run(*args, *(["--strict"] if strict else []))
    assert result.exit_code == 1  # the leaks are lint errors
    assert "env.next-public-secret" in result.stdout
    assert "sk_live_…0001" in result.stdout
    _assert_clean(result.stdout, result.stderr)


def test_canaries_from_the_process_environment(store: Path) -> None:
    env = dict(CANARIES, S3_BUCKET="shop", SMTP_HOST="h", MEDUSA_BACKEND_URL="http://x")
    result = run("status", "--project", str(store), "-f", "json", env=env)
    _assert_clean(result.stdout, result.stderr)
    assert "redis://:****@redis.example.com:6379" in result.stdout


@pytest.mark.parametrize("debug", [False, True])
def test_error_paths_never_print_a_canary(leaky_store: Path, debug: bool) -> None:
    env = {"STORECTL_DEBUG": "1"} if debug else {}
    result = run(
        "status",
        "--env-file",
        str(leaky_store / "backend/.env"),
        "--env-file",
        str(leaky_store / "missing.env"),
        env=env,
    )
    assert result.exit_code == 2
    _assert_clean(result.stdout, result.stderr)


def test_internal_error_messages_are_scrubbed(
    leaky_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash whose message echoes a URL with a password still prints no password."""
    from storectl import lint

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(
            f"cannot connect to {CANARIES['REDIS_URL']} with {CANARIES['SMTP_PASS']}"
        )

    monkeypatch.setattr(lint, "run", explode)
    for env in ({}, {"STORECTL_DEBUG": "1"}):
        result = run("status", "--project", str(leaky_store), env=env)
        assert result.exit_code == 1
        assert "internal error: RuntimeError" in result.stderr
        assert ("Traceback" in result.stderr) is bool(env)
        _assert_clean(result.stdout, result.stderr)


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "github"])
def test_doctor_never_prints_a_canary(leaky_store: Path, fmt: str, tmp_path: Path) -> None:
    """Every provider active against closed ports: error messages echo hosts, never secrets."""
    from tests.servers.tcp import tcp_peer

    with tcp_peer("close") as port:
        pass
    dead = f"127.0.0.1:{port}"
    env = {
        "REDIS_URL": f"redis://:CNRYredispass0005@{dead}",
        "CACHE_REDIS_URL": f"redis://cache:CNRYcachepass0006@{dead}",
        "LOCKING_REDIS_URL": f"redis://:CNRY%2Flockpass0007@{dead}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_FROM": "a@b.c",
        "S3_ENDPOINT": f"http://{dead}",
        "S3_FILE_URL": f"http://{dead}/shop",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "STRIPE_API_BASE": f"http://{dead}",
        "MEDUSA_BACKEND_URL": f"http://{dead}",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    out = tmp_path / "report"
    for extra, debug in (([], False), (["--output", str(out)], True)):
        result = run(
            "doctor",
            "--project",
            str(leaky_store),
            "--format",
            fmt,
            "--timeout",
            "2",
            *extra,
            env={**env, **({"STORECTL_DEBUG": "1"} if debug else {})},
        )
        assert result.exit_code == 1
        texts = [result.stdout, result.stderr]
        if extra:
            texts.append(out.read_text())
        if (tmp_path / "summary.md").exists():
            texts.append((tmp_path / "summary.md").read_text())
        _assert_clean(*texts)


@pytest.mark.parametrize(
    "command",
    [
        ["webhooks", "url"],
        ["webhooks", "list"],
        ["webhooks", "register", "--force"],
        ["webhooks", "register", "--rotate", "--force"],
        ["webhooks", "test"],
        ["regions", "list"],
        ["regions", "enable-stripe", "--all", "--yes"],
        ["regions", "disable-stripe", "--all", "--yes", "--force"],
    ],
    ids=" ".join,
)
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_deploy_commands_never_print_a_secret(
    store: Path,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
    command: list[str],
    fmt: str,
) -> None:
    from tests.servers.medusa_server import ADMIN_PASSWORD, API_KEY
    from tests.servers.stripe_server import TEST_KEY

    write(
        store / "backend/.env",
        f"STRIPE_API_KEY={TEST_KEY}\nSTRIPE_API_BASE={stripe_server.url}\n"
        f"STRIPE_WEBHOOK_SECRET={CANARIES['STRIPE_WEBHOOK_SECRET']}\n"
        f"MEDUSA_BACKEND_URL={medusa_server.url}\nMEDUSA_ADMIN_API_KEY={API_KEY}\n"
        f"MEDUSA_ADMIN_PASSWORD={ADMIN_PASSWORD}\n",
    )
    for debug in ({}, {"STORECTL_DEBUG": "1"}):
        result = run(*command, "--project", str(store), "--format", fmt, env=debug)
        text = result.stdout + result.stderr
        _assert_clean(text)
        for secret in (TEST_KEY, API_KEY, ADMIN_PASSWORD):
            assert secret not in text
        endpoints = stripe_server.state.endpoints.get("acct_1CNRYtest:test", [])
        for endpoint in endpoints:
            assert endpoint["secret"] not in text


@pytest.mark.parametrize(
    "command",
    [
        ["mail", "test", "--to", "qa@example.com"],
        ["mail", "replay", "order.placed", "--sample", "--to", "qa@example.com"],
        ["mail", "preview", "order.placed", "--sample"],
    ],
    ids=" ".join,
)
@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("good_password", [True, False])
def test_mail_commands_never_print_a_secret(
    smtp_servers: SmtpServers, certs: Certs, command: list[str], fmt: str, good_password: bool
) -> None:
    from tests.servers.smtp_server import PASSWORD, USER

    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_servers.starttls),
        "SMTP_USER": USER,
        "SMTP_PASS": PASSWORD if good_password else CANARIES["SMTP_PASS"],
        "SMTP_FROM": "Shop <orders@example.com>",
        "SSL_CERT_FILE": str(certs.ca),
        "STORECTL_DEBUG": "1",
    }
    result = run(*command, "--format", fmt, env=env)
    _assert_clean(result.stdout, result.stderr)
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("password", ["true", "false", "null", "testcase", "error"])
def test_a_secret_that_spells_syntax_cannot_break_structured_output(
    store: Path, password: str
) -> None:
    """Secrets are scrubbed value by value, so JSON, JUnit XML and workflow commands stay valid."""
    import json
    from xml.etree import ElementTree as ET

    from tests.servers.tcp import tcp_peer

    with tcp_peer("close") as port:
        pass
    write(
        store / "backend/.env",
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={port}\nSMTP_USER=u\nSMTP_PASS={password}\n"
        "SMTP_FROM=a@b.c\n",
    )
    status = run("status", "--project", str(store), "--format", "json")
    assert json.loads(status.stdout)["strict"] is False
    doctor = run("doctor", "--project", str(store), "--only", "smtp", "--format", "json")
    assert json.loads(doctor.stdout)["ok"] is False
    junit = run("doctor", "--project", str(store), "--only", "smtp", "--format", "junit")
    assert ET.fromstring(junit.stdout).find("testsuite/testcase") is not None
    github = run("doctor", "--project", str(store), "--only", "smtp", "--format", "github")
    assert github.stdout.startswith("::error title=")
