"""Issue 10 F: one bad record, strange text, unexpected shapes, a symlink loop; and A's
"one deadline per command" for a command that talks to two silent peers."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from testing import hostile, measure
from testing.certs import Certs
from testing.medusa_server import MedusaServer, bulk_order
from testing.smtp_server import SmtpServers
from testing.stores import captured, smtp_env
from tests.conftest import run, write

KEY = "sk_hostile_admin_key_0000000001"


def backend(store: Path, url: str, *extra: str) -> None:
    lines = [f"MEDUSA_BACKEND_URL={url}", f"MEDUSA_ADMIN_API_KEY={KEY}", *extra]
    write(store / "backend/.env", "\n".join(lines) + "\n")


def regions(store: Path, *args: str) -> tuple[int, str, str]:
    result = run("regions", *args, "--project", str(store))
    return result.exit_code, result.stdout, result.stderr


def test_count_that_is_not_a_number_is_protocol(store: Path) -> None:
    with hostile.wrong_shape(hostile.WRONG_SHAPES["count"]) as peer:
        backend(store, peer.url)
        code, _out, err = regions(store, "list")
    assert code == 1, err
    assert "stage: PROTOCOL" in err and "`count` is 'many'" in err
    assert "internal error" not in err


def test_regions_as_an_object_is_protocol(store: Path) -> None:
    with hostile.wrong_shape(hostile.WRONG_SHAPES["regions-object"]) as peer:
        backend(store, peer.url)
        code, _out, err = regions(store, "list")
    assert code == 1, err
    assert "stage: PROTOCOL" in err and "`regions` is a dict" in err


def test_enable_never_writes_a_region_whose_providers_were_not_read(store: Path) -> None:
    body = {
        "regions": [{"id": "reg_1", "name": "Europe"}],  # no payment_providers
        "payment_providers": [{"id": "pp_stripe_stripe", "is_enabled": True}],
        "count": 1,
    }
    with hostile.wrong_shape(body) as peer:
        backend(store, peer.url, "STRIPE_API_KEY=sk_test_51HOSTILEshape000000001")
        code, _out, err = regions(store, "enable-stripe", "--all", "--yes")
        posts = [r for r in peer.requests if r.startswith(b"POST")]
    assert code == 1, err
    assert "stage: PROTOCOL" in err and "`payment_providers`" in err
    assert posts == []


def test_region_names_lose_their_control_characters(store: Path) -> None:
    body = {
        "regions": [
            {"id": "reg_1", "name": "Eu\x1b[31mrope\x07", "payment_providers": []},
        ],
        "count": 1,
    }
    with hostile.wrong_shape(body) as peer:
        backend(store, peer.url)
        code, out, err = regions(store, "list")
        json_code, json_out, _ = regions(store, "list", "--format", "json")
    assert code == 0 and json_code == 0, err
    assert "Eu[31mrope" in out
    assert "\x1b" not in out + json_out and "\x07" not in out + json_out


def test_symlink_loop_env_file_is_a_configuration_error(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    for command in (["status"], ["doctor"], ["regions", "list"], ["webhooks", "list"]):
        result = run(*command, "--env-file", str(tmp_path / "a"))
        assert result.exit_code == 2, (command, result.stderr)
        assert "symbolic link" in result.stderr and "internal error" not in result.stderr


def test_replay_isolates_an_order_with_a_line_break(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    orders = [bulk_order(i) for i in range(3)]
    orders[1]["email"] = "victim@example.com\r\nBcc: everyone@example.com"
    orders[2]["id"] = orders[2]["id"] + "\nX-Injected: 1"
    medusa_server.state.orders = {o["id"]: o for o in orders}
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, medusa_server)
    args = ["mail", "replay", "order.placed", "--since", "2026-01-01", "--to-customer", "--yes"]
    result = run(*args, "--format", "json", env=env)
    assert "internal error" not in result.stderr
    data = result.json()
    assert (data["sent"], data["failed"]) == (1, 2), data
    failed = [d for d in data["deliveries"] if d["status"] == "failed"]
    assert all("line break" in d["error"] and d["stage"] == "PROTOCOL" for d in failed)
    assert all("\n" not in d["order_id"] and "\r" not in (d["to"] or "") for d in failed)
    assert result.exit_code == 1
    assert len(captured(smtp_servers, before)) == 1


def test_replay_skips_an_order_with_two_addresses(
    smtp_servers: SmtpServers, certs: Certs, medusa_server: MedusaServer
) -> None:
    """Issue 20 G: `a, b` went to the first address only while `To:` showed both."""
    orders = [bulk_order(i) for i in range(4)]
    orders[1]["email"] = "a@x.invalid, b@y.invalid"
    orders[2]["email"] = "a@x.invalid; b@y.invalid"
    orders[3]["email"] = "a@x.invalid b@y.invalid"
    medusa_server.state.orders = {o["id"]: o for o in orders}
    before = len(smtp_servers.capture.messages)
    env = smtp_env(smtp_servers, certs, medusa_server)
    args = ["mail", "replay", "order.placed", "--since", "2026-01-01", "--to-customer"]
    planned = run(*args, "--dry-run", "--format", "json", env=env).json()
    assert (planned["failed"], len(planned["deliveries"])) == (3, 4)
    result = run(*args, "--yes", "--format", "json", env=env)
    data = result.json()
    assert (data["sent"], data["failed"]) == (1, 3), data
    failed = [d for d in data["deliveries"] if d["status"] == "failed"]
    assert all("more than one address" in d["error"] for d in failed)
    assert all(d["stage"] == "PROTOCOL" for d in failed)
    ((_, rcpts, _),) = captured(smtp_servers, before)
    assert rcpts == [orders[0]["email"]]
    assert result.exit_code == 1


def test_register_against_silent_stripe_and_medusa_spends_one_budget(tmp_path: Path) -> None:
    with hostile.silent() as stripe, hostile.silent() as medusa:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "STRIPE_API_KEY": "sk_test_51HOSTILEsilent00000000001",
            "STRIPE_API_BASE": stripe.url,
            "MEDUSA_BACKEND_URL": medusa.url,
            "MEDUSA_ADMIN_API_KEY": KEY,
        }
        args = ["webhooks", "register", "--yes", "--timeout", "2"]
        done = measure.run([*args, "--write-to", str(tmp_path / ".env")], env=env, cwd=tmp_path)
        assert medusa.accepted and stripe.accepted is not None
    assert done.exit_code == 1, done.stderr
    assert "stage: TIMEOUT" in done.stderr
    assert done.wall <= 3.0, done  # one --timeout (2 s) in all, plus start-up


def _smtp_with_escapes() -> hostile.Peer:
    """Greets with a terminal escape, a BEL, a pipe; refuses everything after that the same."""

    def handle(conn: socket.socket, peer: hostile.Peer) -> None:
        conn.sendall(b"220 evil\x1b]0;owned\x07 | host\r\n")
        while not peer.stopping.is_set():
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(b"554 no\x1b[2J | never\r\n")

    return hostile.Peer("smtp-escapes", handle)


def test_peer_control_characters_never_reach_any_format(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    with _smtp_with_escapes() as peer:
        env = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(peer.port),
            "SMTP_SECURE": "false",
            "SMTP_FROM": "shop@example.com",
            "GITHUB_STEP_SUMMARY": str(summary),
        }
        outputs = {
            fmt: run("doctor", "--only", "smtp", "--timeout", "3", "--format", fmt, env=env)
            for fmt in ("table", "json", "junit", "github")
        }  # run() parses the junit one
    for fmt, result in outputs.items():
        assert result.exit_code == 1, (fmt, result.stderr)
        text = result.stdout + result.stderr
        assert "\x1b" not in text and "\x07" not in text, fmt
    assert "evil]0;owned" in outputs["json"].stdout
    rows = [line for line in summary.read_text().splitlines() if line.startswith("| ")]
    cells = [re.split(r"(?<!\\)\|", line) for line in rows]
    assert len(rows) == 3 and all(len(c) == 7 for c in cells), rows  # 5 columns, no row broken


def test_each_format_escapes_what_reaches_it() -> None:
    """Renderers do not rely on the clients: a check whose text still holds control
    characters, pipes and newlines renders as valid JUnit XML and as one table row."""
    from storectl.model import Check, Stage, Status
    from storectl.output import github, junit
    from tests.conftest import assert_parses_as_xml

    check = Check(
        provider="smtp",
        check="tls",
        status=Status.FAIL,
        summary="line one\r\nline | two\x1b[31m\x07\x00",
        hint="fix | it\nnow",
        stage=Stage.PROTOCOL,
    )
    assert_parses_as_xml(junit.junit("storectl doctor", [check], False, 5))
    # one visible line (issue 20 B): controls escaped, the backslash escaped for markdown
    assert github.cell(check.summary) == r"line one\\r\\nline \| two\\x1b\[31m\\x07\\x00"
