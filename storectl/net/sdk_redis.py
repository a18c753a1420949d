"""redis-py bounded, on the caps of `limits`: `bounded_redis()` is a client whose every
socket read ends by the deadline and whose one reply is capped in bytes (see its docstring for
what redis-py allows).

Imported only inside the Redis client's functions (never on start-up), so redis-py is imported
at module level and the connection classes need no factory.
"""

from __future__ import annotations

import socket
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from storectl.net.limits import MAX_BODY, DeadlineLike, deadline_passed, expired, left, too_big


class _BoundedSocket:
    """A socket proxy for redis-py: each read waits at most until the deadline, and the bytes
    read since the last command was sent are capped (one reply, or one pipeline's replies)."""

    def __init__(self, sock: socket.socket, deadline: DeadlineLike, max_reply: int) -> None:
        self._sock = sock
        self._deadline = deadline
        self._max = max_reply
        self._timeout: float | None = sock.gettimeout()
        self._read = 0

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def _arm(self) -> None:
        if self._timeout == 0:  # redis-py's non-blocking peek (can_read)
            self._sock.settimeout(0)
            return
        self._sock.settimeout(left(self._deadline, "reading the Redis reply", self._timeout))

    def _count(self, n: int) -> None:
        self._read += n
        if self._read > self._max:
            raise too_big("a Redis reply", "MAX_BODY", self._max)

    def recv(self, size: int, *flags: int) -> bytes:
        self._arm()
        try:
            data = self._sock.recv(size, *flags)
        except TimeoutError as exc:
            if expired(self._deadline):
                raise deadline_passed("reading the Redis reply") from exc
            raise
        self._count(len(data))
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, *flags: int) -> int:
        self._arm()
        try:
            n = self._sock.recv_into(buffer, nbytes, *flags)
        except TimeoutError as exc:
            if expired(self._deadline):
                raise deadline_passed("reading the Redis reply") from exc
            raise
        self._count(n)
        return n

    def sendall(self, data: Any, *flags: int) -> None:
        self._read = 0  # a new command: a new reply to count
        self._sock.settimeout(left(self._deadline, "sending to Redis", self._timeout))
        self._sock.sendall(data, *flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def bounded_redis(
    url: str, deadline: DeadlineLike, *, max_reply: int = MAX_BODY, **kwargs: Any
) -> redis.Redis:
    """A redis.Redis for `url` whose every socket operation ends by `deadline`, with one
    reply capped at `max_reply` bytes, and no retries.

    What redis-py allows: socket_timeout/socket_connect_timeout are per operation, so a drip
    would wait one timeout per byte; the connection's socket is therefore wrapped (the pool's
    public `connection_class`, given the deadline and cap through its `connection_kwargs`) so
    that each recv waits at most until the deadline and the bytes read per command are
    counted. The cap is on bytes received, so an endless bulk reply ends at max_reply;
    redis-py's pure-Python parser still buffers up to that much (it has no per-reply limit of
    its own). TLS handshakes (rediss://) are bounded per operation only. Limits raise
    LimitExceeded (not a redis error: redis-py's retry ignores it); everything else is
    redis-py's own.
    """
    seconds = left(deadline, "connecting to Redis")
    kwargs.setdefault("socket_timeout", seconds)
    kwargs.setdefault("socket_connect_timeout", seconds)
    kwargs.setdefault("retry", Retry(NoBackoff(), 0))
    kwargs.setdefault("health_check_interval", 0)
    client = redis.Redis.from_url(url, **kwargs)
    pool = client.connection_pool
    pool.connection_class = _BOUNDED[pool.connection_class]
    pool.connection_kwargs.update(deadline=deadline, max_reply=max_reply)
    return client


class _Bounded:
    """A redis-py connection whose socket is a `_BoundedSocket`; `_connect` is private (see
    docs/ARCHITECTURE.md: redis-py has no reply cap of its own)."""

    host: str
    port: int

    def __init__(self, *args: Any, deadline: DeadlineLike, max_reply: int, **kwargs: Any) -> None:
        self._deadline, self._max_reply = deadline, max_reply
        super().__init__(*args, **kwargs)

    def _connect(self) -> _BoundedSocket:
        where = f"connecting to Redis at {getattr(self, 'host', '?')}:{getattr(self, 'port', '?')}"
        left(self._deadline, where)
        sock = super()._connect()  # type: ignore[misc]
        return _BoundedSocket(sock, self._deadline, self._max_reply)


class BoundedConnection(_Bounded, redis.Connection):
    pass


class BoundedSSLConnection(_Bounded, redis.SSLConnection):
    pass


class BoundedUnixConnection(_Bounded, redis.UnixDomainSocketConnection):
    pass


#: redis-py's connection class for a URL's scheme -> its bounded subclass.
_BOUNDED: dict[type[Any], type[Any]] = {
    redis.Connection: BoundedConnection,
    redis.SSLConnection: BoundedSSLConnection,
    redis.UnixDomainSocketConnection: BoundedUnixConnection,
}
