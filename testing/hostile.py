"""Hostile peers: loopback servers that misbehave the way real ones do on a bad day.

Each peer is a context manager bound to 127.0.0.1 on a free port, serving every connection in
its own thread, and stopping cleanly on exit (open connections are shut down, threads joined).
They exist to prove that storectl keeps its deadline and its memory bound whatever a peer does:
refuse, stay silent, drip one byte at a time, stream forever, echo the request back, answer in
the wrong shape, or send a compressed bomb. The SMTP and Redis peers are in `hostile_tcp`, the
Stripe and Medusa APIs that paginate forever in `hostile_api`.

Stdlib only, and nothing from tests/: benchmarks and the demo use them too.
"""

from __future__ import annotations

import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
#: Seconds between two bytes of a drip: slow enough that no deadline is met, fast enough that
#: a per-read socket timeout never fires.
DRIP_INTERVAL = 0.5
#: How far a compressed bomb expands (the cap under test is 10 MB).
BOMB_SIZE = 64 * 1024 * 1024
#: A chunk of an endless stream.
CHUNK = b" " * 65536
#: The most a peer reads of one request (they are hostile, not careless).
MAX_REQUEST = 1024 * 1024

Handler = Callable[[socket.socket, "Peer"], None]


class Peer:
    """A TCP server on 127.0.0.1 whose every connection is given to `handler` in a thread."""

    def __init__(self, name: str, handler: Handler) -> None:
        self.name = name
        self.handler = handler
        self.stopping = threading.Event()
        #: raw requests (HTTP head + body, or the first bytes of other protocols), in order
        self.requests: list[bytes] = []
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Peer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(64)
        self._listener = listener
        self.port = listener.getsockname()[1]
        thread = threading.Thread(target=self._accept, name=f"{self.name}-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, shut every open connection down, and join the threads."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        try:  # wake the blocking accept()
            socket.create_connection((HOST, self.port), timeout=1).close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()

    def record(self, raw: bytes) -> None:
        with self._lock:
            self.requests.append(raw)

    def pause(self, seconds: float) -> bool:
        """Wait `seconds`; True when the peer is stopping (the handler should return)."""
        return self.stopping.wait(seconds)

    def _accept(self) -> None:
        assert self._listener is not None
        while not self.stopping.is_set():
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            if self.stopping.is_set():
                conn.close()
                return
            self.accepted += 1
            with self._lock:
                self._conns.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            self.handler(conn, self)
        except OSError:
            pass  # the client went away, or stop() shut the socket down
        finally:
            with self._lock:
                self._conns.discard(conn)
            _shutdown(conn)
            conn.close()


def _shutdown(conn: socket.socket) -> None:
    try:
        # socket.socket.shutdown, not SSLSocket's: it must work from another thread mid-read
        socket.socket.shutdown(conn, socket.SHUT_RDWR)
    except OSError:
        pass


# --- reading requests ----------------------------------------------------------------------


def read_http_request(conn: socket.socket) -> bytes:
    """One HTTP request, head and Content-Length body, as raw bytes (b"" if the client left)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > MAX_REQUEST:
            return data
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = min(int(value.strip()), MAX_REQUEST)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def request_target(raw: bytes) -> tuple[str, str, dict[str, list[str]]]:
    """(method, path, query) of a raw HTTP request."""
    line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    method = parts[0] if parts else ""
    target = urlsplit(parts[1] if len(parts) > 1 else "/")
    return method, target.path, parse_qs(target.query)


def http_response(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    extra: dict[str, str] | None = None,
) -> bytes:
    """A complete HTTP/1.1 response that closes the connection."""
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(status, "Status")
    headers = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Connection": "close",
        **(extra or {}),
    }
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def http_handler(answer: Callable[[bytes, Peer], bytes]) -> Handler:
    """A handler that reads one request, records it, and sends answer(request)."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        raw = read_http_request(conn)
        if not raw:
            return
        peer.record(raw)
        conn.sendall(answer(raw, peer))

    return handle


# --- the peers -----------------------------------------------------------------------------


class Refused:
    """A port nothing listens on (bound, never listening, so nobody else can take it)."""

    def __init__(self, sock: socket.socket) -> None:
        self.port: int = sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"


@contextmanager
def refuse() -> Iterator[Refused]:
    """A closed port: every connect() is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    try:
        yield Refused(sock)
    finally:
        sock.close()


def silent() -> Peer:
    """Accepts, reads whatever comes, never answers."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        while not peer.stopping.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            peer.record(chunk)

    return Peer("silent", handle)


#: A valid-looking HTTP response whose body is far longer than any deadline lets a drip send.
DRIP_HTTP = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"
    b"Connection: close\r\n\r\n" + b'{"object": "list", "data": []}' + b" " * 99970
)


def drip(data: bytes = DRIP_HTTP, interval: float = DRIP_INTERVAL, wait_for: str = "http") -> Peer:
    """Sends `data` one byte every `interval` seconds, then stays open and silent.

    wait_for: "http" reads an HTTP request first, "any" waits for the first bytes (Redis),
    "none" speaks first (an SMTP greeting).
    """

    def handle(conn: socket.socket, peer: Peer) -> None:
        if wait_for == "http":
            peer.record(read_http_request(conn))
        elif wait_for == "any":
            peer.record(conn.recv(65536))
        for byte in data:
            conn.sendall(bytes([byte]))
            if peer.pause(interval):
                return
        peer.stopping.wait()

    return Peer("drip", handle)


def endless_body(kind: str = "chunked") -> Peer:
    """HTTP 200 whose body never ends: chunked forever ("chunked"), or a Content-Length of a
    terabyte streamed as fast as the client reads ("length")."""

    def handle(conn: socket.socket, peer: Peer) -> None:
        peer.record(read_http_request(conn))
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if kind == "chunked":
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
            frame = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
            conn.sendall(b'a\r\n{"data": [\r\n')
        else:
            conn.sendall(head + b"Content-Length: 1000000000000\r\n\r\n")
            frame = CHUNK
        while not peer.stopping.is_set():
            conn.sendall(frame)

    return Peer(f"endless-{kind}", handle)


def stripe_error(raw: str) -> dict[str, Any]:
    """Stripe's error body shape, with the echoed request as its message."""
    return {"error": {"type": "invalid_request_error", "message": raw}}


def medusa_error(raw: str) -> dict[str, Any]:
    """Medusa's error body shape, with the echoed request as its message."""
    return {"type": "unauthorized", "message": raw}


def echo(status: int = 401, wrap: Callable[[str], Any] = medusa_error) -> Peer:
    """Answers with the raw request (request line, headers with any Authorization, body) as
    the message of a JSON error: what a careless proxy or debug endpoint does."""

    def answer(raw: bytes, _peer: Peer) -> bytes:
        return http_response(status, json.dumps(wrap(raw.decode("latin-1"))).encode())

    return Peer("echo", http_handler(answer))


#: Valid JSON, wrong shape: a count that is not a number, lists that are objects.
WRONG_SHAPES: dict[str, Any] = {
    "count": {"regions": [], "count": "many", "offset": 0, "limit": 50},
    "regions-object": {"regions": {"id": "reg_1", "name": "Europe"}, "count": 1},
    "orders-object": {"orders": {"id": "order_1"}, "count": 1},
    "data-object": {"object": "list", "data": {"id": "we_1"}, "has_more": False},
    "list": [{"id": "we_1"}],
}


def wrong_shape(body: Any = None, status: int = 200) -> Peer:
    """Answers every request with `body` (default `{"count": "many", ...}`) as JSON."""
    payload = json.dumps(WRONG_SHAPES["count"] if body is None else body).encode()
    return Peer("wrong-shape", http_handler(lambda _raw, _peer: http_response(status, payload)))


_bomb: bytes | None = None


def bomb_bytes() -> bytes:
    """BOMB_SIZE bytes of JSON whitespace, gzip-compressed (about 64 KB); built once."""
    global _bomb
    if _bomb is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
        parts = [packer.compress(b"[" + b" " * (1024 * 1024 - 1))]
        parts += [packer.compress(b" " * (1024 * 1024)) for _ in range(BOMB_SIZE // 2**20 - 1)]
        _bomb = b"".join(parts) + packer.flush()
    return _bomb


def gzip_bomb() -> Peer:
    """HTTP 200, Content-Encoding: gzip, a small body that expands to BOMB_SIZE bytes."""
    body = bomb_bytes()
    response = http_response(200, body, extra={"Content-Encoding": "gzip"})
    return Peer("gzip-bomb", http_handler(lambda _raw, _peer: response))
