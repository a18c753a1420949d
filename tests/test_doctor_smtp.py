"""doctor against real aiosmtpd servers: STARTTLS, implicit TLS, AUTH, sender, mismatches."""

from __future__ import annotations

import time
from typing import Any

import pytest

from testing.certs import Certs
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.tcp import tcp_peer
from tests.conftest import Result, run


def smtp_env(port: int, certs: Certs, **extra: str) -> dict[str, str]:
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_USER": USER,
        "SMTP_PASS": PASSWORD,
        "SMTP_FROM": "Shop <orders@example.com>",
        "SMTP_SECURE": "false",
        "SSL_CERT_FILE": str(certs.ca),
    }
    env.update(extra)
    return env


def doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "smtp", "--format", "json", "--timeout", "3", *args, env=env)


def by_check(result: Result) -> dict[str, dict[str, Any]]:
    return {c["check"]: c for c in result.json()["checks"] if not c["check"].startswith("smtp.")}


def test_starttls_auth_and_sender(smtp_servers: SmtpServers, certs: Certs) -> None:
    before = len(smtp_servers.capture.messages)
    result = doctor(smtp_env(smtp_servers.starttls, certs))
    assert result.exit_code == 0, result.stdout
    checks = by_check(result)
    assert list(checks) == ["connect", "tls", "auth", "sender"]
    assert all(c["status"] == "ok" for c in checks.values())
    assert checks["tls"]["summary"].startswith("STARTTLS, TLSv1.")
    assert checks["auth"]["summary"] == f"AUTH PLAIN accepted for {USER}"
    assert "orders@example.com" in checks["sender"]["summary"]
    assert len(smtp_servers.capture.messages) == before  # no mail is sent
    assert PASSWORD not in result.stdout


def test_implicit_tls(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = doctor(smtp_env(smtp_servers.implicit, certs, SMTP_SECURE="true"))
    assert result.exit_code == 0, result.stdout
    assert "implicit TLS" in by_check(result)["connect"]["summary"]


def test_wrong_password_is_535_auth(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = doctor(smtp_env(smtp_servers.starttls, certs, SMTP_PASS="wrong-pass"))
    assert result.exit_code == 1
    auth = by_check(result)["auth"]
    assert (auth["status"], auth["stage"]) == ("fail", "AUTH")
    assert auth["summary"].startswith("535")
    assert "SMTP_PASS" in auth["hint"]


def test_secure_true_on_a_starttls_port(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = doctor(smtp_env(smtp_servers.starttls, certs, SMTP_SECURE="true"))
    connect = by_check(result)["connect"]
    assert (connect["status"], connect["stage"]) == ("fail", "TLS")
    assert "plain SMTP" in connect["summary"]
    assert "SMTP_SECURE=false" in connect["hint"]


def test_plain_on_an_implicit_tls_port(smtp_servers: SmtpServers, certs: Certs) -> None:
    start = time.monotonic()
    result = doctor(smtp_env(smtp_servers.implicit, certs), "--timeout", "2")
    assert time.monotonic() - start < 3
    connect = by_check(result)["connect"]
    assert (connect["status"], connect["stage"]) == ("fail", "TLS")
    assert "implicit TLS" in connect["summary"]
    assert "SMTP_SECURE=true" in connect["hint"]


def test_untrusted_certificate(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = doctor(smtp_env(smtp_servers.rogue, certs))
    tls = by_check(result)["tls"]
    assert (tls["status"], tls["stage"]) == ("fail", "TLS")
    assert "not trusted" in tls["summary"]
    assert "SSL_CERT_FILE" in tls["hint"]


def test_no_tls_on_loopback_is_fine(smtp_servers: SmtpServers, certs: Certs) -> None:
    result = doctor(smtp_env(smtp_servers.plain, certs))
    assert result.exit_code == 0, result.stdout
    assert "no TLS offered" in by_check(result)["tls"]["summary"]


def test_no_login(smtp_servers: SmtpServers, certs: Certs) -> None:
    env = smtp_env(smtp_servers.plain, certs)
    del env["SMTP_USER"], env["SMTP_PASS"]
    result = doctor(env)
    assert result.exit_code == 0
    assert by_check(result)["auth"]["status"] == "skip"


def test_sender_refused(smtp_servers: SmtpServers, certs: Certs) -> None:
    env = smtp_env(smtp_servers.starttls, certs, SMTP_FROM="orders@forbidden.example")
    sender = by_check(doctor(env))["sender"]
    assert (sender["status"], sender["stage"]) == ("fail", "PERMISSION")
    assert "553" in sender["summary"]


def test_connection_refused(certs: Certs) -> None:
    with tcp_peer("close") as port:
        pass
    connect = by_check(doctor(smtp_env(port, certs)))["connect"]
    assert (connect["status"], connect["stage"]) == ("fail", "CONNECT")


@pytest.mark.parametrize("secure", ["false", "true"])
def test_a_peer_that_never_answers(certs: Certs, secure: str) -> None:
    with tcp_peer("silent") as port:
        start = time.monotonic()
        result = doctor(smtp_env(port, certs, SMTP_SECURE=secure), "--timeout", "1")
        assert time.monotonic() - start < 2
    connect = by_check(result)["connect"]
    assert connect["stage"] in ("TIMEOUT", "TLS")
    assert connect["stage"] == ("TIMEOUT" if secure == "false" else "TLS")
    assert connect["hint"]


def test_a_peer_that_hangs_up(certs: Certs) -> None:
    with tcp_peer("close") as port:
        connect = by_check(doctor(smtp_env(port, certs)))["connect"]
    assert (connect["status"], connect["stage"]) == ("fail", "PROTOCOL")


@pytest.mark.parametrize("command", ["doctor", "mail"])
def test_a_non_ascii_password_is_a_classified_failure(
    smtp_servers: SmtpServers, certs: Certs, command: str
) -> None:
    """smtplib encodes AUTH data as ASCII: an `SMTP_PASS` with `¡` was an internal error."""
    env = smtp_env(smtp_servers.starttls, certs, SMTP_PASS="0000000¡")
    if command == "doctor":
        result = doctor(env)
        assert result.exit_code == 1
        auth = by_check(result)["auth"]
        assert (auth["status"], auth["stage"]) == ("fail", "CONFIG")
        assert "non-ASCII" in auth["summary"]
    else:
        result = run("mail", "test", "--to", "qa@example.com", env=env)
        assert result.exit_code in (1, 2)
        assert "non-ASCII" in result.stderr and "internal error" not in result.stderr
