"""A sixth provider is one module plus its registry line: in a copy of the repository, a small
HTTP provider is added, and status, doctor (table and JSON), the layer map and the fault matrix
pick it up with no other edit (docs/ARCHITECTURE.md, "A sixth provider")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from testing.procs import http_server
from tests.conftest import REPO

PING_MODULE = '''"""Ping: a small HTTP service, active when PING_URL is set (an example)."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.env import Env
from storectl.model import Check, Finding, Severity, Stage, finding
from storectl.net.deadline import Deadline
from storectl.providers.base import Endpoint, EnvVar, ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps, network_stage
from storectl.providers.values import is_http_url

NAME = "ping"


def lint(env: Env) -> Iterator[Finding]:
    url = env.value("PING_URL")
    if url and not is_http_url(url):
        yield finding(NAME, "url", Severity.ERROR, "PING_URL is not an http(s) URL",
                      hint="set PING_URL=https://host", source=env.source("PING_URL"))


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    import urllib.request

    steps = Steps(NAME, env.value("PING_URL"))
    deadline = Deadline(options.timeout)
    try:
        url = env.value("PING_URL").rstrip("/") + "/ping"
        with urllib.request.urlopen(url, timeout=deadline.remaining()) as answer:
            body = answer.read(64)
    except Exception as exc:  # noqa: BLE001 - a network error is a result
        stage, reason = network_stage(exc) or (Stage.PROTOCOL, str(exc))
        steps.fail("ping", stage, reason, "check PING_URL and that the service runs")
        return steps.checks
    if body.strip() == b"pong":
        steps.ok("ping", "the service answered pong")
    else:
        steps.fail("ping", Stage.PROTOCOL, "no pong", "is PING_URL the ping service?")
    return steps.checks


PROVIDER = Provider(
    name=NAME,
    title="Ping service",
    activation="PING_URL",
    env_vars=(EnvVar("PING_URL", "base URL of the ping service", required=True),),
    modules=(),
    fallback="no ping service",
    lint=lint,
    probe=probe,
    endpoint=Endpoint("PING_URL"),
    checks=(ProbeCheck("ping", "the service answers GET /ping with pong"),),
)
'''


class Pong(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"pong" if self.path == "/ping" else b"?"
        self.send_response(200 if self.path == "/ping" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def copy_with_ping(target: Path) -> Path:
    """The repository copied, plus the ping module and its registry line: nothing else."""
    ignore = shutil.ignore_patterns("__pycache__", ".venv", ".git", ".hypothesis", "*.egg-info")
    for name in ("storectl", "testing", "tests", "templates", "examples", "docs"):
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    (target / "storectl/providers/ping.py").write_text(PING_MODULE)
    registry = target / "storectl/providers/registry.py"
    text = registry.read_text()
    text = text.replace(" medusa, redis,", " medusa, ping, redis,")
    text = text.replace("    medusa.PROVIDER,\n", "    medusa.PROVIDER,\n    ping.PROVIDER,\n")
    assert "ping.PROVIDER" in text and "medusa, ping, redis" in text
    registry.write_text(text)
    return target


def test_a_sixth_provider_is_one_module_and_one_line(tmp_path: Path) -> None:
    copy = copy_with_ping(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "S3_", "SMTP_"))}
    env.update(PYTHONPATH=str(copy), NO_COLOR="1")
    store = tmp_path / "store"
    (store / "backend").mkdir(parents=True)
    (store / "storefront").mkdir()

    def storectl(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "storectl", *args, "--project", str(store)]
        argv.append("--ignore-environment")
        return subprocess.run(argv, cwd=copy, env=env, capture_output=True, text=True)

    with http_server(Pong) as url:
        (store / "backend/.env").write_text(f"PING_URL={url}\n")
        status = storectl("status", "-f", "json")
        assert status.returncode == 0, status.stderr
        providers = {p["name"]: p for p in json.loads(status.stdout)["providers"]}
        assert providers["ping"]["active"] is True

        doctor = storectl("doctor", "-f", "json")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        checks = [c for c in json.loads(doctor.stdout)["checks"] if c["provider"] == "ping"]
        assert [(c["check"], c["status"]) for c in checks] == [("ping", "ok")]

        table = storectl("doctor", "--only", "ping", "-v")  # -v: the checks that passed too
        assert table.returncode == 0, table.stderr
        assert "Ping service" in table.stdout and "pong" in table.stdout

    down = storectl("doctor", "--only", "ping", "-f", "json")  # the peer is gone now
    assert down.returncode == 1
    assert json.loads(down.stdout)["checks"][0]["stage"] == "CONNECT"

    # The layer map and the fault matrix, run in the copy, include the new provider.
    def pytest(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        return subprocess.run(argv, cwd=copy, env=env, capture_output=True, text=True, timeout=300)

    tests = pytest("-k", "ping or layer", "tests/test_fault_matrix.py", "tests/test_layers.py")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    collected = pytest("--collect-only", "-k", "ping or smtp", "tests/test_fault_matrix.py")
    cells = collected.stdout.count("test_fault[doctor ping-")
    # a cell per fault column, as every other provider's row (whatever columns the matrix has)
    assert cells == collected.stdout.count("test_fault[doctor smtp-") > 0, collected.stdout[-2000:]
