"""moto's S3 on a server that keeps connections alive, as AWS S3 and MinIO do.

moto's own server (werkzeug's development server) answers every request with
`Connection: close`, so a client's connection reuse cannot show against it. This serves the same
WSGI application on http.server with HTTP/1.1 keep-alive (every answer has a Content-Length).
Bench only: bench/peers.py starts it with `keep_alive=True`, bench/roundtrips.py counts the
connections the S3 probe opens.

Usage: python bench/keepalive_s3.py PORT
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any
from urllib.parse import unquote

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

APP = DomainDispatcherApplication(create_backend_app)
#: headers the server writes itself (the body is whole, so its length is known)
OWN = {"content-length", "connection", "transfer-encoding", "server", "date"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),  # type: ignore[index]
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        return environ

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], *_: Any
        ) -> Callable[..., Any]:
            started[:] = [status, headers]
            return lambda _data: None

        chunks = APP(self._environ(body), start_response)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        declared = None
        for name, value in headers:
            if name.lower() == "content-length":
                declared = value
            elif name.lower() not in OWN:
                self.send_header(name, value)
        head = self.command == "HEAD"
        self.send_header("Content-Length", declared if head and declared else str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Quiet: the benchmark reads its own tables, not a request log."""


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
