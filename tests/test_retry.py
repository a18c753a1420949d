"""The one retry policy (storectl/net/retry.py), through the CLI against peers that answer 429
with Retry-After: request counts, the server's wait honoured, and the deadline respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from storectl.net import retry
from testing.medusa_server import MedusaServer
from testing.stores import regions_store as make_regions_store
from testing.stores import webhooks_store as make_webhooks_store
from testing.stripe_server import StripeServer
from tests.conftest import run

RATE_LIMITED = {"error": {"type": "rate_limit_error", "message": "Too many requests"}}


def gaps(arrivals: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]


def test_stripe_429_waits_as_long_as_retry_after_says(
    store: Path, stripe_server: StripeServer
) -> None:
    make_webhooks_store(store, stripe_server)
    stripe_server.state.fault_headers.update({"Retry-After": "1"})
    stripe_server.state.faults.append(("/v1/webhook_endpoints", 429, RATE_LIMITED))
    result = run("webhooks", "list", "--format", "json", "--project", str(store))
    assert result.exit_code == 0, result.stderr
    assert stripe_server.state.count("GET", "/v1/webhook_endpoints") == 2
    # the backoff alone would have waited 0.125-0.25 s: the server's 1 s was honoured
    assert gaps(stripe_server.state.arrivals)[0] >= 0.95


def test_stripe_retry_after_beyond_the_deadline_ends_now(
    store: Path, stripe_server: StripeServer
) -> None:
    make_webhooks_store(store, stripe_server)
    stripe_server.state.fault_headers.update({"Retry-After": "60"})
    stripe_server.state.faults.extend([("/v1/webhook_endpoints", 429, RATE_LIMITED)] * 3)
    result = run("webhooks", "list", "--timeout", "3", "--project", str(store))
    assert result.exit_code == 1
    assert "429" in result.stderr or "rate" in result.stderr.lower()
    assert stripe_server.state.count("GET", "/v1/webhook_endpoints") == 1


def test_stripe_should_retry_false_is_obeyed(store: Path, stripe_server: StripeServer) -> None:
    make_webhooks_store(store, stripe_server)
    stripe_server.state.fault_headers.update({"Stripe-Should-Retry": "false"})
    body = {"error": {"type": "api_error", "message": "Something went wrong"}}
    stripe_server.state.faults.extend([("/v1/webhook_endpoints", 500, body)] * 3)
    result = run("webhooks", "list", "--project", str(store))
    assert result.exit_code == 1
    assert stripe_server.state.count("GET", "/v1/webhook_endpoints") == 1


def test_stripe_should_retry_true_retries_a_409(store: Path, stripe_server: StripeServer) -> None:
    make_webhooks_store(store, stripe_server)
    stripe_server.state.fault_headers.update({"Stripe-Should-Retry": "true"})
    body = {"error": {"type": "invalid_request_error", "message": "Conflict"}}
    stripe_server.state.faults.append(("/v1/webhook_endpoints", 409, body))
    result = run("webhooks", "list", "--project", str(store))
    assert result.exit_code == 0, result.stderr
    assert stripe_server.state.count("GET", "/v1/webhook_endpoints") == 2


def test_medusa_429_retries_reads_after_retry_after(
    store: Path, medusa_server: MedusaServer
) -> None:
    make_regions_store(store, medusa_server)
    assert run("regions", "list", "--project", str(store)).exit_code == 0
    baseline = len(medusa_server.state.requests)
    medusa_server.state.reset()
    medusa_server.state.fault_headers.update({"Retry-After": "1"})
    fault = ("GET", "/admin/regions", 429, '{"message":"Too many requests"}', "application/json")
    medusa_server.state.faults.extend([fault] * 2)
    result = run("regions", "list", "--format", "json", "--project", str(store))
    assert result.exit_code == 0, result.stderr
    assert len(medusa_server.state.requests) == baseline + 2  # two 429s, each tried again
    # the two waits before the retries: Retry-After's 1 s, not the 0.125-0.5 s backoff
    assert sorted(gaps(medusa_server.state.arrivals))[-2] >= 0.95


def test_medusa_writes_are_not_repeated(store: Path, medusa_server: MedusaServer) -> None:
    make_regions_store(store, medusa_server)
    medusa_server.state.fault_headers.update({"Retry-After": "0"})
    fault = ("POST", "/admin/regions/", 429, '{"message":"Too many requests"}', "application/json")
    medusa_server.state.faults.extend([fault] * 3)
    result = run("regions", "enable-stripe", "--all", "--yes", "--project", str(store))
    assert result.exit_code == 1
    posts = [r for r in medusa_server.state.requests if r[0] == "POST"]
    assert len(posts) == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_values(headers: dict[str, str] | None, expected: float | None) -> None:
    assert retry.retry_after(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    wait = retry.retry_after({"Retry-After": when})
    assert wait is not None and 25 <= wait <= 31


def test_backoff_is_jittered_within_its_bounds() -> None:
    for attempt in range(3):
        ceiling = retry.BASE_DELAY * 2**attempt
        assert all(ceiling / 2 <= retry.backoff(attempt) <= ceiling for _ in range(50))
