"""Issue 11, points 4-7 (the rest): hint lines that fit, paths, plans shown before a prompt, and
shell completion; all through the CLI. Prompts run on a real pseudo-terminal."""

from __future__ import annotations

import email
import email.policy
import os
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from testing.certs import Certs
from testing.medusa_server import API_KEY, MedusaServer
from testing.smtp_server import PASSWORD, USER, SmtpServers
from testing.stripe_server import LIVE_KEY, StripeServer
from tests.conftest import REPO, run, write

# --- 4. hint lines wrap too ---------------------------------------------------------------------


def _hinted(text: str, lead: str) -> list[str]:
    """The hint line starting with `lead` and the lines that continue it."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(lead))
    block = [lines[first]]
    for line in lines[first + 1 :]:
        if not line.startswith(" " * len(lead)) or not line.strip():
            break
        block.append(line)
    return block


def _assert_hanging(wide: str, narrow: str, lead: str, columns: int) -> None:
    block = _hinted(narrow, lead)
    assert len(block) > 1, narrow  # it did wrap
    assert all(len(line) <= columns for line in block if " " in line.strip())
    assert all(line[len(lead)] != " " for line in block[1:])  # under the hint's first word
    (whole,) = _hinted(wide, lead)
    words = " ".join([block[0][len(lead) :], *(line.strip() for line in block[1:])]).split()
    assert words == whole[len(lead) :].split()  # same words, none broken


def test_status_hints_and_messages_wrap_with_a_hanging_indent(tmp_path: Path) -> None:
    write(tmp_path / "backend/.env", "STRIPE_API_KEY=sk_test_51CNRYwrapping0000000001\n")
    (tmp_path / "storefront").mkdir()
    args = ("status", "--project", str(tmp_path))
    wide = run(*args, env={"COLUMNS": "400"}).stdout
    narrow = run(*args, env={"COLUMNS": "48"}).stdout
    _assert_hanging(wide, narrow, "      → fix: ", 48)
    message = next(
        i for i, line in enumerate(narrow.splitlines()) if "STRIPE_WEBHOOK_SECRET is not" in line
    )
    assert len(narrow.splitlines()[message]) <= 48
    assert narrow.splitlines()[message + 1].startswith("      ")


def test_doctor_hints_wrap_with_a_hanging_indent(tmp_path: Path) -> None:
    write(tmp_path / "backend/.env", "REDIS_URL=redis://127.0.0.1:1\n")
    args = ("doctor", "--only", "redis", "--timeout", "2", "--project", str(tmp_path))
    wide = run(*args, env={"COLUMNS": "400"})
    narrow = run(*args, env={"COLUMNS": "44"})
    assert wide.exit_code == narrow.exit_code == 1
    _assert_hanging(wide.stdout, narrow.stdout, "    → fix: ", 44)


# --- 5. paths -----------------------------------------------------------------------------------


def test_preview_out_makes_missing_folders(tmp_path: Path) -> None:
    out = tmp_path / "previews" / "2026" / "placed"
    result = run("mail", "preview", "order.placed", "--sample", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert (out / "order-placed.html").read_text().startswith("<!")
    assert (out / "order-placed.txt").is_file()


def test_preview_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = run("mail", "preview", "order.placed", "--sample", "--out", str(tmp_path / "taken"))
    assert result.exit_code == 2 and "is a file" in result.stderr


def _parse(raw: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_eml_file_is_the_message_as_sent(
    tmp_path: Path, smtp_servers: SmtpServers, certs: Certs
) -> None:
    """--eml writes what `mail replay` hands the SMTP server: same builder, same bytes but the
    Date and Message-ID, which differ per message."""
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_servers.starttls),
        "SMTP_USER": USER,
        "SMTP_PASS": PASSWORD,
        "SMTP_FROM": "Acceptance Shop <orders@example.com>",
        "SSL_CERT_FILE": str(certs.ca),
    }
    target = tmp_path / "mails" / "new" / "placed.eml"
    result = run("mail", "preview", "order.placed", "--sample", "--eml", str(target), env=env)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stdout
    assert not list(tmp_path.glob("*.html"))  # --eml alone writes no parts
    raw = target.read_bytes()
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")  # RFC 5322: CRLF lines
    written = _parse(raw)
    assert written.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in written.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert written["From"] == "Acceptance Shop <orders@example.com>"
    assert written["To"] == "jane.doe@example.com"

    before = len(smtp_servers.capture.messages)
    sent = run("mail", "replay", "order.placed", "--sample", "--to-customer", env=env)
    assert sent.exit_code == 0, sent.stderr
    ((_sender, _rcpts, wire),) = smtp_servers.capture.messages[before:]
    received = _parse(wire if isinstance(wire, bytes) else str(wire).encode())
    for header in ("From", "To", "Subject", "X-Storectl-Replay", "Content-Type"):
        assert (
            str(written[header]).split("boundary")[0] == str(received[header]).split("boundary")[0]
        )
    for mine, theirs in zip(written.iter_parts(), received.iter_parts(), strict=True):
        mine_text, their_text = mine.get_content(), theirs.get_content()
        assert mine_text.replace("\r\n", "\n") == their_text.replace("\r\n", "\n")


def test_eml_to_stdout_keeps_stdout_for_the_message(tmp_path: Path) -> None:
    result = run("mail", "preview", "order.placed", "--sample", "--eml", "-")
    assert result.exit_code == 0, result.stderr
    msg = _parse(result.stdout.encode())
    assert msg["Subject"] == "Order #1042 confirmed"
    assert msg["X-Storectl-Replay"] == "order.placed order_01SAMPLE00000000000000000"
    assert "subject: Order #1042 confirmed" in result.stderr  # the summary moved to stderr
    assert "SMTP_FROM is not set" in result.stderr  # and says what stands in for it
    assert not list(tmp_path.iterdir())  # nothing written beside


def test_eml_to_stdout_with_json_is_a_usage_error() -> None:
    result = run("mail", "preview", "order.placed", "--sample", "--eml", "-", "-f", "json")
    assert result.exit_code == 2 and "--eml FILE" in result.stderr


def _storectl(
    args: Sequence[str], env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """storectl in a child process (webbrowser reads BROWSER and DISPLAY once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "storectl", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_open_starts_the_browser_on_the_html(tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {seen}\n')
    browser.chmod(0o755)
    args = ["mail", "preview", "order.placed", "--sample", "--out", "out", "--open"]
    result = _storectl(args, {"BROWSER": str(browser), "DISPLAY": ":0"}, tmp_path)
    assert result.returncode == 0, result.stderr
    html = tmp_path / "out" / "order-placed.html"
    assert seen.read_text() == html.resolve().as_uri()
    assert "opened out/order-placed.html in the browser" in result.stderr


def test_open_without_a_display_says_so(tmp_path: Path) -> None:
    if sys.platform == "darwin":
        pytest.skip("macOS always has its desktop")
    seen = tmp_path / "seen.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f"#!/bin/sh\ntouch {seen}\n")
    browser.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "storectl", "mail", "preview", "order.placed", "--sample", "--open"],
        env={**env, "BROWSER": str(browser)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no display (DISPLAY and WAYLAND_DISPLAY are unset)" in result.stderr
    assert "order-placed.html" in result.stderr and not seen.exists()
    assert (tmp_path / "order-placed.html").is_file()


# --- 6. confirmations show the plan (on a real terminal) ----------------------------------------


def _on_a_terminal(
    args: Sequence[str], env: Mapping[str, str], answer: str, cwd: Path
) -> tuple[int, str, str]:
    """Run storectl with stdin and stderr on a pseudo-terminal (so it really asks), answer the
    prompt once it appears, and return (exit code, what the terminal showed, stdout)."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "storectl", *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, **env},
        cwd=cwd,
    )
    os.close(slave)
    shown = b""
    answered = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], deadline - time.monotonic())
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal (it exited)
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"[y/N]" in shown:
                os.write(master, answer.encode() + b"\n")
                answered = True
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert answered, shown.decode(errors="replace")
    return code, shown.decode().replace("\r\n", "\n"), stdout


def _regions_store(store: Path, medusa: MedusaServer) -> None:
    write(
        store / "backend/.env",
        f"MEDUSA_BACKEND_URL={medusa.url}\nMEDUSA_ADMIN_API_KEY={API_KEY}\n"
        "STRIPE_API_KEY=sk_test_51CNRYregions0000000001\n",
    )


@pytest.mark.parametrize("answer", ["y", "n"])
def test_regions_prompt_shows_providers_before_and_after(
    store: Path, medusa_server: MedusaServer, answer: str
) -> None:
    _regions_store(store, medusa_server)
    europe = medusa_server.state.region("Europe")
    args = ["regions", "enable-stripe", "--region", "Europe", "--project", str(store)]
    code, shown, stdout = _on_a_terminal(args, {}, answer, store)
    plan = shown.index("will change:")
    assert plan < shown.index("[y/N]")
    assert (
        f"  Europe ({europe['id']}): pp_system_default → pp_system_default, pp_stripe_stripe"
        in shown
    )
    if answer == "y":
        assert code == 0 and "changed" in stdout
        assert "pp_stripe_stripe" in europe["payment_providers"]
    else:
        assert code == 1 and stdout == ""
        assert europe["payment_providers"] == ["pp_system_default"]


def test_disable_stripe_prompt_shows_the_plan(store: Path, medusa_server: MedusaServer) -> None:
    _regions_store(store, medusa_server)
    europe = medusa_server.state.region("Europe")
    europe["payment_providers"].append("pp_stripe_stripe")
    args = ["regions", "disable-stripe", "--region", "Europe", "--project", str(store)]
    code, shown, _stdout = _on_a_terminal(args, {}, "y", store)
    assert code == 0
    assert "Europe" in shown and "pp_system_default, pp_stripe_stripe → pp_system_default" in shown
    assert europe["payment_providers"] == ["pp_system_default"]


@pytest.mark.parametrize("answer", ["y", "n"])
def test_live_webhooks_prompt_lists_the_endpoint_changes(
    store: Path, stripe_server: StripeServer, answer: str
) -> None:
    url = "https://shop.example.com/hooks/payment/stripe_stripe"
    write(
        store / "backend/.env",
        f"STRIPE_API_KEY={LIVE_KEY}\nSTRIPE_API_BASE={stripe_server.url}\n"
        f"STRIPE_WEBHOOK_URL={url}\n",
    )
    code, shown, _stdout = _on_a_terminal(
        ["webhooks", "register", "--project", str(store)], {}, answer, store
    )
    assert shown.index("will change on Stripe:") < shown.index("[y/N]")
    assert f"  create a new endpoint {url}" in shown
    posts = stripe_server.state.count("POST")
    if answer == "y":
        assert code == 0 and posts >= 1
        assert (store / "backend/.env").read_text().count("STRIPE_WEBHOOK_SECRET=whsec_") == 1
    else:
        assert code == 1 and posts == 0
        assert "STRIPE_WEBHOOK_SECRET" not in (store / "backend/.env").read_text()


@pytest.mark.parametrize("answer", ["y", "n"])
def test_replay_to_customers_prompt_lists_the_recipients(
    tmp_path: Path, smtp_servers: SmtpServers, certs: Certs, answer: str
) -> None:
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_servers.starttls),
        "SMTP_USER": USER,
        "SMTP_PASS": PASSWORD,
        "SMTP_FROM": "Acceptance Shop <orders@example.com>",
        "SSL_CERT_FILE": str(certs.ca),
        "NODE_ENV": "production",
    }
    before = len(smtp_servers.capture.messages)
    args = ["mail", "replay", "order.placed", "--sample", "--to-customer"]
    code, shown, _stdout = _on_a_terminal(args, env, answer, tmp_path)
    assert shown.index("will send to:") < shown.index("[y/N]")
    assert "  #1042 order_01SAMPLE00000000000000000 → jane.doe@example.com" in shown
    assert "1 REAL customer(s)" in shown
    sent = smtp_servers.capture.messages[before:]
    if answer == "y":
        assert code == 0 and len(sent) == 1
    else:
        assert code == 1 and not sent


# --- 7. shell completion ------------------------------------------------------------------------


def _complete(words: str, shell: str = "bash") -> list[str]:
    """What the shell's completion function gets back for the command line `words` (the last
    word being completed), through the real entry point and typer's protocol."""
    parts = words.split(" ")
    env = {
        "_STORECTL_COMPLETE": f"complete_{shell}",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_WORD_TO_COMPLETE": parts[-1],
    }
    entry = Path(sys.executable).with_name("storectl")  # the console script a shell runs
    assert entry.is_file(), f"{entry}: install the checkout (pip install -e .) to test completion"
    result = subprocess.run(
        [str(entry)],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_help_offers_completion() -> None:
    out = run("--help").stdout
    assert "--install-completion" in out and "--show-completion" in out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_honours_its_argument(shell: str) -> None:
    result = run("--show-completion", shell, env={"SHELL": "/bin/bash"})
    assert result.exit_code == 0, result.stderr
    marker = {"bash": "COMPREPLY", "zsh": "compdef", "fish": "complete --command storectl"}
    assert marker[shell] in result.stdout
    others = {s: m for s, m in marker.items() if s != shell}
    assert not any(m in result.stdout for m in others.values())


def test_show_completion_without_an_argument_detects_the_shell() -> None:
    result = run("--show-completion", env={"SHELL": "/usr/bin/fish"})
    assert result.exit_code == 0, result.stderr
    assert "COMPREPLY" in result.stdout or "compdef" in result.stdout or "complete" in result.stdout


def test_show_completion_rejects_an_unknown_shell() -> None:
    result = run("--show-completion", "tcsh")
    assert result.exit_code == 2 and "tcsh" in result.stderr


def test_completion_offers_provider_names() -> None:
    assert _complete("storectl doctor --only st") == ["stripe", "storefront"]
    assert _complete("storectl doctor --skip stripe,re") == ["stripe,redis"]
    assert "redis" in _complete("storectl status --require ")


def test_completion_offers_event_names() -> None:
    assert _complete("storectl mail preview order.") == [
        "order.placed",
        "order.fulfillment_delivered",
        "order.canceled",
    ]
    assert _complete("storectl mail replay shi") == ["shipment.created"]


def test_completion_offers_formats() -> None:
    assert _complete("storectl doctor --format j") == ["json", "junit"]
    assert _complete("storectl status -f ") == ["table", "json"]


def test_install_completion_honours_its_argument(tmp_path: Path) -> None:
    result = run("--install-completion", "zsh", env={"HOME": str(tmp_path), "SHELL": "/bin/bash"})
    assert result.exit_code == 0, result.stderr
    assert "zsh completion installed in" in result.stdout
    assert "compinit" in (tmp_path / ".zshrc").read_text()
    assert not (tmp_path / ".bashrc").exists()
