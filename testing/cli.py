"""storectl through Typer's CliRunner, as every test runs it: exit code, stdout and stderr apart,
and every JUnit report checked to parse. Shared by tests/ and its helpers in testing/."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from storectl.cli import app


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
