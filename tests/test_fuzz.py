"""Property-based tests: whatever an env file or a URL holds, storectl answers with 0, 1 or 2,
never a traceback, and names the file (and line) at fault."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from testing.hostile_text import PAYLOAD, PAYLOADS, forged
from tests.conftest import run

FUZZ = settings(
    max_examples=int(os.environ.get("STORECTL_FUZZ_EXAMPLES", "350")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KEYS = st.sampled_from(
    [
        "STRIPE_API_KEY",
        "NEXT_PUBLIC_STRIPE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "S3_BUCKET",
        "S3_ENDPOINT",
        "S3_FILE_URL",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_SECURE",
        "SMTP_FROM",
        "REDIS_URL",
        "CACHE_REDIS_URL",
        "MEDUSA_BACKEND_URL",
        "A",
        "B",
        "NEXT_PUBLIC_X",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "${A}",
            "${B}",
            "x${A}y",
            "$A",
            "\\$A",
            "${A:-default}",
            "'single ${A}'",
            '"double ${B}"',
            '"unterminated',
            "sk_live_abc",
            "pk_test_x",
            "redis://:pw@host:6379",
            "redis://host:notaport",
            "http://",
            "=",
            "a=b=c",
            "#comment",
            "",
            # text that tries to forge output (issue 20 B), raw and double-quoted
            *PAYLOADS,
            *(f'"{p}"' for p in PAYLOADS),
        ]
    ),
)


@st.composite
def env_lines(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append(draw(st.text(max_size=60)))  # anything at all
        elif kind == 1:
            lines.append("# " + draw(st.text(max_size=20)))
        else:
            prefix = draw(st.sampled_from(["", "export ", "  ", "export  "]))
            sep = draw(st.sampled_from(["=", " = ", "="]))
            lines.append(f"{prefix}{draw(KEYS)}{sep}{draw(VALUES)}")
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + newline.join(lines) + draw(st.sampled_from(["", newline]))


def _check(result_exit: int, stdout: str, stderr: str, path: Path) -> None:
    assert result_exit in (0, 1, 2), (result_exit, stderr)
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    if result_exit in (0, 1):
        data = json.loads(stdout)
        for finding in data["findings"]:
            if finding["code"] in (
                "env.malformed-line",
                "env.duplicate-key",
                "env.expansion-cycle",
            ):
                assert finding["source"].startswith(f"{path.name}:")
    else:
        assert stderr.startswith("Error: ") and str(path) in stderr


@FUZZ
@given(text=env_lines())
def test_status_on_generated_env_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.env"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run("status", "--env-file", str(path), "--format", "json", "--ignore-environment")
    _check(result.exit_code, result.stdout, result.stderr, path)


@FUZZ
@given(data=st.binary(max_size=300))
def test_status_on_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.env"
    path.write_bytes(data)
    result = run("status", "--env-file", str(path), "--format", "json", "--ignore-environment")
    _check(result.exit_code, result.stdout, result.stderr, path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=env_lines(), fmt=st.sampled_from(["table", "json", "env"]))
def test_generated_env_files_print_inert(tmp_path: Path, text: str, fmt: str) -> None:
    """Whatever an env file holds, `status` (table, JSON) and `env` print nothing a terminal or
    the Actions runner acts on: no control character, no `##[`, no `::command` line."""
    path = tmp_path / "fuzz.env"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    args = ["status", "--format", fmt] if fmt != "env" else ["env"]
    result = run(*args, "--env-file", str(path), "--ignore-environment")
    assert result.exit_code in (0, 1, 2), result.stderr
    assert forged(result.stdout) == [] and forged(result.stderr) == [], (text, result)


@settings(max_examples=100, deadline=None)
@given(
    flags=st.lists(
        st.sampled_from(
            [
                "--strict",
                "--format",
                "json",
                "table",
                "xml",
                "--environment",
                "production",
                "",
                "--ignore-environment",
                "--project",
                "-e",
                "--bogus",
                "-f",
            ]
        ),
        max_size=6,
    )
)
def test_status_on_generated_flags(flags: list[str]) -> None:
    result = run("status", *flags)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def closed_port() -> int:
    from testing.tcp import tcp_peer

    with tcp_peer("close") as port:
        pass
    return port


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scheme=st.sampled_from(["redis", "rediss", "unix", "http", "", "redis+sentinel"]),
    user=st.text(max_size=8),
    password=st.text(max_size=12),
    port=st.one_of(st.none(), st.text(max_size=6)),
    path=st.text(max_size=8),
)
# The password's text is also the database path: what is shown is the path, not the password.
@example(scheme="redis", user="", password="0000", port="@", path="0000")
def test_doctor_redis_on_generated_urls(
    tmp_path: Path,
    closed_port: int,
    scheme: str,
    user: str,
    password: str,
    port: str | None,
    path: str,
) -> None:
    """Whatever REDIS_URL holds, the host is loopback and the peer is down: a classified result."""
    port_part = str(closed_port) if port is None else port
    url = f"{scheme}://{user}:{password}@127.0.0.1:{port_part}/{path}"
    env_file = tmp_path / "redis.env"
    # In a file, not the process environment: environment values cannot hold a NUL.
    env_file.write_text(f"REDIS_URL={url}\n", encoding="utf-8", errors="surrogatepass")
    result = run(
        "doctor",
        "--only",
        "redis",
        "--format",
        "json",
        "--timeout",
        "0.5",
        "--env-file",
        str(env_file),
        "--ignore-environment",
    )
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.exit_code != 2:
        data = json.loads(result.stdout)  # still valid JSON, whatever the password spells
        assert all(c["status"] != "error" for c in data["checks"]), data["checks"]
        secret = password.strip()
        # What is shown: the scheme, the user, and everything after the LAST '@' (host, port,
        # path). When the generated password's text is also one of those, it is shown there.
        shown = (f"{scheme}://{user}", url.rpartition("@")[2])
        if len(secret) >= 4 and "\n" not in url and "\r" not in url:
            if not any(secret in part for part in shown):
                assert all(secret not in text for text in _strings(data))


def _strings(value: object) -> list[str]:
    """Every string inside a JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_a_one_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "big.env"
    path.write_text("SMTP_HOST=" + "x" * 1_000_000 + "\nREDIS_URL=redis://localhost\n")
    result = run("status", "--env-file", str(path), "--format", "json")
    assert result.exit_code in (0, 1)
    assert json.loads(result.stdout)["summary"]["active"] >= 1


# --- malformed URLs and peers that echo credentials ------------------------------------------

# Passwords that start with a marker, then hold the characters that break URL parsing.
_URL_PASSWORD = st.text(alphabet="abcXYZ019/#?@:%+.-_~", min_size=0, max_size=10).map(
    lambda tail: "CNRY" + tail
)
_MALFORMED_SHAPES = st.sampled_from(
    [
        ":{pw}@{host}",  # no scheme
        "redis:/:{pw}@{host}",  # one slash
        "redis::{pw}@{host}",  # no slashes
        "rediss:/u:{pw}@{host}",
        "redis://:{pw}@{host}",  # '/', '#', '?' in the password make these unparseable
        "redis://user:{pw}@{host}",
        "{pw}@{host}",  # not even a colon: not a URL; the password must still not be a target
    ]
)
_HOSTS = st.sampled_from(
    ["127.0.0.1:{port}", "127.0.0.1:٦٣٧٩", "127.0.0.1:²", "redis.invalid:6379", "127.0.0.1"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shape=_MALFORMED_SHAPES, host=_HOSTS, password=_URL_PASSWORD)
def test_malformed_urls_never_print_any_part_of_the_password(
    tmp_path: Path, closed_port: int, shape: str, host: str, password: str
) -> None:
    """status and doctor on a malformed REDIS_URL: exit 1, and the marker that starts the
    password (the part redis-py would quote) is never printed."""
    url = shape.format(pw=password, host=host.format(port=closed_port))
    if url.startswith(password):  # `pw@host`: no URL at all, so no password to find
        return
    env_file = tmp_path / "redis.env"
    env_file.write_text(f"REDIS_URL={url}\n")
    common = ["--env-file", str(env_file), "--ignore-environment", "--format", "json"]
    for args in (["status"], ["doctor", "--only", "redis", "--timeout", "0.5"]):
        result = run(*args, *common)
        assert result.exit_code in (0, 1), (url, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert "CNRY" not in result.stdout + result.stderr, (url, result.stdout)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    password=st.text(
        alphabet=st.characters(
            # smtplib sends AUTH data as ASCII only (a non-ASCII password is a classified
            # CONFIG failure, see test_doctor_smtp): printable ASCII, every one of them
            min_codepoint=0x21,
            max_codepoint=0x7E,
        ),
        min_size=8,
        max_size=24,
    )
)
@example(password=":000@000")  # found by hypothesis (issue 22 round): AUTH LOGIN's user part
def test_an_smtp_server_echoing_auth_data_never_shows_the_password(
    tmp_path: Path, smtp_servers: object, password: str
) -> None:
    """A 535 that quotes AUTH PLAIN / LOGIN data in base64 (at every alignment): no run of
    the output decodes to the password's inside, whatever the password holds."""
    from base64 import b64decode

    from testing import smtp_server as smtp_peer

    servers = smtp_servers
    assert isinstance(servers, smtp_peer.SmtpServers)
    env_file = tmp_path / "smtp.env"
    env_file.write_text(
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={servers.plain}\nSMTP_USER={smtp_peer.USER}\n"
        "SMTP_FROM=orders@example.com\n"
    )
    servers.capture.echo_auth = True
    try:
        result = run(
            "doctor",
            "--only",
            "smtp",
            "--format",
            "json",
            "--env-file",
            str(env_file),
            env={"SMTP_PASS": password},
        )
    finally:
        servers.capture.echo_auth = False
    assert result.exit_code == 1, result.stderr
    assert "bad auth" in result.stdout
    core = password.strip().encode()[1:-1]
    import re

    for token in re.findall(r"[A-Za-z0-9+/]{6,}", result.stdout + result.stderr):
        for offset in range(4):
            chunk = token[offset:][: len(token[offset:]) // 4 * 4]
            assert core not in b64decode(chunk), (password, token)


# --- control characters in peer text (issue 10 F) ---------------------------------------------

#: Peer text: printable words with C0/C1 control characters (ESC, BEL, CR, NUL, DEL, CSI) mixed in.
_PEER_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("abcXYZ 019|-_:#[<>"),  # `::`, `##[`, tags: issue 20 B
        st.characters(min_codepoint=0x00, max_codepoint=0x1F),
        st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
    ),
    min_size=1,
    max_size=24,
)


def _control_characters(text: str) -> list[str]:
    """The control characters in CLI output, besides the line breaks and tabs of its layout."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_PEER_TEXT)
@example(name="Eu\x1b[31mrope\x07\r\n")
@example(name=PAYLOAD)
def test_a_region_name_never_brings_its_control_characters(tmp_path: Path, name: str) -> None:
    """`regions list` over a backend whose region name holds any control character: none of
    them reaches the table or the JSON (which still parses), whatever the name."""
    from testing import hostile

    body = {
        "regions": [{"id": "reg_1", "name": name, "currency_code": "eur", "countries": []}],
        "payment_providers": [],
        "count": 1,
    }
    env_file = tmp_path / ".env"
    env_file.write_text("MEDUSA_ADMIN_API_KEY=sk_fuzz_admin_key_000000000001\n")
    with hostile.wrong_shape(body) as peer:
        env = {"MEDUSA_BACKEND_URL": peer.url}
        args = ("regions", "list", "--timeout", "5", "--env-file", str(env_file))
        table = run(*args, env=env)
        as_json = run(*args, "--format", "json", env=env)
    for result in (table, as_json):
        assert result.exit_code in (0, 1), result.stderr
        assert _control_characters(result.stdout + result.stderr) == [], (name, result)
        assert forged(result.stdout + result.stderr) == [], (name, result)
    if as_json.exit_code == 0:
        json.loads(as_json.stdout)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(greeting=_PEER_TEXT, refusal=_PEER_TEXT)
@example(greeting="evil\x1b]0;owned\x07", refusal="no\x1b[2J\x00")
def test_an_smtp_reply_never_brings_its_control_characters(
    tmp_path: Path, greeting: str, refusal: str
) -> None:
    """`doctor --only smtp` against a server whose greeting and refusals hold any control
    character (not CR/LF, which end an SMTP line): no format prints one, JUnit parses."""
    import socket

    from testing import hostile

    def line(code: str, text: str) -> bytes:
        return f"{code} {text}".replace("\r", "").replace("\n", "").encode("latin-1") + b"\r\n"

    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        conn.sendall(line("220", greeting))
        while not peer.stopping.is_set():
            if not conn.recv(4096):
                return
            conn.sendall(line("554", refusal))

    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_SECURE": "false",
        "SMTP_FROM": "shop@example.com",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    with hostile.Peer("smtp-control", handle) as peer:
        env["SMTP_PORT"] = str(peer.port)
        for fmt in ("table", "json", "junit", "github"):  # run() parses the JUnit report
            result = run("doctor", "--only", "smtp", "--timeout", "3", "--format", fmt, env=env)
            assert result.exit_code == 1, (fmt, result.stderr)
            out = result.stdout + result.stderr
            assert _control_characters(out) == [], (fmt, greeting, refusal, out)
            assert forged(out) == [], (fmt, greeting, refusal, out)
    assert _control_characters((tmp_path / "summary.md").read_text()) == []
