"""Shared fixtures: an isolated environment for every test, and a CLI runner."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from storectl.cli import app
from testing.certs import Certs, make_certs

pytest_plugins = [
    "testing.redis_server",
    "testing.smtp_server",
    "testing.s3_server",
    "testing.stripe_server",
    "testing.medusa_server",
    "testing.real_medusa",
]

#: Variables a test may inherit; everything else (STRIPE_API_KEY, NODE_ENV, ...) is removed.
_KEEP = {
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "SYSTEMROOT",
    "CI",
    "PYTHONPATH",
    "VIRTUAL_ENV",
}

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's real env vars or the folder it was started in."""
    for name in list(os.environ):
        if name not in _KEEP:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    # a wide terminal: phrases tests look for are not wrapped (tests of wrapping set COLUMNS)
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.chdir(tmp_path)
    yield


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Invoke storectl in-process through Typer's CliRunner, stdout and stderr apart."""
    result = CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
    if "junit" in args:  # the report: the --output file, else stdout
        target = Path(args[args.index("--output") + 1]) if "--output" in args else None
        if target is None:
            report = result.stdout
        else:
            report = target.read_text(encoding="utf-8") if target.is_file() else ""
        if report.strip():
            assert_parses_as_xml(report)
    return Result(result.exit_code, result.stdout, result.stderr)


def assert_parses_as_xml(text: str) -> None:
    """Every JUnit report the suite makes must parse (issue 10 F: peer text with control
    characters once made it invalid XML): run() checks each one it sees."""
    from xml.etree import ElementTree as ET

    try:
        ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise AssertionError(f"--format junit wrote XML that does not parse: {exc}") from None


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty store layout: backend/ and storefront/."""
    root = tmp_path / "store"
    (root / "backend").mkdir(parents=True)
    (root / "storefront").mkdir()
    return root


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))
