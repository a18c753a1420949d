"""A real forward proxy on 127.0.0.1, as a corporate CI has one: it records every host it is
asked for, so a test can prove which traffic went through it.

- absolute-form HTTP (`GET http://host:port/path HTTP/1.1`): forwarded in origin-form to that
  host with `Connection: close`, the answer relayed byte for byte;
- `CONNECT host:port` (TLS): `200 Connection established`, then a blind tunnel.

With `auth=(user, password)` it asks for Proxy-Authorization (Basic), answering 407 without it,
as an authenticating proxy does. Each connection gets a thread; `stop()` closes them all.
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from testing.tlsproxy import pump

_HEAD_LIMIT = 64 * 1024


@dataclass
class ForwardProxy:
    """The running proxy: its port, and each (method, host:port) it was asked for."""

    port: int
    asked: list[tuple[str, str]] = field(default_factory=list)
    auth: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hosts(self) -> set[str]:
        """Every host:port asked for, by CONNECT or by an absolute-form request."""
        return {target for _method, target in self.asked}


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    """The request head (up to the blank line) and whatever body bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk or len(data) > _HEAD_LIMIT:
            raise ConnectionError("no complete request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _authorized(proxy: ForwardProxy, lines: list[str]) -> bool:
    if proxy.auth is None:
        return True
    token = base64.b64encode(f"{proxy.auth[0]}:{proxy.auth[1]}".encode()).decode()
    return any(line.lower() == f"proxy-authorization: basic {token}".lower() for line in lines)


def _handle(conn: socket.socket, proxy: ForwardProxy) -> None:
    with conn:
        head, rest = _read_head(conn)
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        if not _authorized(proxy, lines[1:]):
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            proxy.asked.append(("CONNECT", target))
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _tunnel(conn, upstream, rest)
            return
        parts = urlsplit(target)
        where = f"{parts.hostname}:{parts.port or 80}"
        proxy.asked.append((method, where))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [
            line
            for line in lines[1:]
            if not line.lower().startswith(("proxy-", "connection:", "keep-alive:"))
        ]
        request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
        upstream = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)
        upstream.sendall(request.encode("latin-1") + b"\r\n\r\n" + rest)
        _tunnel(conn, upstream, b"")


def _tunnel(client: socket.socket, upstream: socket.socket, early: bytes) -> None:
    """Bytes both ways until either side closes."""
    with upstream:
        if early:
            upstream.sendall(early)
        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join(timeout=30)


@contextmanager
def forward_proxy(auth: tuple[str, str] | None = None) -> Iterator[ForwardProxy]:
    """Run a forward proxy on a free loopback port for the duration of the block."""
    listener = socket.create_server(("127.0.0.1", 0))
    proxy = ForwardProxy(port=listener.getsockname()[1], auth=auth)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            threading.Thread(target=_safe_handle, args=(conn, proxy), daemon=True).start()

    thread = threading.Thread(target=serve, name="forward-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        stopping.set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        listener.close()
        thread.join(timeout=5)


def _safe_handle(conn: socket.socket, proxy: ForwardProxy) -> None:
    try:
        _handle(conn, proxy)
    except (OSError, ValueError, ConnectionError):
        pass  # a client that went away; the test asserts on what was asked
