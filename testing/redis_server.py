"""Real redis-server instances for the Redis probe tests (Debian's redis-server)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.procs import free_port, process, require_binary

PASSWORD = "CNRYredis-sekret-0001"
LIMITED_PASSWORD = "CNRYredis-limited-0002"
NOCONFIG_PASSWORD = "CNRYredis-noconfig-0003"


@dataclass(frozen=True)
class RedisServers:
    port: int  # requirepass PASSWORD, noeviction, ACL users 'limited' and 'noconfig'
    tls_port: int  # the same server over TLS (certificate from the trusted test CA)
    lru_port: int  # no password, maxmemory-policy allkeys-lru

    def url(self, password: str | None = PASSWORD, user: str = "", tls: bool = False) -> str:
        scheme, port = ("rediss", self.tls_port) if tls else ("redis", self.port)
        auth = f"{user}:{password}@" if password is not None else ""
        return f"{scheme}://{auth}127.0.0.1:{port}"


def _common(port: int) -> list[str]:
    return ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]


@pytest.fixture(scope="session")
def redis_servers(tmp_path_factory: pytest.TempPathFactory, certs: Certs) -> Iterator[RedisServers]:
    binary = require_binary("redis-server")
    folder: Path = tmp_path_factory.mktemp("redis")
    port, tls_port, lru_port = free_port(), free_port(), free_port()
    main = [
        binary,
        *_common(port),
        "--requirepass",
        PASSWORD,
        "--user",
        "limited",
        "on",
        f">{LIMITED_PASSWORD}",
        "~other:*",
        "+@all",
        "--user",
        "noconfig",
        "on",
        f">{NOCONFIG_PASSWORD}",
        "~*",
        "+@all",
        "-config",
        "--maxmemory-policy",
        "noeviction",
        "--tls-port",
        str(tls_port),
        "--tls-cert-file",
        str(certs.cert),
        "--tls-key-file",
        str(certs.key),
        "--tls-ca-cert-file",
        str(certs.ca),
        "--tls-auth-clients",
        "no",
        "--dir",
        str(folder),
    ]
    lru = [binary, *_common(lru_port), "--maxmemory-policy", "allkeys-lru", "--dir", str(folder)]
    with ExitStack() as stack:
        stack.enter_context(process(main, port, folder / "main.log"))
        stack.enter_context(process(lru, lru_port, folder / "lru.log"))
        yield RedisServers(port, tls_port, lru_port)
