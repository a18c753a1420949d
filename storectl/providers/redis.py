"""Redis: active when REDIS_URL is set (event bus, workflow engine, cache and locking)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Stage, Status, finding
from storectl.net import limits
from storectl.net.deadline import Deadline
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import TRUST_HINT, Steps, network_stage
from storectl.providers.values import is_loopback, split_url, url_unparseable
from storectl.redact import clean_peer_text, mask_url

if TYPE_CHECKING:  # redis-py loads only when a probe connects
    from redis import Redis
    from redis.client import Pipeline

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
        unparseable = url_unparseable(value)
        if unparseable is not None:
            yield finding(
                NAME,
                "url-unparseable",
                Severity.ERROR,
                f"{spec.name} cannot be parsed: {unparseable}",
                hint="write it as redis://[user:password@]host:6379[/db] (rediss:// for TLS), "
                "with special characters in the password percent-encoded",
                source=env.source(spec.name),
            )
            continue
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


# --- live probe -----------------------------------------------------------------------------

PROBE_PREFIX = "storectl:probe:"
_UNLOCK = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end"
)
#: Which roles each var serves; the event bus and workflow engine use REDIS_URL.
ROLES = {
    "REDIS_URL": "event bus and workflow engine",
    "CACHE_REDIS_URL": "cache",
    "LOCKING_REDIS_URL": "locking",
}


def targets(env: Env) -> dict[str, list[str]]:
    """Distinct URLs (after defaults) -> the vars that use them, REDIS_URL's first."""
    found: dict[str, list[str]] = {}
    for spec in ENV_VARS:
        url = env.value(spec.name) or (env.value(spec.default_from) if spec.default_from else "")
        if url:
            found.setdefault(url, []).append(spec.name)
    return found


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    deadline = Deadline(options.timeout)
    checks: list[Check] = []
    for url, names in targets(env).items():
        checks += _probe_url(url, names, deadline)
    return checks


def classify(exc: Exception, url: str) -> tuple[Stage, str, str]:
    """(stage, summary, hint) for a redis-py or socket error (public: the workers provider
    classifies its queue reads with it)."""
    from redis import exceptions as rx

    parts = split_url(url)
    where = f"{parts.hostname}:{parts.port or 6379}" if parts and parts.hostname else mask_url(url)
    message = clean_peer_text(str(exc))
    if isinstance(exc, limits.LimitExceeded):
        return (
            Stage(exc.stage),
            f"{where}: {exc.message}",
            "is that port a Redis server answering at full speed? Check the URL, or raise "
            "--timeout",
        )
    if isinstance(exc, rx.NoPermissionError):
        return (
            Stage.PERMISSION,
            f"NOPERM: the ACL user may not run this: {message}",
            "grant the user the commands and keys Medusa needs (ACL SETUSER ... +@all ~*), "
            "or use a user with full access",
        )
    if isinstance(exc, rx.AuthenticationError):
        if "invalid username-password" in message or "WRONGPASS" in message:
            return (
                Stage.AUTH,
                "WRONGPASS: the user name or password in the URL is wrong",
                "copy the password (and ACL user, if any) into the URL: redis://user:pass@host:port",
            )
        return (
            Stage.AUTH,
            "NOAUTH: the server requires a password and the URL has none",
            "add the password to the URL: redis://:password@host:port",
        )
    net = network_stage(exc)
    if net is not None:
        stage, reason = net
        hints = {
            Stage.DNS: "check the host name in the URL",
            Stage.CONNECT: f"is Redis running and reachable at {where}?",
            Stage.TIMEOUT: f"{where} accepted no command in time: a firewall, or not Redis?",
            Stage.TLS: TRUST_HINT
            if "certificate" in reason
            else "this port does not speak TLS: use redis:// here, or the server's TLS port",
            Stage.PROTOCOL: "is that port a Redis server? A TLS port needs rediss://",
        }
        return stage, f"{where}: {reason}", hints.get(stage, f"check {where}")
    if isinstance(exc, rx.ConnectionError) and "closed" in message.lower():
        return (
            Stage.PROTOCOL,
            f"{where}: the server closed the connection",
            "is that port a Redis server? A TLS port needs rediss://",
        )
    if isinstance(exc, rx.TimeoutError):
        return Stage.TIMEOUT, f"{where}: no answer in time", f"is {where} a Redis server?"
    if isinstance(exc, rx.ConnectionError):
        return Stage.CONNECT, f"{where}: {message}", f"is Redis reachable at {where}?"
    return Stage.PROTOCOL, f"{where}: unexpected reply: {message}", "is that a Redis server?"


def _no_setinfo(cls: type[Redis]) -> dict[str, None]:
    """The keyword that turns CLIENT SETINFO off: driver_info=None since redis-py 7.1/8,
    lib_name/lib_version=None before (now deprecated)."""
    import inspect

    if "driver_info" in inspect.signature(cls.__init__).parameters:
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


def _probe_url(url: str, names: list[str], deadline: Deadline) -> list[Check]:
    """Every check of one URL in one pipeline: a round trip for all of them after the
    connection (with ~100 ms to a managed Redis, eight commands one by one cost 1.6 s)."""
    import uuid

    steps = Steps(NAME, names[0])
    bounded = connect(url, names, steps, deadline)
    if bounded is None:
        return steps.checks
    value = uuid.uuid4().hex
    try:
        with bounded:
            pipe, plan = _pipeline(bounded, names, value)
            replies = pipe.execute(raise_on_error=False)
    except Exception as exc:  # noqa: BLE001 - turned into a result at the provider boundary
        stage, summary, hint = classify(exc, url)
        steps.fail("connect", stage, summary, hint)
        return steps.checks
    _read_replies(steps, plan, replies, url, names, value)
    return steps.checks


def connect(url: str, names: list[str], steps: Steps, deadline: Deadline) -> Redis | None:
    """A bounded redis-py client for `url` (every read by the deadline, replies capped, no
    retries), or None with the failed `connect` check recorded in `steps`. Public: the
    workers provider reads the queues through it."""
    import redis

    from storectl.net import sdk_redis

    unparseable = url_unparseable(url)
    if unparseable is not None:
        # Never hand it to redis-py: its error quotes the misread port, a password's prefix.
        steps.fail(
            "connect",
            Stage.CONFIG,
            f"{names[0]} cannot be parsed: {unparseable}",
            "fix the Redis URL (see the lint finding redis.url-unparseable)",
        )
        return None
    try:
        # Every socket read by the deadline (a drip cannot hold it), one reply capped at
        # limits.MAX_BODY (an endless bulk reply cannot fill memory), no retries.
        options: dict[str, Any] = {  # redis-py keywords, passed through
            "protocol": 2,  # no HELLO round trip
            **_no_setinfo(redis.Redis),  # no CLIENT SETINFO round trips
        }
        return sdk_redis.bounded_redis(url, deadline, **options)
    except ValueError as exc:
        # redis-py quotes what it misread ('Port could not be cast ... as 'pw'): drop quotes.
        reason = re.sub(r"'[^']*'", "'…'", str(exc))
        steps.fail("connect", Stage.CONFIG, f"the URL is not usable: {reason}", "fix the Redis URL")
        return None


def _pipeline(
    client: Redis, names: list[str], value: str
) -> tuple[Pipeline, list[tuple[str, int]]]:
    """The pipeline of every check the URL's uses need, and (check, how many replies it reads)."""
    import uuid

    lock_key, token = f"{PROBE_PREFIX}lock:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache_key = f"{PROBE_PREFIX}cache:{uuid.uuid4().hex}"
    plan: list[tuple[str, int]] = [("connect", 2)]
    pipe = client.pipeline(transaction=False)
    pipe.ping()
    pipe.info("server")
    if "REDIS_URL" in names:
        pipe.config_get("maxmemory-policy")
        plan.append(("maxmemory-policy", 1))
    if "LOCKING_REDIS_URL" in names:
        pipe.set(lock_key, token, nx=True, px=10_000)
        pipe.eval(_UNLOCK, 1, lock_key, token)
        plan.append(("lock", 2))
    if "CACHE_REDIS_URL" in names:
        pipe.set(cache_key, value, ex=30)
        pipe.get(cache_key)
        pipe.delete(cache_key)
        plan.append(("cache", 3))
    return pipe, plan


def _read_replies(
    steps: Steps,
    plan: list[tuple[str, int]],
    replies: list[Any],
    url: str,
    names: list[str],
    value: str,
) -> None:
    """Each check's share of the pipeline's replies, judged."""
    for check, count in plan:
        answers, replies = replies[:count], replies[count:]
        problem = next((a for a in answers if isinstance(a, Exception)), None)
        if check == "maxmemory-policy" and problem is not None:
            _policy(steps, None, problem)
        elif problem is not None:
            stage, summary, hint = classify(problem, url)
            steps.fail(check, stage, summary, hint)
        elif check == "connect":
            version = answers[1].get("redis_version", "unknown")
            shared = f"; also serves {', '.join(names[1:])}" if len(names) > 1 else ""
            steps.ok("connect", f"PING answered: Redis {version}{shared}")
        elif check == "maxmemory-policy":
            _policy(steps, answers[0].get("maxmemory-policy", "unknown"), None)
        elif check == "lock":
            _lock(steps, answers)
        else:
            _cache(steps, answers, value)


def _policy(steps: Steps, policy: str | None, problem: Exception | None) -> None:
    if problem is not None:
        # Managed Redis (ElastiCache, Upstash, ...) disables or renames CONFIG: not a failure.
        steps.add(
            "maxmemory-policy",
            Status.SKIP,
            f"unknown: CONFIG GET is not allowed here ({str(problem).split(':')[0]})",
            hint="check the eviction policy in your provider's console: it must be noeviction",
        )
    elif policy == "noeviction":
        steps.ok("maxmemory-policy", "noeviction: queued jobs are never evicted")
    else:
        steps.warn(
            "maxmemory-policy",
            Stage.CONFIG,
            f"maxmemory-policy is {policy}: under memory pressure Redis evicts keys, and the "
            "event bus and workflow engine (BullMQ) lose jobs",
            hint="CONFIG SET maxmemory-policy noeviction (or set it in your provider's console), "
            "or give the cache its own CACHE_REDIS_URL",
        )


def _lock(steps: Steps, answers: list[Any]) -> None:
    acquired, released = answers
    if acquired and released == 1:
        steps.ok("lock", "SET NX PX and compare-and-delete round trip")
    else:
        steps.fail(
            "lock",
            Stage.PROTOCOL,
            f"lock round trip failed (acquired={bool(acquired)}, released={released})",
            hint="is this a Redis-compatible server that supports SET NX PX and EVAL?",
        )


def _cache(steps: Steps, answers: list[Any], value: str) -> None:
    read = answers[1]
    if read is not None and read.decode() == value:
        steps.ok("cache", "SET EX / GET / DEL round trip")
    else:
        steps.fail(
            "cache",
            Stage.PROTOCOL,
            "the cache round trip read back something else",
            hint="is another client rewriting storectl:probe:* keys?",
        )


#: The live checks `probe` may report (doctor --list-checks).
CHECKS = (
    ProbeCheck("connect", "each Redis URL connects and authenticates (PING)"),
    ProbeCheck("maxmemory-policy", "the eviction policy will not drop queued jobs or locks"),
    ProbeCheck(
        "lock",
        "SET NX PX works, as the locking module needs",
        writes=True,
        sends="SET NX PX of a storectl:probe:* key (expires in 10 s)",
    ),
    ProbeCheck(
        "cache",
        "a value round-trips with a TTL, as caching needs",
        writes=True,
        sends="SET EX, GET, DEL of a storectl:probe:* key",
    ),
)


PROVIDER = Provider(
    checks=CHECKS,
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
    probe=probe,
    endpoint=Endpoint("REDIS_URL", "redis://{host}:{port}", "rediss://{host}:{port}"),
    shareable=True,  # reads only its own variables
)
