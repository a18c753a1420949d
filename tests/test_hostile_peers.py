"""The hostile peers do what they claim: checked with raw sockets and http.client, with timeouts."""

from __future__ import annotations

import base64
import http.client
import json
import smtplib
import socket
import time
import zlib

import pytest

from testing import hostile, hostile_api, hostile_tcp


def http_get(
    port: int, path: str = "/", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    return conn.getresponse()


def test_refuse_refuses() -> None:
    with hostile.refuse() as peer, pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", peer.port), timeout=2)


def test_silent_accepts_and_never_answers() -> None:
    with hostile.silent() as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=0.5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            with pytest.raises(TimeoutError):
                sock.recv(1)
        assert peer.requests and peer.requests[0].startswith(b"GET / ")


def test_drip_sends_one_byte_per_interval() -> None:
    with hostile.drip(interval=0.2) as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=2) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            start = time.monotonic()
            got = b""
            while len(got) < 3:
                got += sock.recv(100)
            elapsed = time.monotonic() - start
    assert hostile.DRIP_HTTP.startswith(got)
    assert elapsed >= 0.35  # three bytes: two intervals at least


def test_drip_stops_with_the_peer() -> None:
    peer = hostile.drip(interval=10)
    with peer, socket.create_connection(("127.0.0.1", peer.port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(1) == b"H"
        start = time.monotonic()
        peer.stop()
        assert time.monotonic() - start < 3
        assert sock.recv(10) == b""  # shut down, not left hanging
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", peer.port), timeout=2)


@pytest.mark.parametrize("kind", ["chunked", "length"])
def test_endless_body_never_ends(kind: str) -> None:
    with hostile.endless_body(kind) as peer:
        response = http_get(peer.port)
        assert response.status == 200
        if kind == "length":
            assert response.getheader("Content-Length") == "1000000000000"
        else:
            assert response.getheader("Transfer-Encoding") == "chunked"
        read = 0
        while read < 20 * 1024 * 1024:
            chunk = response.read(1024 * 1024)
            assert chunk, "the endless body ended"
            read += len(chunk)
        response.close()


def test_echo_returns_the_raw_request_with_its_headers() -> None:
    basic = base64.b64encode(b"sk_admin_key:").decode()
    with hostile.echo(401) as peer:
        response = http_get(peer.port, "/admin/regions", {"Authorization": f"Basic {basic}"})
        body = json.loads(response.read())
    assert response.status == 401
    assert body["type"] == "unauthorized"
    assert f"Authorization: Basic {basic}" in body["message"]
    assert body["message"].startswith("GET /admin/regions HTTP/1.1")


def test_echo_in_stripe_shape() -> None:
    with hostile.echo(401, hostile.stripe_error) as peer:
        body = json.loads(http_get(peer.port, "/v1/account").read())
    assert body["error"]["message"].startswith("GET /v1/account")


@pytest.mark.parametrize("shape", sorted(hostile.WRONG_SHAPES))
def test_wrong_shape_is_valid_json_of_the_wrong_shape(shape: str) -> None:
    with hostile.wrong_shape(hostile.WRONG_SHAPES[shape]) as peer:
        response = http_get(peer.port, "/admin/regions")
        assert response.status == 200
        assert json.loads(response.read()) == hostile.WRONG_SHAPES[shape]


def test_wrong_shape_default_count_is_not_a_number() -> None:
    with hostile.wrong_shape() as peer:
        assert json.loads(http_get(peer.port).read())["count"] == "many"


def test_gzip_bomb_expands_past_ten_megabytes() -> None:
    with hostile.gzip_bomb() as peer:
        response = http_get(peer.port)
        assert response.getheader("Content-Encoding") == "gzip"
        raw = response.read()
    assert len(raw) < 1024 * 1024
    inflate = zlib.decompressobj(31)
    expanded = 0
    pending = raw
    while pending:  # bounded steps: the test does not hold 64 MB
        expanded += len(inflate.decompress(pending, 1 << 20))
        pending = inflate.unconsumed_tail
    assert expanded > 10 * 1024 * 1024


def test_smtp_endless_continuation_lines() -> None:
    with hostile_tcp.smtp_endless() as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=5) as sock:
            reader = sock.makefile("rb")
            lines = [reader.readline() for _ in range(5000)]
    assert all(line.startswith(b"220-") for line in lines)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_smtp_echo_auth_echoes_the_auth_data_in_535(mechanism: str) -> None:
    with hostile_tcp.smtp_echo_auth() as peer:
        session = smtplib.SMTP("127.0.0.1", peer.port, timeout=5)
        session.ehlo("client.example.com")
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            if mechanism == "PLAIN":
                session.auth("PLAIN", lambda challenge=None: "\0shop\0s3cret")
            else:
                session.user, session.password = "shop", "s3cret"
                session.auth("LOGIN", session.auth_login, initial_response_ok=False)
        session.close()
    assert caught.value.smtp_code == 535
    if mechanism == "PLAIN":
        assert base64.b64encode(b"\0shop\0s3cret") in caught.value.smtp_error
    else:
        assert base64.b64encode(b"s3cret") in caught.value.smtp_error


def test_stripe_has_more_always_has_more_with_fresh_ids() -> None:
    with hostile_api.stripe_has_more() as peer:
        first = json.loads(http_get(peer.port, "/v1/webhook_endpoints?limit=100").read())
        second = json.loads(http_get(peer.port, "/v1/webhook_endpoints?starting_after=x").read())
        account = json.loads(http_get(peer.port, "/v1/account").read())
    assert first["has_more"] and second["has_more"]
    ids = [e["id"] for e in first["data"] + second["data"]]
    assert len(ids) == len(set(ids)) == 4
    assert account["object"] == "account"


def test_medusa_count_never_ends() -> None:
    with hostile_api.medusa_endless_count() as peer:
        pages = [
            json.loads(http_get(peer.port, f"/admin/regions?offset={n}&limit=1").read())
            for n in range(3)
        ]
    assert all(p["count"] == 10**9 and len(p["regions"]) == 1 for p in pages)
    assert len({p["regions"][0]["id"] for p in pages}) == 3
    assert [p["offset"] for p in pages] == [0, 1, 2]


def test_redis_drip() -> None:
    with hostile_tcp.drip_redis(interval=0.1) as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=2) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            got = b""
            while len(got) < 3:
                got += sock.recv(100)
    assert got == b"$10"


def test_redis_endless_bulk() -> None:
    with hostile_tcp.redis_endless_bulk() as peer:
        with socket.create_connection(("127.0.0.1", peer.port), timeout=5) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reader = sock.makefile("rb")
            assert reader.readline() == b"$10000000000\r\n"
            assert len(reader.read(20 * 1024 * 1024)) == 20 * 1024 * 1024


def test_peers_bind_loopback_only() -> None:
    with hostile.silent() as peer:
        assert peer._listener is not None
        assert peer._listener.getsockname()[0] == "127.0.0.1"
