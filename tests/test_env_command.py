"""`storectl env` through the CLI: the backend's and the storefront's view, sources, masking,
the surprising readings as findings; and the expansion caps through `storectl status`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run, write

BACKEND = (
    "REDIS_URL=redis://:pa#ss@cache.example.com:6379\n"
    "STRIPE_API_KEY=sk_test_abcdefghijklmnop1234\n"
    "S3_ACCESS_KEY_ID=AKIAEXAMPLE\n"
    "MY_TOKEN=tok-value-123\n"
    "PLAIN=${S3_ACCESS_KEY_ID}/x\n"
    "DATABASE_URL=postgres://u:dbpass99@db.example.com/x\n"
    "G='single $PLAIN'\n"
    "I: colon\n"
)


def test_backend_view_json(store: Path) -> None:
    write(store / "backend/.env", BACKEND)
    write(store / "storefront/.env.local", "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_123\n")
    result = run("env", "-p", str(store), "--ignore-environment", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["view"] == "backend" and data["files"] == ["backend/.env"]
    rows = {v["name"]: v for v in data["variables"]}
    # cut at "#", as Medusa reads it; what is left of the password stays masked
    assert rows["REDIS_URL"]["value"] == "redis://****"
    assert rows["STRIPE_API_KEY"] == {
        "name": "STRIPE_API_KEY",
        "value": "sk_test_…1234",
        "source": "backend/.env:2",
        "masked": True,
    }
    assert rows["S3_ACCESS_KEY_ID"]["value"] == "AKIAEXAMPLE"
    assert rows["MY_TOKEN"]["value"] == "****" and rows["MY_TOKEN"]["masked"]
    assert rows["PLAIN"]["value"] == "AKIAEXAMPLE/x"
    assert rows["DATABASE_URL"]["value"] == "postgres://u:****@db.example.com/x"
    assert rows["G"]["value"] == "single AKIAEXAMPLE/x"
    assert rows["I"] == {"name": "I", "value": "colon", "source": "backend/.env:8", "masked": False}
    assert "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY" not in rows  # the storefront's, not the backend's
    codes = {(f["code"], f["source"]) for f in data["findings"]}
    assert {
        ("env.hash-cut", "backend/.env:1"),
        ("env.single-quoted-dollar", "backend/.env:7"),
        ("env.colon", "backend/.env:8"),
    } <= codes
    for secret in ("abcdefghijklmnop", "tok-value-123", "dbpass99"):
        assert secret not in result.stdout + result.stderr


def test_table_and_process_environment(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=file\nSMTP_PORT=25\n")
    shell = {"SMTP_HOST": "real", "APP_PASSWORD": "hunter22"}
    result = run("env", "-p", str(store), env=shell)
    assert result.exit_code == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]}
    assert lines["SMTP_HOST"] == ["environment", "real"]
    assert lines["SMTP_PORT"] == ["backend/.env:2", "25"]
    assert "APP_PASSWORD" not in result.stdout  # the shell's own: --all lists it
    every = run("env", "-p", str(store), "--all", env=shell)
    lines = {line.split()[0]: line.split()[1:] for line in every.stdout.splitlines()[1:]}
    assert lines["APP_PASSWORD"] == ["environment", "****"]
    assert "hunter22" not in result.stdout + every.stdout
    ignored = run("env", "-p", str(store), "--ignore-environment", env={"SMTP_HOST": "real"})
    assert "backend/.env:1" in ignored.stdout and "APP_PASSWORD" not in ignored.stdout


def test_storefront_view_follows_next_order(store: Path) -> None:
    write(store / "storefront/.env", "A=env\nB=env\nC=env\n")
    write(store / "storefront/.env.production", "A=prod\nB=prod\n")
    write(store / "storefront/.env.local", "A=local\n")
    result = run(
        "env", "-p", str(store), "--storefront", "--environment", "production",
        "--ignore-environment", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == [
        "storefront/.env.local",
        "storefront/.env.production",
        "storefront/.env",
    ]
    rows = {v["name"]: (v["value"], v["source"]) for v in data["variables"]}
    assert rows["A"] == ("local", "storefront/.env.local:1")
    assert rows["B"] == ("prod", "storefront/.env.production:2")
    assert rows["C"] == ("env", "storefront/.env:3")


def test_cycle_keeps_raw_values_and_says_so(store: Path) -> None:
    write(store / "backend/.env", "A=$B\nB=$C\nC=$B\nD=${A}x\n")
    result = run("env", "-p", str(store), "-f", "json", env={"B": "", "C": ""})
    data = json.loads(result.stdout)
    rows = {v["name"]: v["value"] for v in data["variables"]}
    assert rows["D"] == "${A}x"
    cycle = [f for f in data["findings"] if f["code"] == "env.expansion-cycle"]
    assert cycle and "unexpanded" in cycle[0]["message"] and cycle[0]["severity"] == "error"


def test_doubling_file_stops_at_the_cap(store: Path) -> None:
    """Each level doubles the last: 40 levels would be 2**40 characters; the cap stops it."""
    lines = ["V0=xxxxxxxx"] + [f"V{i}=${{V{i - 1}}}${{V{i - 1}}}" for i in range(1, 41)]
    write(store / "backend/.env", "\n".join(lines) + "\n")
    result = run("status", "-p", str(store), "--ignore-environment", "-f", "json")
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    data = json.loads(result.stdout)
    codes = {f["code"] for f in data["findings"]}
    assert "env.expansion-too-long" in codes


def test_deep_chain_does_not_raise_recursion_error(store: Path) -> None:
    lines = ["V0=end"] + [f"V{i}=${{V{i - 1}}}" for i in range(1, 331)]
    # the process environment sets them empty, so dotenv-expand 11 follows the whole chain
    write(store / "backend/.env", "\n".join(reversed(lines)) + "\nDEEP=${V330}\n")
    result = run("env", "-p", str(store), "-f", "json", env={f"V{i}": "" for i in range(331)})
    assert result.exit_code == 0, result.stderr
    assert "RecursionError" not in result.stderr
    status = run("status", "-p", str(store), "--allow-empty", "-f", "json")
    assert "Traceback" not in status.stderr
    json.loads(status.stdout)
