"""doctor against real redis-server instances: each failure mode has its stage and hint."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from testing.certs import Certs
from testing.redis_server import (
    LIMITED_PASSWORD,
    NOCONFIG_PASSWORD,
    PASSWORD,
    RedisServers,
)
from testing.tcp import tcp_peer
from tests.conftest import Result, run


def doctor(env: dict[str, str], *args: str) -> Result:
    return run("doctor", "--only", "redis", "--format", "json", "--timeout", "3", *args, env=env)


def checks(result: Result) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(c["check"], c["target"]): c for c in result.json()["checks"]}


def test_all_green_with_password(redis_servers: RedisServers) -> None:
    result = doctor({"REDIS_URL": redis_servers.url()})
    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    found = checks(result)
    assert list(found) == [
        ("connect", "REDIS_URL"),
        ("maxmemory-policy", "REDIS_URL"),
        ("lock", "REDIS_URL"),
        ("cache", "REDIS_URL"),
    ]
    assert all(c["status"] == "ok" for c in found.values())
    assert (
        "also serves CACHE_REDIS_URL, LOCKING_REDIS_URL"
        in found[("connect", "REDIS_URL")]["summary"]
    )
    assert PASSWORD not in result.stdout


def test_each_distinct_url_is_checked_for_its_role(redis_servers: RedisServers) -> None:
    env = {
        "REDIS_URL": redis_servers.url(),
        "CACHE_REDIS_URL": f"redis://127.0.0.1:{redis_servers.lru_port}",
    }
    found = checks(doctor(env))
    assert set(found) == {
        ("connect", "REDIS_URL"),
        ("maxmemory-policy", "REDIS_URL"),
        ("lock", "REDIS_URL"),
        ("connect", "CACHE_REDIS_URL"),
        ("cache", "CACHE_REDIS_URL"),
    }
    # allkeys-lru is right for a cache: no maxmemory warning on the cache-only URL
    assert all(c["status"] == "ok" for c in found.values())


def test_eviction_policy_on_the_event_bus_url_warns(redis_servers: RedisServers) -> None:
    result = doctor({"REDIS_URL": f"redis://127.0.0.1:{redis_servers.lru_port}"})
    assert result.exit_code == 0  # a warning
    policy = checks(result)[("maxmemory-policy", "REDIS_URL")]
    assert (policy["status"], policy["stage"]) == ("warn", "CONFIG")
    assert "allkeys-lru" in policy["summary"] and "noeviction" in policy["hint"]
    assert (
        doctor({"REDIS_URL": f"redis://127.0.0.1:{redis_servers.lru_port}"}, "--strict").exit_code
        == 1
    )


@pytest.mark.parametrize(
    ("url_args", "stage", "summary", "hint"),
    [
        ({"password": "wrong-password"}, "AUTH", "WRONGPASS", "copy the password"),
        ({"password": None}, "AUTH", "NOAUTH", "add the password"),
        ({"password": "x", "user": "nobody"}, "AUTH", "WRONGPASS", "ACL user"),
    ],
)
def test_auth_failures(
    redis_servers: RedisServers, url_args: dict[str, Any], stage: str, summary: str, hint: str
) -> None:
    result = doctor({"REDIS_URL": redis_servers.url(**url_args)})
    assert result.exit_code == 1
    connect = checks(result)[("connect", "REDIS_URL")]
    assert (connect["status"], connect["stage"]) == ("fail", stage)
    assert summary in connect["summary"]
    assert hint in connect["hint"]


def test_noperm_on_keys_the_acl_user_may_not_touch(redis_servers: RedisServers) -> None:
    result = doctor({"REDIS_URL": redis_servers.url(LIMITED_PASSWORD, user="limited")})
    assert result.exit_code == 1
    lock = checks(result)[("lock", "REDIS_URL")]
    assert (lock["status"], lock["stage"]) == ("fail", "PERMISSION")
    assert "NOPERM" in lock["summary"]
    assert "ACL SETUSER" in lock["hint"]


def test_config_get_disabled_is_unknown_not_a_failure(redis_servers: RedisServers) -> None:
    result = doctor({"REDIS_URL": redis_servers.url(NOCONFIG_PASSWORD, user="noconfig")})
    assert result.exit_code == 0, result.stdout
    policy = checks(result)[("maxmemory-policy", "REDIS_URL")]
    assert policy["status"] == "skip"
    assert policy["summary"].startswith("unknown")


def test_tls_with_a_trusted_ca(redis_servers: RedisServers, certs: Certs) -> None:
    env = {"REDIS_URL": redis_servers.url(tls=True), "SSL_CERT_FILE": str(certs.ca)}
    result = doctor(env)
    assert result.exit_code == 0, result.stdout


def test_tls_certificate_not_trusted(redis_servers: RedisServers) -> None:
    result = doctor({"REDIS_URL": redis_servers.url(tls=True)})
    connect = checks(result)[("connect", "REDIS_URL")]
    assert (connect["status"], connect["stage"]) == ("fail", "TLS")
    assert "not trusted" in connect["summary"]
    assert "SSL_CERT_FILE" in connect["hint"]


def test_plain_url_to_the_tls_port(redis_servers: RedisServers) -> None:
    url = redis_servers.url().replace(str(redis_servers.port), str(redis_servers.tls_port))
    connect = checks(doctor({"REDIS_URL": url}))[("connect", "REDIS_URL")]
    assert connect["stage"] == "PROTOCOL"
    assert "rediss://" in connect["hint"]


def test_tls_url_to_the_plain_port(redis_servers: RedisServers, certs: Certs) -> None:
    url = f"rediss://127.0.0.1:{redis_servers.lru_port}"
    result = doctor({"REDIS_URL": url, "SSL_CERT_FILE": str(certs.ca)}, "--timeout", "1")
    connect = checks(result)[("connect", "REDIS_URL")]
    assert connect["stage"] == "TLS"
    assert "redis://" in connect["hint"]


def test_connection_refused() -> None:
    with tcp_peer("close") as port:
        pass  # the port is now closed: nothing listens
    connect = checks(doctor({"REDIS_URL": f"redis://127.0.0.1:{port}"}))[("connect", "REDIS_URL")]
    assert connect["stage"] == "CONNECT"
    assert "refused" in connect["summary"]


def test_dns_failure() -> None:
    connect = checks(doctor({"REDIS_URL": "redis://no-such-host.invalid:6379"}))[
        ("connect", "REDIS_URL")
    ]
    assert connect["stage"] == "DNS"


def test_a_peer_that_never_answers_ends_within_the_timeout() -> None:
    with tcp_peer("silent") as port:
        start = time.monotonic()
        result = doctor({"REDIS_URL": f"redis://127.0.0.1:{port}"}, "--timeout", "1")
        elapsed = time.monotonic() - start
    assert elapsed < 1 + 1
    connect = checks(result)[("connect", "REDIS_URL")]
    assert (connect["status"], connect["stage"]) == ("fail", "TIMEOUT")
    assert connect["hint"]


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "github"])
def test_no_password_in_any_format(redis_servers: RedisServers, fmt: str, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_servers.url("wrong-" + PASSWORD),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"),
    }
    out = tmp_path / "report"
    for extra in ([], ["--output", str(out)]):
        result = run("doctor", "--only", "redis", "--format", fmt, *extra, env=env)
        assert result.exit_code == 1
        texts = [result.stdout, result.stderr]
        if extra:
            texts.append(out.read_text())
        if fmt == "github":
            texts.append((tmp_path / "s.md").read_text())
        assert all(PASSWORD not in text for text in texts)
        assert "WRONGPASS" in "".join(texts)
