"""Redis: active when REDIS_URL is set (event bus, workflow engine, cache and locking)."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.providers._checks import is_loopback, split_url
from storectl.providers.base import EnvVar, Finding, Provider, Severity, finding

NAME = "redis"
SCHEMES = ("redis", "rediss", "unix")

ENV_VARS = (
    EnvVar("REDIS_URL", "Redis for the event bus and workflow engine", required=True, secret=False),
    EnvVar("CACHE_REDIS_URL", "Redis for the cache module", default_from="REDIS_URL"),
    EnvVar("LOCKING_REDIS_URL", "Redis for the locking module", default_from="REDIS_URL"),
)


def url_problem(value: str) -> str | None:
    """Why a Redis URL is unusable, or None."""
    parts = split_url(value)
    if parts is None:
        return "cannot be parsed (is the port a number?)"
    if parts.scheme not in SCHEMES:
        return "must start with redis://, rediss:// or unix://"
    if parts.scheme != "unix" and not parts.hostname:
        return "has no host"
    if parts.scheme == "unix" and not parts.path:
        return "has no socket path"
    return None


def lint(env: Env) -> Iterator[Finding]:
    if not env.is_set("REDIS_URL"):
        return
    for spec in ENV_VARS:
        if not env.is_set(spec.name):
            continue
        value = env.value(spec.name)
        problem = url_problem(value)
        if problem is not None:
            yield finding(
                NAME,
                "url-invalid",
                Severity.ERROR,
                f"{spec.name} {problem}",
                hint="write it as redis://[user:password@]host:6379[/db] (rediss:// for TLS)",
                source=env.source(spec.name),
            )
            continue
        parts = split_url(value)
        if (
            parts is not None
            and parts.scheme == "redis"
            and parts.password
            and not is_loopback(parts.hostname)
        ):
            yield finding(
                NAME,
                "plaintext-password",
                Severity.WARNING,
                f"{spec.name} sends a password over plain redis:// to {parts.hostname}",
                hint="use rediss:// (TLS) when Redis is reached over a network",
                source=env.source(spec.name),
            )


PROVIDER = Provider(
    name=NAME,
    title="Redis",
    activation="REDIS_URL",
    env_vars=ENV_VARS,
    modules=(
        "@medusajs/medusa/event-bus-redis",
        "@medusajs/medusa/workflow-engine-redis",
        "@medusajs/medusa/cache-redis",
        "@medusajs/medusa/locking-redis",
    ),
    fallback="in-memory event bus and workflow engine (workflow-engine-inmemory); "
    "no cache or locking modules",
    lint=lint,
)
