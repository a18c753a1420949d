"""Misbehaving TCP peers for fault tests: one that accepts and never answers, one that hangs up."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tcp_peer(mode: str) -> Iterator[int]:
    """A loopback listener. mode 'silent': accept and say nothing; 'close': accept and hang up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port: int = server.getsockname()[1]
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if mode == "close":
                conn.close()
            else:
                held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()
