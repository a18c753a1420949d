"""storectl.env.grammar without node: the issue's table, the findings, the loaders' rules.

What node itself answers is checked in test_env_grammar_node.py; these pin the readings (and the
notes the loader turns into findings) so that a change shows up even where node is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storectl.env import expand as ex
from storectl.env import grammar as g
from storectl.env import nextenv as nx
from storectl.env import quoting as qt


def load(text: str, env: dict[str, str] | None = None) -> g.LoadResult:
    return ex.load_files([(".env", text)], env or {})


def codes(result: g.LoadResult | g.NextResult) -> list[str]:
    return [p.code for p in result.problems]


@pytest.mark.parametrize(
    ("text", "name", "value", "note"),
    [
        ("REDIS_URL=redis://:pa#ss@host:6379\n", "REDIS_URL", "redis://:pa", "hash-cut"),
        ("D=a#b\n", "D", "a", "hash-cut"),
        ('STRIPE_API_KEY="sk_test_abc\n', "STRIPE_API_KEY", '"sk_test_abc', "unterminated-quote"),
        ("I: colon\n", "I", "colon", "colon"),
        ("S3_BUCKET\n=oops\n", "S3_BUCKET", "oops", "key-continued"),
        ("A=x\nG='single $A'\n", "G", "single x", "single-quoted-dollar"),
        ("A=\n'next line'\n", "A", "next line", "value-next-line"),
        ('A="a" "b"\n', "A", 'a" "b', "text-after-quote"),
        ("A=#x\n", "A", "", "empty-before-hash"),
        ('A="a\\"b"\n', "A", 'a\\"b', "escaped-quote-kept"),
    ],
)
def test_the_issue_table(text: str, name: str, value: str, note: str) -> None:
    """Each row: the value Medusa's process sees and the finding that explains it."""
    result = load(text)
    assert result.env[name] == value
    problem = next(p for p in result.problems if p.code == note)
    assert problem.name == name and problem.file == ".env" and problem.line is not None
    assert g.NOTES[note] in problem.message


def test_plain_values_raise_no_finding() -> None:
    result = load("# c\nA=1\nexport B='two words' # comment\nC=\"x\\ny\"\nD=a # ok\n")
    assert result.env == {"A": "1", "B": "two words", "C": "x\ny", "D": "a"}
    assert result.problems == []


def test_lines_count_crlf_and_lone_cr() -> None:
    bindings = g.parse("A=1\r\nB=2\rC=3\n\nD=4")
    assert [(b.name, b.line) for b in bindings] == [("A", 1), ("B", 2), ("C", 3), ("D", 5)]


def test_quote_kinds_and_escapes() -> None:
    got = {
        b.name: (b.value, b.quote) for b in g.parse("S='a\\nb'\nD=\"a\\nb\"\nB=`a'\"b`\nU=a\\nb")
    }
    assert got == {
        "S": ("a\\nb", "'"),
        "D": ("a\nb", '"'),
        "B": ("a'\"b", "`"),
        "U": ("a\\nb", ""),
    }


def test_multi_line_value_keeps_its_first_line() -> None:
    (b, c) = g.parse('A="one\ntwo"\nC=3\n')
    assert (b.value, b.line, c.line) == ("one\ntwo", 1, 3)


def test_bom_and_javascript_whitespace() -> None:
    """A BOM is JavaScript whitespace; \\x85 is not (Python's str.strip would eat it)."""
    assert load("\ufeffA=1\nB=\x85x\x85\n").env == {"A": "1", "B": "\x85x\x85"}


def test_ignored_lines_are_reported() -> None:
    result = load("just words\nA=1\n")
    assert [(p.code, p.line) for p in result.problems] == [("ignored-line", 1)]


def test_duplicate_later_line_wins_in_a_file_first_file_wins_across() -> None:
    result = ex.load_files([(".env.production", "A=prod\n"), (".env", "A=1\nA=2\nB=b\n")], {})
    assert result.env == {"A": "prod", "B": "b"}
    assert result.variables["A"].file == ".env.production"
    assert "duplicate" in codes(result)
    assert load("A=1\nA=2\n").variables["A"].line == 2


def test_process_environment_wins_and_expands_first() -> None:
    result = load("A=file\nB=${A}-$HOME\n", {"A": "env", "HOME": "/root"})
    assert result.env["A"] == "env" and result.env["B"] == "env-/root"
    assert result.variables["A"].source == "environment"
    assert result.variables["B"].source == "file" and result.variables["B"].raw == "${A}-$HOME"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("A=${X:-def}\n", "def"),
        ("A=$X-def\n", "def"),
        ("A=\\$X\n", "$X"),
        ("A=cost\\$\n", "cost$"),
        ("A=$(date)\n", "$(date)"),
    ],
)
def test_expansion_forms(text: str, value: str) -> None:
    assert load(text).env["A"] == value


def test_a_cycle_keeps_every_raw_value() -> None:
    """Medusa's loadEnv swallows dotenv-expand's stack overflow: nothing is expanded."""
    result = load("A=$B\nB=$C\nC=$B\nD=${A}x\n", {"B": "", "C": ""})
    assert not result.expanded
    assert result.env == {"A": "$B", "B": "", "C": "", "D": "${A}x"}
    assert "cycle" in codes(result)


def test_a_value_past_64_kib_stops_expansion() -> None:
    lines = ["A0=xxxxxxxxxxxxxxxx"] + [f"A{i}=$A{i - 1}$A{i - 1}" for i in range(1, 30)]
    result = load("\n".join(lines) + "\n", {})
    assert "too-long" in codes(result) and not result.expanded


def test_node_keeps_nul_only_for_array_index_names() -> None:
    assert load("A='x\x00y'\n1='x\x00y'\n").env == {"A": "x", "1": "x\x00y"}


def test_backend_files() -> None:
    assert ex.backend_files("production") == [".env.production", ".env"]
    assert ex.backend_files("development") == [".env"]
    assert ex.backend_files(None) == [".env"]


def test_next_reads_files_in_order_and_earlier_files_win(tmp_path: Path) -> None:
    for name, text in {
        ".env": "A=env\nB=env\nC=env\nREF=$A\n",
        ".env.local": "B=local\nUSE=${B}\n",
        ".env.production": "C=prod\n",
        ".env.production.local": "A=prodlocal\nLATER=$C\n",
    }.items():
        (tmp_path / name).write_text(text)
    result = nx.next_env(tmp_path, "production", {})
    assert result.files == [".env.production.local", ".env.local", ".env.production", ".env"]
    assert result.env["A"] == "prodlocal" and result.env["B"] == "local"
    assert result.env["USE"] == "local" and result.env["REF"] == "prodlocal"
    assert result.env["LATER"] == "", "a later file is not loaded yet when this one expands"
    assert result.env["__NEXT_PROCESSED_ENV"] == "true"
    assert result.variables["C"].file == ".env.production"


def test_next_in_test_mode_skips_env_local(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text("A=local\n")
    result = nx.next_env(tmp_path, "development", {"NODE_ENV": "test"})
    assert result.mode == "test" and result.files == [] and "A" not in result.env


def test_next_skips_a_file_whose_expansion_overflows(tmp_path: Path) -> None:
    (tmp_path / ".env.local").write_text("A=$A\nB=1\n")
    (tmp_path / ".env").write_text("C=3\n")
    result = nx.next_env(tmp_path, "development", {})
    assert "A" not in result.env and "B" not in result.env and result.env["C"] == "3"
    assert "cycle" in codes(result)


def test_next_replacement_patterns(tmp_path: Path) -> None:
    """dotenv-expand 10 substitutes with String.replace: '$$' in the value becomes '$', and
    the loop goes on with what that leaves ('$word' is then expanded too)."""
    (tmp_path / ".env").write_text("P=$PASS\nQ=$WORD\n")
    env = nx.next_env(tmp_path, "production", {"PASS": "pa$$", "WORD": "pa$$word"}).env
    assert (env["P"], env["Q"]) == ("pa$", "pa")


def test_next_version_from_package_json(tmp_path: Path) -> None:
    assert nx.next_version(tmp_path) == (nx.NEXT_DEFAULT_VERSION, None)
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"next": "^14.2.3"}}))
    assert nx.next_version(tmp_path) == ("^14.2.3", None)
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"next": "13.5.1"}}))
    version, problem = nx.next_version(tmp_path)
    assert problem is not None and problem.code == "next-version"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "'plain'"),
        ("pa$word", "'pa\\$word'"),
        ("it's", "`it's`"),
        ("a'b`c", '"a\'b`c"'),
        ("", "''"),
        (" padded ", "' padded '"),
        ("x#y", "'x#y'"),
    ],
)
def test_quote_value(value: str, text: str) -> None:
    assert qt.quote_value(value) == text
    assert load("K=" + text + "\n").env["K"] == value


def test_quote_value_refuses_what_no_form_holds() -> None:
    with pytest.raises(ValueError):
        qt.quote_value("a\x00b")
    with pytest.raises(ValueError):
        qt.quote_value("'\"`\\n")


@pytest.mark.parametrize(
    ("text", "owned"),
    [
        ("A=1\r\nexport  K = 'x'  # c\r\n", ["A=1", "K = 'x'"]),
        ("S3_BUCKET\r\n=oops\r\nB=2", ["S3_BUCKET\r\n=oops", "B=2"]),
        ('K=`a\r\nb\r\n` # c\r\nB="q"', ["K=`a\r\nb\r\n`", 'B="q"']),
        ("\ufeffK=v#h\rL: w \n", ["K=v", "L: w"]),
        ("K=\nB=1", ["K=", "B=1"]),
    ],
)
def test_binding_spans_are_offsets_in_the_original_text(text: str, owned: list[str]) -> None:
    """Each binding says which characters of the text as given it owns (CRLF not folded)."""
    assert [text[b.start : b.end] for b in g.parse(text)] == owned
