"""No storectl command runs anything a store folder configures (issue 20 A): the
`env.git-tracked-secrets` lint reads the git index itself, so core.fsmonitor, hooks, includeIf'd
aliases and pagers, filter and diff drivers planted in a store's .git/config never run, and the
lint still answers (a tracked secret file is reported, an untracked one is not)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run, write

LIVE = "STRIPE_API_KEY=sk_live_abcdefghijklmnopqrstu\n"
UNTRACKED = "REVALIDATE_SECRET=untracked-secret-value-1234\n"
HOOKS = (
    "pre-commit",
    "post-checkout",
    "post-index-change",
    "fsmonitor-watchman",
    "reference-transaction",
    "pre-auto-gc",
    "post-rewrite",
)


def git(cwd: Path, *args: str) -> None:
    """git in the TEST only, with no user or system config (the planted one comes later)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def script(path: Path, marker: Path) -> str:
    """An executable that leaves `marker` behind if anything ever runs it."""
    write(path, f"#!/bin/sh\ntouch '{marker}'\nexit 1\n", mode=0o700)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def plant(store: Path, marks: Path) -> None:
    """Every class of configurable executable, each leaving its own marker."""
    tools = marks.parent / "tools"
    run_it = {name: script(tools / name, marks / name) for name in (
        "fsmonitor", "alias", "pager", "include-pager", "clean", "smudge", "process",
        "textconv", "diffcmd", "ssh", "editor", "askpass", "credential", "gpg", "hook",
    )}  # fmt: skip
    hooks = store / ".git" / "hooks"
    for name in HOOKS:
        script(hooks / name, marks / f"hook-{name}")
    included = write(
        marks.parent / "included.config",
        f"[alias]\n\tls-files = !{run_it['alias']}\n\tstatus = !{run_it['alias']}\n"
        f"[core]\n\tpager = {run_it['include-pager']}\n[pager]\n\tls-files = {run_it['pager']}\n",
    )
    config = store / ".git" / "config"
    with config.open("a", encoding="utf-8") as handle:
        handle.write(
            f"[core]\n\tfsmonitor = {run_it['fsmonitor']}\n\tpager = {run_it['pager']}\n"
            f"\tsshCommand = {run_it['ssh']}\n\teditor = {run_it['editor']}\n"
            f"\taskPass = {run_it['askpass']}\n\thooksPath = {hooks}\n"
            f'[includeIf "gitdir:{store}/"]\n\tpath = {included}\n'
            f"[include]\n\tpath = {included}\n"
            f'[filter "evil"]\n\tclean = {run_it["clean"]}\n\tsmudge = {run_it["smudge"]}\n'
            f"\tprocess = {run_it['process']}\n\trequired = true\n"
            f'[diff "evil"]\n\ttextconv = {run_it["textconv"]}\n\tcommand = {run_it["diffcmd"]}\n'
            f"[credential]\n\thelper = !{run_it['credential']}\n"
            f"[gpg]\n\tprogram = {run_it['gpg']}\n[pager]\n\tstatus = {run_it['pager']}\n"
        )
    write(store / ".gitattributes", "* filter=evil diff=evil\n")


def hostile_store(root: Path, *steps: tuple[str, ...]) -> tuple[Path, Path]:
    """A store whose backend/.env (a live key) is committed, storefront/.env.local (a secret)
    is not, and whose .git/config names an executable of every class; (store, marker folder).
    `steps` are git commands the test runs first (before the config is planted)."""
    store = root / "store"
    write(store / "backend" / ".env", LIVE)
    git(store, "init", "-q")
    git(store, "add", "backend/.env")
    git(store, "-c", "user.email=a@b.invalid", "-c", "user.name=a", "commit", "-qm", "x")
    write(store / "storefront" / ".env.local", UNTRACKED)
    for step in steps:
        git(store, *step)
    marks = root / "marks"
    marks.mkdir()
    plant(store, marks)
    return store, marks


def git_findings(data: dict[str, object], key: str) -> dict[str, str]:
    """code -> source of the env lint's git findings in a status or doctor document."""
    items = data[key]
    assert isinstance(items, list)
    code = "code" if key == "findings" else "check"
    return {
        item[code]: item.get("source") or item.get("target")
        for item in items
        if str(item[code]).startswith("env.git")
    }


def test_status_runs_nothing_the_store_configures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, marks = hostile_store(tmp_path)
    monkeypatch.chdir(store)
    result = run("status", "--project", ".", "--ignore-environment", "-f", "json")
    assert sorted(p.name for p in marks.iterdir()) == []
    assert git_findings(result.json(), "findings") == {"env.git-tracked-secrets": "backend/.env"}
    text = run("status", "--project", ".", "--ignore-environment")
    assert "backend/.env holds live secrets (STRIPE_API_KEY) and is tracked by git" in text.stdout
    assert sorted(p.name for p in marks.iterdir()) == []


def test_doctor_runs_nothing_the_store_configures(tmp_path: Path) -> None:
    store, marks = hostile_store(tmp_path)
    result = run(
        "doctor", "--project", str(store), "--ignore-environment", "--skip", "stripe", "-f", "json"
    )
    assert sorted(p.name for p in marks.iterdir()) == []
    assert git_findings(result.json(), "checks") == {"env.git-tracked-secrets": "backend/.env"}
    assert result.exit_code == 1


def test_fleet_status_runs_nothing_the_store_configures(tmp_path: Path) -> None:
    store, marks = hostile_store(tmp_path)
    write(tmp_path / "plain" / "backend" / ".env", "SMTP_FROM=a@example.com\n")
    fleet = write(
        tmp_path / "storectl.toml",
        f'[[store]]\nname = "shop"\nproject = "{store}"\n\n'
        '[[store]]\nname = "plain"\nproject = "plain"\n',
    )
    result = run("status", "--fleet", str(fleet), "--ignore-environment", "-f", "json")
    assert sorted(p.name for p in marks.iterdir()) == []
    shop, _ = result.json()["stores"]
    assert git_findings(shop["report"], "findings") == {"env.git-tracked-secrets": "backend/.env"}


@pytest.mark.parametrize("version", ["2", "3", "4"])
@pytest.mark.parametrize("local_tracked", [False, True])
def test_every_index_version_is_read(tmp_path: Path, version: str, local_tracked: bool) -> None:
    add = [("add", "-f", "storefront/.env.local")] if local_tracked else []
    # skip-worktree sets an entry's extended flags (version 3 and later)
    steps = [*add, ("update-index", "--skip-worktree", "backend/.env")] if version != "2" else add
    store, marks = hostile_store(tmp_path, *steps, ("update-index", "--index-version", version))
    assert (store / ".git" / "index").read_bytes()[4:8] == int(version).to_bytes(4, "big")
    data = run("status", "--project", str(store), "--ignore-environment", "-f", "json").json()
    tracked = [f["source"] for f in data["findings"] if f["code"] == "env.git-tracked-secrets"]
    assert tracked == ["backend/.env", "storefront/.env.local"][: 2 if local_tracked else 1]
    assert sorted(p.name for p in marks.iterdir()) == []


def test_a_worktree_reads_its_own_index(tmp_path: Path) -> None:
    other = tmp_path / "other"
    store, marks = hostile_store(tmp_path, ("worktree", "add", "-q", str(other)))
    assert (other / ".git").is_file()
    data = run("status", "--project", str(other), "--ignore-environment", "-f", "json").json()
    assert git_findings(data, "findings") == {"env.git-tracked-secrets": "backend/.env"}
    assert sorted(p.name for p in marks.iterdir()) == []


@pytest.mark.parametrize(
    ("index", "reason"),
    [
        (b"", "no DIRC signature"),
        (b"DIRC\0\0\0\x02\0\0\0\x05" + b"\1" * 40, "checksum mismatch"),
        (b"DIRC\0\0\0\x09\0\0\0\0", "version 9"),
        (None, "split index"),
        (b"x" * 17, "no DIRC signature"),
    ],
    ids=["empty", "checksum", "version", "split", "junk"],
)
def test_an_unreadable_index_is_reported_not_guessed(
    tmp_path: Path, index: bytes | None, reason: str
) -> None:
    split = [("update-index", "--split-index")] if index is None else []
    store, _ = hostile_store(tmp_path, *split)
    path = store / ".git" / "index"
    if index is not None:
        body = index + (hashlib.sha1(index).digest() if reason.startswith("version") else b"")
        path.write_bytes(body)
    result = run("status", "--project", str(store), "--ignore-environment", "-f", "json")
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    found = [f for f in result.json()["findings"] if f["code"].startswith("env.git")]
    assert [(f["code"], f["severity"], f["source"]) for f in found] == [
        ("env.git-index-unreadable", "warning", "backend/.env"),
        ("env.git-index-unreadable", "warning", "storefront/.env.local"),
    ]
    assert (
        reason in found[0]["message"] and "cannot tell whether git tracks it" in found[0]["message"]
    )


def test_a_store_without_an_index_tracks_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write(store / "backend" / ".env", LIVE)
    git(store, "init", "-q")  # no index yet
    data = run("status", "--project", str(store), "--ignore-environment", "-f", "json").json()
    assert git_findings(data, "findings") == {}
    (store / ".git").rename(tmp_path / "moved")
    write(store / ".git", "gitdir: ../nowhere\n")  # a worktree whose git directory is gone
    data = run("status", "--project", str(store), "--ignore-environment", "-f", "json").json()
    assert list(git_findings(data, "findings")) == ["env.git-index-unreadable"]
