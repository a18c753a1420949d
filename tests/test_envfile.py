"""Env-file writes: atomic, locked, the rest of the file kept byte for byte; a new file 0600,
an existing one keeps owner, group and mode, less any access for others."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storectl import env as envmod
from storectl.env.write import set_value
from tests.conftest import REPO

ORIGINAL = (
    "# Medusa backend\n"
    "DATABASE_URL=postgres://localhost/shop  # inline comment\n"
    "\n"
    "export STRIPE_WEBHOOK_SECRET='whsec_old'\n"
    'MULTI="line one\nline two"\n'
    "   SPACED = value\n"
    "malformed line here\n"
    "TRAILING=no-newline"
)


def test_replace_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ORIGINAL)
    path.chmod(0o600)
    written = set_value(path, "STRIPE_WEBHOOK_SECRET", "whsec_new123")
    assert written.replaced and written.line == 4
    assert path.read_text() == ORIGINAL.replace(
        "export STRIPE_WEBHOOK_SECRET='whsec_old'", "export STRIPE_WEBHOOK_SECRET=whsec_new123"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert written.note is None


def test_append_when_absent_adds_a_newline_first(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ORIGINAL)
    path.chmod(0o644)
    written = set_value(path, "NEW_KEY", "v")
    assert not written.replaced
    assert path.read_text() == ORIGINAL + "\nNEW_KEY=v\n"
    assert written.line == ORIGINAL.count("\n") + 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # others lose read, the group keeps it
    assert written.note is not None and "0644" in written.note and "0640" in written.note


def test_last_definition_is_the_one_replaced(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\nA=2\nB=3\n")
    set_value(path, "A", "9")
    assert path.read_text() == "A=1\nA=9\nB=3\n"


def test_crlf_and_bom_are_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"\xef\xbb\xbfA=1\r\nB=2\r\n")
    set_value(path, "A", "x")
    set_value(path, "C", "y")
    assert path.read_bytes() == b"\xef\xbb\xbfA=x\r\nB=2\r\nC=y\r\n"


def test_new_file_is_created_0600(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    set_value(path, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert path.read_text() == "STRIPE_WEBHOOK_SECRET=whsec_x\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with space",
        'quo"te',
        "hash#tag",
        "back\\slash",
        "$dollar",
        "it's $x",
        "a\nb",
        "\n",
        "end\n",
    ],
)
def test_quoted_values_read_back_exactly(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".env"
    set_value(path, "K", value)
    loaded = envmod.load(env_files=[path], process_env={})
    assert loaded.get("K") == value


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# keep\n")
    threads = [
        threading.Thread(target=set_value, args=(path, f"KEY_{i}", str(i))) for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loaded = envmod.load(env_files=[path], process_env={})
    assert {f"KEY_{i}": str(i) for i in range(20)} == {
        k: loaded.get(k) for k in (f"KEY_{i}" for i in range(20))
    }
    assert path.read_text().startswith("# keep\n")


def test_a_crash_between_write_and_rename_leaves_the_original(tmp_path: Path) -> None:
    """A process killed after writing the temp file and before the rename: the file is intact."""
    path = tmp_path / ".env"
    path.write_text(ORIGINAL)
    script = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from storectl import fsutil\n"
        "from storectl.env import write as envfile\n"
        "def crash(*args, **kwargs):\n    os._exit(9)\n"
        "fsutil.os.replace = crash\n"
        f"envfile.set_value(__import__('pathlib').Path({str(path)!r}), 'K', 'whsec_new')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == 9
    assert path.read_text() == ORIGINAL
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != ".env"]
    assert all(name.startswith(".env.") and name.endswith(".tmp") for name in leftovers), leftovers
    assert len(leftovers) == 1  # the complete new file, never renamed into place
    assert "whsec_new" in (tmp_path / leftovers[0]).read_text()


def test_symlinked_env_file_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "real.env"
    real.write_text("A=1\n")
    link = tmp_path / ".env"
    os.symlink(real, link)
    set_value(link, "A", "2")
    assert link.is_symlink()
    assert real.read_text() == "A=2\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_owner_and_group_survive_the_rewrite(tmp_path: Path) -> None:
    """root rewriting a service user's backend/.env leaves it that user's, mode 0640."""
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    os.chown(path, 65534, 65534)
    path.chmod(0o640)
    written = set_value(path, "A", "2")
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (65534, 65534)
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert written.note is None
    assert path.read_text() == "A=2\n"


@pytest.mark.parametrize(
    ("mode", "kept", "noted"),
    [(0o640, 0o640, False), (0o600, 0o600, False), (0o644, 0o640, True), (0o666, 0o660, True)],
)
def test_mode_is_kept_less_access_for_others(
    tmp_path: Path, mode: int, kept: int, noted: bool
) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    path.chmod(mode)
    written = set_value(path, "A", "2")
    assert stat.S_IMODE(path.stat().st_mode) == kept
    assert (written.note is not None) is noted


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("K=old # rotated by hand", "K=new123 # rotated by hand"),
        ("K=old\t#tab comment", "K=new123\t#tab comment"),
        ("K='old # not a comment'   # real one", "K=new123   # real one"),
        ('K="o\\"ld" # after an escaped quote', "K=new123 # after an escaped quote"),
        ("K=old#not-a-comment", "K=new123"),
        ("export K=old # exported", "export K=new123 # exported"),
    ],
)
def test_inline_comment_on_the_replaced_line_is_kept(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / ".env"
    path.write_text(f"A=1\n{line}\nB=2\n")
    set_value(path, "K", "new123")
    assert path.read_text() == f"A=1\n{expected}\nB=2\n"
    assert envmod.load(env_files=[path], process_env={}).get("K") == "new123"


@pytest.mark.parametrize("value", ["\n", "abc\n", "a\nb"])
def test_a_value_ending_in_a_newline_is_quoted_not_written_bare(tmp_path: Path, value: str) -> None:
    """`^[...]*$` matched "abc\\n" (`$` matches before a final newline): the value was written
    bare and its newline ended the line, so the key read back without it."""
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    set_value(path, "K", value)
    env = envmod.load(env_files=[path], process_env={})
    assert env.get("K") == value and env.get("A") == "1"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the name and its '=' on two lines: node reads S3_BUCKET=oops, so both lines are its
        ("A=1\nS3_BUCKET\n=oops\nB=2\n", "A=1\nS3_BUCKET=new123\nB=2\n"),
        ("A=1\r\nS3_BUCKET\r\n=oops\r\nB=2\r\n", "A=1\r\nS3_BUCKET=new123\r\nB=2\r\n"),
        # a multi-line backtick value (CRLF inside), its comment after the closing quote kept
        (
            "A=1\r\nS3_BUCKET=`one\r\ntwo` # media\r\nB=2\r\n",
            "A=1\r\nS3_BUCKET=new123 # media\r\nB=2\r\n",
        ),
        # the export prefix and its odd blanks stay; so does a comment on the next line
        ("export\tS3_BUCKET = 'x'\n# next\n", "export\tS3_BUCKET=new123\n# next\n"),
        # an unterminated quote runs to the end of its line only
        ('S3_BUCKET="abc # c\nB="2"\n', 'S3_BUCKET=new123 # c\nB="2"\n'),
        # 'NAME: value' and a blank value
        ("S3_BUCKET: old # c\nB=\n", "S3_BUCKET=new123 # c\nB=\n"),
        ("S3_BUCKET=\n# c\nB=2\n", "S3_BUCKET=new123\n# c\nB=2\n"),
        # a BOM is kept, undecodable bytes elsewhere too
        ("\ufeffS3_BUCKET=old\nC=\udcff\n", "\ufeffS3_BUCKET=new123\nC=\udcff\n"),
    ],
)
def test_the_writer_replaces_what_the_reader_reads(tmp_path: Path, before: str, after: str) -> None:
    """The writer replaces exactly the bytes node's grammar gives the name, nothing more."""
    path = tmp_path / ".env"
    path.write_bytes(before.encode("utf-8", "surrogateescape"))
    written = set_value(path, "S3_BUCKET", "new123")
    assert written.replaced
    assert path.read_bytes() == after.encode("utf-8", "surrogateescape")
    assert envmod.load(env_files=[path], process_env={}).get("S3_BUCKET") == "new123"


def test_a_refused_edit_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the new line would change how another name reads, nothing is written."""
    from storectl.env import write
    from storectl.errors import ConfigError

    path = tmp_path / ".env"
    # a quoting that opens a backtick it never closes: B's line would become part of K's value
    monkeypatch.setattr(write, "quote", lambda value: "`" + value)
    path.write_text("A=1\nK=old\nB=2`\n")
    with pytest.raises(ConfigError, match="cannot edit"):
        set_value(path, "K", "new")
    assert path.read_text() == "A=1\nK=old\nB=2`\n"
