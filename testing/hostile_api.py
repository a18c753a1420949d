"""Hostile API peers: a Stripe and a Medusa admin API that paginate forever (the HTTP half's
`Peer` and helpers from `testing.hostile`), to prove the page caps and the deadline hold."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

from testing.hostile import Peer, http_handler, http_response, request_target


def _stripe_endpoint(n: int) -> dict[str, Any]:
    return {
        "id": f"we_hostile{n:08d}",
        "object": "webhook_endpoint",
        "url": f"https://shop{n}.example.com/hooks/payment/stripe_stripe",
        "enabled_events": ["payment_intent.succeeded"],
        "status": "enabled",
        "livemode": False,
        "created": 1700000000 + n,
        "metadata": {},
        "api_version": None,
        "application": None,
        "description": None,
    }


def stripe_has_more(page_size: int = 2) -> Peer:
    """A Stripe API whose every list answers `has_more: true` with ids never seen before;
    GET /v1/account answers a test account, so key checks pass."""
    counter = itertools.count()
    lock = threading.Lock()

    def answer(raw: bytes, _peer: Peer) -> bytes:
        _method, path, _query = request_target(raw)
        if path == "/v1/account":
            body: dict[str, Any] = {
                "id": "acct_hostile",
                "object": "account",
                "charges_enabled": True,
                "details_submitted": True,
                "settings": {"dashboard": {"display_name": "Hostile"}},
            }
        else:
            with lock:
                items = [_stripe_endpoint(next(counter)) for _ in range(page_size)]
            body = {"object": "list", "url": path, "has_more": True, "data": items}
        return http_response(200, json.dumps(body).encode(), extra={"Request-Id": "req_hostile"})

    return Peer("stripe-has-more", http_handler(answer))


def medusa_endless_count(page_size: int = 1) -> Peer:
    """A Medusa admin API whose lists claim a `count` of a billion and always have one more
    page (offset pagination): GET /admin/<things> answers {"<things>": [...], "count": ...}.
    Login and /health succeed; anything else answers {}."""
    counter = itertools.count()
    lock = threading.Lock()

    def answer(raw: bytes, _peer: Peer) -> bytes:
        method, path, query = request_target(raw)
        if path == "/health":
            return http_response(200, b"OK", content_type="text/plain")
        if path.startswith("/auth/"):
            return http_response(200, b'{"token": "hostile-token"}')
        key = path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
        if method == "GET" and path.startswith("/admin/"):
            offset = int(query.get("offset", ["0"])[0] or 0)
            limit = int(query.get("limit", ["50"])[0] or 50)
            with lock:
                items = [
                    {
                        "id": f"{key[:3]}_hostile{next(counter):08d}",
                        "name": "Loop",
                        "email": "a@example.com",
                    }
                    for _ in range(page_size)
                ]
            body: dict[str, Any] = {key: items, "count": 10**9, "offset": offset, "limit": limit}
            return http_response(200, json.dumps(body).encode())
        return http_response(200, b"{}")

    return Peer("medusa-endless-count", http_handler(answer))
