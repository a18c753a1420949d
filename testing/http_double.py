"""The HTTP plumbing the Stripe and Medusa doubles share: one request handler base with quiet
logs, JSON (or text) answers, the verbs routed to one `_handle`, and the bookkeeping every
double does before it answers (the request and its arrival time recorded, an injected fault
taken off the queue), plus `serve`, which binds a handler class to its state on a loopback port.

Kept apart from the doubles so that what the two services answer is all their modules hold.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol, TypeVar

from testing.procs import http_server

__all__ = ["DoubleState", "JsonHandler", "serve"]

Fault = TypeVar("Fault")


class DoubleState(Protocol[Fault]):
    """What the shared bookkeeping needs of a double's state."""

    requests: list[Any]
    arrivals: list[float]
    faults: list[Fault]
    lock: threading.Lock


class JsonHandler(BaseHTTPRequestHandler):
    """A double's handler: subclasses write `_handle(method)` and answer with `_send`."""

    #: the Content-Type of a body given as a dict or list
    json_type = "application/json"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _headers(self) -> dict[str, str]:
        """Headers every answer carries (Stripe's Request-Id, say)."""
        return {}

    def _send(
        self,
        status: int,
        body: Any,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer `body`: a str as it is, anything else as JSON."""
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**(headers or {}), **self._headers()}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type or self.json_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _arrive(
        self, state: DoubleState[Fault], request: Any, matches: Callable[[Fault], bool]
    ) -> Fault | None:
        """Record `request` and when it came; take the first queued fault it `matches`."""
        with state.lock:
            state.requests.append(request)
            state.arrivals.append(time.monotonic())
            fault = next((f for f in state.faults if matches(f)), None)
            if fault is not None:
                state.faults.remove(fault)
        return fault

    def _handle(self, method: str) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], state: object) -> Iterator[str]:
    """Serve a subclass of `handler` bound to `state` on a loopback port; yields the base URL."""
    with http_server(type("Handler", (handler,), {"state": state})) as url:
        yield url
