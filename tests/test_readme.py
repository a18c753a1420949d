"""Every `storectl` line in README.md's and docs/*.md's sh blocks runs against local peers:
the docs cannot rot."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from testing.docs import assert_current
from tests.conftest import REPO, run

#: README.md and the reference pages it links (docs/*.md): every `storectl` line in their sh
#: blocks runs against the local peers.
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def readme_commands() -> list[str]:
    text = "\n".join(page.read_text() for page in PAGES)
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("storectl "):
                commands.append(line)
    return commands


def test_the_readme_has_examples_for_every_command_group() -> None:
    groups = {shlex.split(c)[1] for c in readme_commands()}
    assert {"status", "doctor", "webhooks", "regions", "mail"} <= groups


@pytest.mark.parametrize("command", readme_commands())
def test_readme_example(demo_store: Path, command: str) -> None:
    argv = shlex.split(command)[1:]
    argv = [a.replace("/tmp", str(demo_store)) if a == "/tmp" else a for a in argv]
    # Lines without --project or --env-file run from the store's root, as a deploy script would.
    beside = "--project" in argv or "--env-file" in argv or "--fleet" in argv
    os.chdir(demo_store.parent if beside else demo_store)
    result = run(*argv, env={"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]})
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.exit_code == 0, f"{command}\n{result.stdout}\n{result.stderr}"


# --- the tour's samples ---------------------------------------------------------------------

#: The commands README.md's tour shows, with the demo store's output.
TOUR = ("status", "doctor")


def _normalised(text: str, store: Path) -> str:
    """What varies between runs made fixed: the peers' ports (every port the store's env file
    names, by order of appearance there, even where a line wraps inside a URL), the run's time,
    the temporary folder."""
    env = (store / "backend/.env").read_text()
    found = re.findall(r"(?::|_PORT=)(\d{4,5})\b", env)
    ports = {port: str(9000 + i) for i, port in enumerate(dict.fromkeys(found))}
    text = text.replace(str(store.parent), "~")
    for port, fake in ports.items():
        text = re.sub(rf"\b{port}\b", fake, text)
    return re.sub(r"\bin \d+(\.\d+)? s\b", "in 0.4 s", text)


def test_the_tours_samples_are_what_storectl_prints(demo_store: Path) -> None:
    readme = (REPO / "README.md").read_text()
    os.chdir(demo_store)
    env = {"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"], "COLUMNS": "80"}
    for name in TOUR:
        result = run(name, env=env)
        assert result.exit_code == 0, result.stdout + result.stderr
        sample = _normalised(result.stdout, demo_store).rstrip() + "\n"
        block = f"<!-- tour:{name} -->\n```text\n{sample}```\n<!-- /tour:{name} -->"
        pattern = rf"<!-- tour:{name} -->.*?<!-- /tour:{name} -->"
        readme = re.sub(pattern, lambda _m, b=block: b, readme, count=1, flags=re.S)  # type: ignore[misc]
    assert_current(REPO / "README.md", readme)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings (outside code blocks)."""
    found, fence = set(), False
    for line in page.read_text().splitlines():
        fence = fence != line.startswith("```")
        if not fence and re.match(r"^#{1,6} ", line):
            title = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            found.add(title.replace(" ", "-"))
    return found


def test_every_link_between_the_pages_leads_somewhere() -> None:
    """README's table of contents and the reference pages link each other: every relative link
    names a file that exists and, with `#`, a heading of it."""
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists() or (anchor and anchor not in _anchors(file)):
                broken.append(f"{page.name}: {target}")
    assert broken == []
