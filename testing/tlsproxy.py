"""A TLS-terminating TCP proxy: TLS (with a chosen certificate) in front of a plain server."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes one way until either side closes, then shut both (the tests' proxies)."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@contextmanager
def tls_proxy(upstream_port: int, cert: str, key: str) -> Iterator[int]:
    """Listen with TLS on a loopback port; forward the decrypted bytes to `upstream_port`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    port: int = server.getsockname()[1]
    stop = threading.Event()
    open_sockets: list[socket.socket] = []

    def handle(raw: socket.socket) -> None:
        raw.settimeout(5)
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()  # a plain client, or one that refused our certificate
            return
        client.settimeout(None)
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
        open_sockets.extend([client, upstream])
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()
        for sock in open_sockets:
            sock.close()
