"""The Medusa double held to the real backend: record what storectl sends, replay it to both.

`recording(upstream)` is a small reverse proxy in front of the double: storectl is pointed at it,
and every request it forwards is kept whole (method, target, headers, body) with the double's
answer. `replay` then sends each recorded request, in order, to a fresh double and to the real
backend, each with its own credentials and ids, and `compare` says where the answers differ:
status, content type, error `type` and message (ids replaced by their role), and every JSON key
the double returns, which must exist in the real answer with the same type.

Ids differ between the two and writes change state, so ids are followed, not listed: walking the
recorded answer beside each side's answer maps every id the double handed out to the one that
side handed out at the same place (a region in a list, an upload's id, a login's token), and later
requests are rewritten with those maps. An id no answer gave (an order id typed on the command
line) maps by its role, the prefix, to the real backend's seeded one.
"""

from __future__ import annotations

import re
import threading
from base64 import b64decode, b64encode
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

#: Medusa's ids: a prefix and a ULID (`reg_01M8…`), or a publishable/secret key.
ID = re.compile(r"\b([a-z]+(?:_[a-z]+)*)_(01[0-9A-HJKMNP-TV-Z]{24})\b")
#: Headers a replay recomputes or that only one side can carry.
_HOP = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


@dataclass
class Exchange:
    """One request storectl sent, and what the double answered then."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    status: int
    content_type: str
    answer: bytes

    @property
    def route(self) -> str:
        """The request with ids replaced by their role: how a difference is named."""
        path = ID.sub(lambda m: f"{{{m.group(1)}}}", urlsplit(self.target).path)
        query = sorted({k for k, _ in parse_qsl(urlsplit(self.target).query)})
        return f"{self.method} {path}" + (f" ?{'&'.join(query)}" if query else "")


@dataclass
class Recording:
    upstream: str
    url: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def recording(upstream: str) -> Iterator[Recording]:
    """A recording reverse proxy to `upstream` on a free loopback port."""
    record = Recording(upstream)
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            answer = client.request(self.command, self.path, headers=headers, content=body)
            content_type = answer.headers.get("content-type", "")
            with record.lock:
                record.exchanges.append(
                    Exchange(
                        self.command,
                        self.path,
                        headers,
                        body,
                        answer.status_code,
                        content_type,
                        answer.content,
                    )
                )
            self.send_response(answer.status_code)
            for name, value in answer.headers.multi_items():
                if name.lower() not in _HOP | {"content-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_DELETE = do_OPTIONS = do_HEAD = _forward  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        client.close()


@dataclass
class Side:
    """One backend a replay talks to, and how recorded values become its own."""

    name: str
    url: str
    #: recorded value -> this side's value (ids, tokens, keys, credentials)
    values: dict[str, str]
    #: id prefix -> this side's id, for ids no answer handed out
    by_role: dict[str, str] = field(default_factory=dict)

    def rewrite(self, text: str) -> str:
        for old, new in sorted(self.values.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(old, new)

        rewritten = set(self.values.values())

        def role(match: re.Match[str]) -> str:
            whole = match.group(0)
            if whole in rewritten:  # already this side's own id (replaced above)
                return whole
            return self.values.get(whole) or self.by_role.get(match.group(1), whole)

        return ID.sub(role, text)

    def headers(self, recorded: Mapping[str, str]) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in recorded.items():
            if name.lower() == "authorization" and value.startswith("Basic "):
                user = b64decode(value[6:]).decode(errors="replace")
                value = "Basic " + b64encode(self.rewrite(user).encode()).decode()
            elif name.lower() == "origin":
                pass  # the CORS origin is the same on both sides
            else:
                value = self.rewrite(value)
            headers[name] = value
        return headers

    def send(self, client: httpx.Client, exchange: Exchange) -> httpx.Response:
        body = self.rewrite(exchange.body.decode("latin-1")).encode("latin-1")
        return client.request(
            exchange.method,
            self.url + self.rewrite(exchange.target),
            headers=self.headers(exchange.headers),
            content=body,
        )

    def learn(self, recorded: Any, answered: Any, key: str = "") -> None:
        """Map each id or token of the recorded answer to the one at the same place in this
        side's (an id is a value under `id`/`*_id`/`token`, or has Medusa's id shape)."""
        if isinstance(recorded, dict) and isinstance(answered, dict):
            for name, value in recorded.items():
                if name in answered:
                    self.learn(value, answered[name], name)
        elif isinstance(recorded, list) and isinstance(answered, list):
            for old, new in zip(recorded, answered, strict=False):
                self.learn(old, new, key)
        elif isinstance(recorded, str) and isinstance(answered, str) and recorded != answered:
            named = key in ("id", "token") or key.endswith("_id")
            if recorded.startswith("pp_"):  # a payment provider's id is a name both sides share
                return
            if named or ID.fullmatch(recorded) or recorded.startswith(("pk_", "sk_")):
                self.values.setdefault(recorded, answered)


@dataclass
class Difference:
    route: str
    what: str

    def __str__(self) -> str:
        return f"{self.route}: {self.what}"


def _json(data: bytes) -> Any:
    try:
        import json

        return json.loads(data)
    except ValueError:
        return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape(double: Any, real: Any, where: str = "$") -> list[str]:
    """Where the double's JSON has a key the real answer lacks, or a value of another type.
    null on either side is a nullable field, not a difference; lists compare their first items."""
    if double is None or real is None:
        return []
    if _kind(double) != _kind(real):
        return [f"{where}: {_kind(double)} in the double, {_kind(real)} in the real answer"]
    found: list[str] = []
    if isinstance(double, dict):
        for key, value in double.items():
            if key not in real:
                found.append(f"{where}.{key}: only in the double")
            else:
                found += shape(value, real[key], f"{where}.{key}")
    elif isinstance(double, list) and double and real:
        found += shape(double[0], real[0], f"{where}[0]")
    return found


def _base_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _error(body: Any) -> tuple[Any, Any]:
    if not isinstance(body, dict):
        return None, None
    message = body.get("message")
    if isinstance(message, str):
        message = ID.sub(lambda m: f"<{m.group(1)}>", message)
    return body.get("type"), message


def compare(exchange: Exchange, double: httpx.Response, real: httpx.Response) -> list[Difference]:
    route = exchange.route
    found: list[str] = []
    if double.status_code != real.status_code:
        found.append(f"status {double.status_code} in the double, {real.status_code} real")
    left = _base_type(double.headers.get("content-type", ""))
    right = _base_type(real.headers.get("content-type", ""))
    if left != right:
        found.append(f"content type {left or '-'} in the double, {right or '-'} real")
    double_body, real_body = _json(double.content), _json(real.content)
    if double.status_code >= 400 and _error(double_body) != _error(real_body):
        found.append(f"error {_error(double_body)} in the double, {_error(real_body)} real")
    if double.status_code < 400 and double.status_code == real.status_code:
        found += shape(double_body, real_body)
    return [Difference(route, what) for what in found]


def replay(
    exchanges: list[Exchange], double: Side, real: Side, skip: tuple[str, ...] = ()
) -> list[Difference]:
    """Send every recorded exchange to both sides in order; the differences found."""
    found: list[Difference] = []
    seen: set[tuple[str, int]] = set()
    with httpx.Client(timeout=30) as client:
        for exchange in exchanges:
            if exchange.route.startswith(skip):
                continue
            left = double.send(client, exchange)
            right = real.send(client, exchange)
            recorded = _json(exchange.answer)
            double.learn(recorded, _json(left.content))
            real.learn(recorded, _json(right.content))
            for difference in compare(exchange, left, right):
                key = (str(difference), 0)
                if key not in seen:
                    seen.add(key)
                    found.append(difference)
    return found


def routes(exchanges: list[Exchange]) -> list[str]:
    """Each distinct request shape recorded, in first-seen order."""
    return list(dict.fromkeys(e.route for e in exchanges))


def query(target: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(target).query))


def with_query(path: str, params: Mapping[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path
