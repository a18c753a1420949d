"""storectl.net.limits against the hostile peers: each reader ends by its deadline (TIMEOUT) or
at its cap (PROTOCOL), with memory bounded (tracemalloc), and still works with a sane peer."""

from __future__ import annotations

import gzip
import json
import smtplib
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storectl.net import limits, sdk, sdk_redis, sdk_smtp, transport
from storectl.net.limits import LimitExceeded
from testing import hostile, hostile_api, hostile_tcp

BUDGET = 1.0
#: How late a reader may end after its deadline (one scheduling slice, on a busy machine).
SLACK = 1.0
MEMORY = 40 * 1024 * 1024  # 10 MB cap, plus the chunks and copies on the way


class Budget:
    """A deadline as storectl's is: remaining() floored, and an `expired` flag."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.05, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end


class Bare:
    """A deadline with remaining() only (the Protocol's minimum)."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()


def ends(
    stage: str, fn: Callable[[], Any], budget: float = BUDGET, match: str | None = None
) -> LimitExceeded:
    """fn() raises LimitExceeded(stage) within budget + SLACK seconds, memory bounded."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(LimitExceeded, match=match) as caught:
            fn()
        elapsed = time.monotonic() - start
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.stage == stage, caught.value.message
    assert elapsed <= budget + SLACK, f"took {elapsed:.1f} s"
    assert peak <= MEMORY, f"peak {peak / 2**20:.0f} MB"
    return caught.value


# --- pages ---------------------------------------------------------------------------------


def test_pages_reads_every_page() -> None:
    data = list(range(7))

    def fetch(offset: int | None) -> tuple[list[int], int | None]:
        start = offset or 0
        nxt = start + 3
        return data[start:nxt], nxt if nxt < len(data) else None

    assert limits.pages(fetch, what="regions") == data


def test_pages_caps_an_endless_listing() -> None:
    calls: list[int | None] = []

    def fetch(offset: int | None) -> tuple[list[int], int | None]:
        calls.append(offset)
        return [1], (offset or 0) + 1

    error = ends(
        "PROTOCOL",
        lambda: limits.pages(fetch, cap=5, what="Medusa /admin/regions"),
        match="MAX_PAGES",
    )
    assert "Medusa /admin/regions did not end after 5 pages" in error.message
    assert error.limit == "MAX_PAGES"
    assert len(calls) == 5


def test_pages_detects_a_repeated_cursor() -> None:
    def fetch(cursor: str | None) -> tuple[list[str], str | None]:
        return ["we_1"], "we_1"

    error = ends("PROTOCOL", lambda: limits.pages(fetch, what="Stripe webhook endpoints"))
    assert "loops" in error.message and "'we_1'" in error.message
    assert error.limit == "repeated cursor"


def test_pages_checks_the_deadline_between_pages() -> None:
    def fetch(cursor: int | None) -> tuple[list[int], int | None]:
        time.sleep(0.05)  # a page that takes time, as a real round trip does
        return [1], (cursor or 0) + 1

    ends("TIMEOUT", lambda: limits.pages(fetch, cap=10_000, deadline=Budget(0.3)), budget=0.3)


# --- httpx ---------------------------------------------------------------------------------


@pytest.fixture(params=[Budget, Bare], ids=["floored", "bare"])
def deadline_type(request: pytest.FixtureRequest) -> Any:
    return request.param


def get(url: str, deadline: Any, **kwargs: Any) -> bytes:
    with transport.bounded_client(deadline, timeout=30) as client:
        return client.get(f"{url}/admin/regions", **kwargs).content


def test_httpx_drip_ends_at_the_deadline(deadline_type: Any) -> None:
    with hostile.drip() as peer:
        error = ends("TIMEOUT", lambda: get(peer.url, deadline_type(BUDGET)))
    assert error.limit == "deadline"


def test_httpx_silent_ends_at_the_deadline() -> None:
    with hostile.silent() as peer:
        ends("TIMEOUT", lambda: get(peer.url, Budget(BUDGET)))


@pytest.mark.parametrize("kind", ["chunked", "length"])
def test_httpx_endless_body_is_capped(kind: str) -> None:
    with hostile.endless_body(kind) as peer:
        error = ends("PROTOCOL", lambda: get(peer.url, Budget(30)), budget=30, match="MAX_BODY")
    assert "10 MB" in error.message


def test_httpx_huge_content_length_fails_before_reading() -> None:
    with hostile.endless_body("length") as peer:
        with transport.bounded_client(Budget(30)) as client:
            start = time.monotonic()
            with pytest.raises(LimitExceeded, match="MAX_BODY"):
                client.get(peer.url)
            assert time.monotonic() - start < 1


def test_httpx_a_body_that_keeps_flowing_ends_at_the_deadline() -> None:
    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        peer.record(hostile.read_http_request(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        while not peer.pause(0.05):  # every read returns data: no read timeout fires
            conn.sendall(b" " * 1024)

    with hostile.Peer("trickle", handle) as peer:
        with transport.bounded_client(Budget(BUDGET), timeout=30) as client:
            ends("TIMEOUT", lambda: client.get(peer.url).content)


def test_httpx_gzip_bomb_is_refused_before_it_expands() -> None:
    with hostile.gzip_bomb() as peer:
        error = ends("PROTOCOL", lambda: get(peer.url, Budget(30)), budget=30)
    assert error.limit == "Content-Encoding"
    assert "Content-Encoding gzip, though storectl asked for identity" in error.message


def test_httpx_asks_for_identity_and_refuses_an_unasked_encoding() -> None:
    """The bytes counted are the bytes kept: identity is asked for, so a server that compresses
    anyway is refused (httpx would expand it unbounded), and an honest one answers plain."""
    body = json.dumps({"regions": [], "count": 0}).encode()
    packed = gzip.compress(body)

    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        raw = hostile.read_http_request(conn)
        peer.record(raw)
        identity = b"accept-encoding: identity" in raw.lower()
        extra = {} if identity else {"Content-Encoding": "gzip"}
        conn.sendall(hostile.http_response(200, body if identity else packed, extra=extra))

    with hostile.Peer("gzip", handle) as peer, transport.bounded_client(Budget(5)) as client:
        response = client.get(f"{peer.url}/admin/regions", headers={"Accept-Encoding": "gzip"})
        assert response.json() == {"regions": [], "count": 0}
    assert b"Accept-Encoding: identity" in peer.requests[0]
    assert b"gzip" not in peer.requests[0]


def test_httpx_network_errors_stay_httpx_errors() -> None:
    import httpx

    with hostile.refuse() as peer, transport.bounded_client(Budget(5)) as client:
        with pytest.raises(httpx.ConnectError):
            client.get(peer.url)


def test_httpx_wrong_shape_is_read_as_is() -> None:
    with hostile.wrong_shape() as peer, transport.bounded_client(Budget(5)) as client:
        assert client.get(peer.url).json()["count"] == "many"


def test_httpx_posts_a_body() -> None:
    with hostile.echo(401) as peer, transport.bounded_client(Budget(5)) as client:
        response = client.post(f"{peer.url}/auth", json={"email": "a@example.com"})
    assert response.status_code == 401
    assert response.json()["message"].endswith('{"email":"a@example.com"}')


# --- stripe-python -------------------------------------------------------------------------


def stripe_client(url: str, deadline: Any) -> Any:
    import stripe

    return stripe.StripeClient(
        "sk_test_51HOSTILEkey",
        base_addresses={"api": url},
        max_network_retries=0,
        http_client=sdk.stripe_http_client(deadline, timeout=30),
    )


def test_stripe_drip_ends_at_the_deadline() -> None:
    with hostile.drip() as peer:
        client = stripe_client(peer.url, Budget(BUDGET))
        ends("TIMEOUT", lambda: client.v1.webhook_endpoints.list())


def test_stripe_endless_body_is_capped() -> None:
    with hostile.endless_body() as peer:
        client = stripe_client(peer.url, Budget(30))
        ends("PROTOCOL", lambda: client.v1.webhook_endpoints.list(), budget=30)


def test_stripe_has_more_ends_at_the_page_cap() -> None:
    with hostile_api.stripe_has_more() as peer:
        client = stripe_client(peer.url, Budget(30))

        def fetch(after: str | None) -> tuple[list[Any], str | None]:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = client.v1.webhook_endpoints.list(params)
            return list(page.data), page.data[-1].id if page.has_more else None

        error = ends(
            "PROTOCOL",
            lambda: limits.pages(fetch, cap=20, what="Stripe webhook endpoints"),
            budget=30,
        )
    assert "Stripe webhook endpoints did not end after 20 pages" in error.message


def test_stripe_sane_answer_and_error_pass_through() -> None:
    import stripe

    with hostile_api.stripe_has_more() as peer:
        account = stripe_client(peer.url, Budget(5)).v1.accounts.retrieve_current()
    assert account.id == "acct_hostile"
    with hostile.echo(401, hostile.stripe_error) as peer:
        with pytest.raises(stripe.AuthenticationError):
            stripe_client(peer.url, Budget(5)).v1.accounts.retrieve_current()
    with hostile.refuse() as closed:
        with pytest.raises(stripe.APIConnectionError):
            stripe_client(closed.url, Budget(5)).v1.accounts.retrieve_current()


# --- botocore ------------------------------------------------------------------------------


def s3_client(url: str, deadline: Any) -> Any:
    import boto3
    from botocore.config import Config

    client = boto3.session.Session(
        aws_access_key_id="AKIAHOSTILE", aws_secret_access_key="hostile-secret"
    ).client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    sdk.install_botocore_limits(client, deadline, timeout=30)
    return client


def test_botocore_drip_ends_at_the_deadline() -> None:
    with hostile.drip() as peer:
        client = s3_client(peer.url, Budget(BUDGET))
        ends("TIMEOUT", lambda: client.list_objects_v2(Bucket="shop"))


def test_botocore_endless_body_is_capped() -> None:
    with hostile.endless_body() as peer:
        client = s3_client(peer.url, Budget(30))
        ends("PROTOCOL", lambda: client.list_objects_v2(Bucket="shop"), budget=30)


def test_botocore_gzip_bomb_is_capped() -> None:
    with hostile.gzip_bomb() as peer:
        client = s3_client(peer.url, Budget(30))
        ends("PROTOCOL", lambda: client.get_object(Bucket="shop", Key="k")["Body"].read(), 30)


def test_botocore_errors_stay_botocore_errors() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    with hostile.refuse() as closed:
        with pytest.raises(EndpointConnectionError):
            s3_client(closed.url, Budget(5)).head_bucket(Bucket="shop")

    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        peer.record(hostile.read_http_request(conn))
        body = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
        conn.sendall(hostile.http_response(403, body, content_type="application/xml"))

    with hostile.Peer("s3-denied", handle) as peer:
        with pytest.raises(ClientError) as caught:
            s3_client(peer.url, Budget(5)).list_objects_v2(Bucket="shop")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert b"Authorization: AWS4-HMAC-SHA256" in peer.requests[0]


# --- smtplib -------------------------------------------------------------------------------


def test_smtp_endless_reply_is_capped() -> None:
    with hostile_tcp.smtp_endless() as peer:
        error = ends(
            "PROTOCOL",
            lambda: sdk_smtp.bounded_smtp(Budget(30), "127.0.0.1", peer.port, timeout=30),
            budget=30,
        )
    assert error.limit == "MAX_REPLY_LINES"


@pytest.mark.parametrize("peer_factory", [hostile_tcp.drip_smtp, hostile.silent])
def test_smtp_drip_and_silence_end_at_the_deadline(
    peer_factory: Callable[[], hostile.Peer],
) -> None:
    with peer_factory() as peer:
        ends("TIMEOUT", lambda: sdk_smtp.bounded_smtp(Budget(BUDGET), "127.0.0.1", peer.port))


def test_smtp_long_line_is_capped() -> None:
    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        conn.sendall(b"220 " + b"x" * 100_000)
        peer.stopping.wait()

    with hostile.Peer("long-line", handle) as peer:
        error = ends("PROTOCOL", lambda: sdk_smtp.bounded_smtp(Budget(30), "127.0.0.1", peer.port))
    assert error.limit == "MAX_LINE"


def test_smtp_sane_session_still_works() -> None:
    with hostile_tcp.smtp_echo_auth() as peer:
        session = sdk_smtp.bounded_smtp(Budget(5), "127.0.0.1", peer.port)
        code, reply = session.ehlo("client.example.com")
        assert code == 250 and b"AUTH PLAIN LOGIN" in reply
        assert session.has_extn("auth")
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            session.login("shop", "s3cret")
        session.quit()
    assert caught.value.smtp_code == 535


# --- redis-py ------------------------------------------------------------------------------


@pytest.mark.parametrize("peer_factory", [hostile_tcp.drip_redis, hostile.silent])
def test_redis_drip_and_silence_end_at_the_deadline(
    peer_factory: Callable[[], hostile.Peer],
) -> None:
    with peer_factory() as peer:
        client = sdk_redis.bounded_redis(f"redis://127.0.0.1:{peer.port}", Budget(BUDGET))
        ends("TIMEOUT", lambda: client.ping())


def test_redis_endless_bulk_reply_is_capped() -> None:
    with hostile_tcp.redis_endless_bulk() as peer:
        client = sdk_redis.bounded_redis(f"redis://127.0.0.1:{peer.port}", Budget(30))
        error = ends("PROTOCOL", lambda: client.get("k"), budget=30)
    assert "Redis reply" in error.message


def test_redis_sane_reply() -> None:
    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        while not peer.stopping.is_set():
            data = conn.recv(65536)
            if not data:
                return
            peer.record(data)
            if b"HELLO" in data:  # redis-py 5+ speaks RESP3 first
                conn.sendall(b"%1\r\n$5\r\nproto\r\n:3\r\n")
            else:
                conn.sendall(b"+PONG\r\n")

    with hostile.Peer("redis-pong", handle) as peer:
        client = sdk_redis.bounded_redis(f"redis://127.0.0.1:{peer.port}", Budget(5))
        assert client.ping() is True
        assert client.ping() is True  # the reply count starts again per command


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    """Every peer stops its threads: a test that leaks one would hide a hung reader."""
    import threading

    before = set(threading.enumerate())
    yield
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not [t for t in leftover if t.name.startswith(("drip", "silent", "endless"))]
