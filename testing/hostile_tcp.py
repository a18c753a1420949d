"""Hostile SMTP and Redis peers: the non-HTTP half of `testing.hostile` (same `Peer`, same rules).

An SMTP greeting or a Redis reply dripped one byte at a time, an SMTP reply that never ends, an
SMTP server that echoes the AUTH data back in its error, a Redis bulk reply that streams forever.
"""

from __future__ import annotations

import itertools
import socket
import ssl

from testing.hostile import CHUNK, DRIP_INTERVAL, Peer, drip

DRIP_SMTP = b"220 hostile.invalid ESMTP ready\r\n"
DRIP_REDIS = b"$100000\r\n" + b"x" * 100000 + b"\r\n"


def drip_smtp(interval: float = DRIP_INTERVAL) -> Peer:
    """An SMTP server whose greeting arrives one byte at a time."""
    return drip(DRIP_SMTP * 1000, interval, wait_for="none")


def drip_redis(interval: float = DRIP_INTERVAL) -> Peer:
    """Answers the first command with a bulk reply dripped one byte at a time."""
    return drip(DRIP_REDIS, interval, wait_for="any")


def smtp_endless() -> Peer:
    """An SMTP greeting that never ends: `220-` continuation lines, forever."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        for n in itertools.count():
            if peer.stopping.is_set():
                return
            conn.sendall(
                b"".join(b"220-hostile.invalid line %d\r\n" % (n * 64 + i) for i in range(64))
            )

    return Peer("smtp-endless", handle)


def smtp_echo_auth(tls: ssl.SSLContext | None = None) -> Peer:
    """An SMTP server that offers AUTH PLAIN and LOGIN (and STARTTLS with `tls`), then rejects
    every AUTH with a 535 reply that echoes the base64 AUTH data it was sent."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        stream: socket.socket = conn
        reader = stream.makefile("rb")
        stream.sendall(b"220 hostile.invalid ESMTP\r\n")
        login: list[str] = []
        while not peer.stopping.is_set():
            line = reader.readline(4096)
            if not line:
                return
            peer.record(line)
            text = line.decode("latin-1").rstrip("\r\n")
            verb = text.split(" ", 1)[0].upper()
            if login:  # inside AUTH LOGIN: the username, then the password
                login.append(text)
                if len(login) == 2:
                    stream.sendall(b"334 UGFzc3dvcmQ6\r\n")
                else:
                    echoed = " ".join(login[1:])
                    stream.sendall(f"535 5.7.8 bad credentials: {echoed}\r\n".encode())
                    login = []
            elif verb in ("EHLO", "HELO"):
                offer = b"250-STARTTLS\r\n" if tls and stream is conn else b""
                stream.sendall(b"250-hostile.invalid\r\n" + offer + b"250 AUTH PLAIN LOGIN\r\n")
            elif verb == "STARTTLS" and tls and stream is conn:
                stream.sendall(b"220 2.0.0 go ahead\r\n")
                stream = tls.wrap_socket(conn, server_side=True)
                reader = stream.makefile("rb")
            elif verb == "AUTH":
                words = text.split(" ")
                if len(words) >= 2 and words[1].upper() == "LOGIN":
                    login = ["LOGIN"]
                    stream.sendall(b"334 VXNlcm5hbWU6\r\n")
                else:
                    echoed = " ".join(words[2:])
                    stream.sendall(f"535 5.7.8 bad credentials: {echoed}\r\n".encode())
            elif verb == "QUIT":
                stream.sendall(b"221 bye\r\n")
                return
            else:
                stream.sendall(b"250 ok\r\n")

    return Peer("smtp-echo-auth", handle)


def redis_endless_bulk() -> Peer:
    """Answers every Redis command with a bulk reply that claims 10 GB and streams forever."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        peer.record(conn.recv(65536))
        conn.sendall(b"$10000000000\r\n")
        while not peer.stopping.is_set():
            conn.sendall(CHUNK)

    return Peer("redis-endless-bulk", handle)
