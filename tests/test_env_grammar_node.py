"""Differential test: storectl.env.grammar against the real node packages, run by node.

testing/node_env pins dotenv 16.6.1, dotenv-expand 11.0.7 and @next/env 15.5.29; scripts/test
installs them (`npm ci`). One node process answers every case of the session (oracle.js).
Generated files mix every construct whose reading is surprising, including the characters where
JavaScript's \\s, $ and \\w differ from Python's re. Under CI=true a missing node fails.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from storectl.env import expand as ex
from storectl.env import grammar as g
from storectl.env import nextenv as nx
from storectl.env import quoting as qt

ORACLE = Path(__file__).resolve().parent.parent / "testing" / "node_env"


class Oracle:
    """The long-lived node process: one JSON line in, one JSON line out."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def ask(self, **request: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert "crash" not in answer, answer["crash"]
        return answer


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    node = shutil.which("node")
    if node is None or not (ORACLE / "node_modules" / "dotenv-expand").is_dir():
        reason = "node or testing/node_env/node_modules missing (scripts/test installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    proc = subprocess.Popen(
        [node, "--max-old-space-size=512", str(ORACLE / "oracle.js")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="surrogatepass",
        env={"PATH": os.environ.get("PATH", "")},
    )
    try:
        yield Oracle(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def medusa(oracle: Oracle, files: list[tuple[str, bytes]], env: dict[str, str]) -> Any:
    return oracle.ask(
        kind="medusa",
        names=[n for n, _ in files],
        files=[[n, b64(d)] for n, d in files],
        env=env,
    )


def grew_too_long(problems: list[g.Problem]) -> bool:
    """Not sent to node: past 64 KiB we stop where node grows until it dies (the one allowed
    difference; an OOM would take the oracle down), and chains deep enough to overflow node's
    stack take node seconds each (test_overflow_thresholds covers them)."""
    return any(p.code in ("too-long", "overflow") for p in problems)


def python_medusa(files: list[tuple[str, bytes]], env: dict[str, str]) -> g.LoadResult:
    return ex.load_files([(n, g.decode(d)) for n, d in files], env)


# --- strategies ---------------------------------------------------------------------------------

NAMES = ["A", "B", "C", "D_1", "a.b", "x-y", "1", "10", "02", "E", "export", "PATH"]
COMMON = [
    "a", "b1", "x y", " ", "\t", "#", " #c", "'", '"', "`", "$A", "$B", "${A}", "${C}", "${E:-d}",
    "${A:-$B}", "$a.b", "$A-x", "\\$A", "\\$", "\\", "\\n", "\\r", "\\'", '\\"', "$(x)", "$", "{",
    "}", "=", ":", "\u2028", "\ufeff", "\x00", "\xa0", "\x85", "\x1c", "é", "\u3000", "${D_1}",
    "$1", "$10", "${x-y}", "$PATH",
]  # fmt: skip
# String.replace's $-patterns make dotenv-expand 10 values grow (slow in both): drawn less often.
RARE = ["$$", "$&", "$'", "$`"]
TOKENS = COMMON * 4 + RARE
ENDINGS = ["\n", "\r\n", "\r", "\n\n", "\u2028\n"]
SEPS = ["=", " = ", "=  ", ": ", ":", ":\t", "\n=", "=\n", " =\r\n"]

value = st.lists(st.sampled_from(TOKENS), max_size=6).map("".join)


@st.composite
def quoted(draw: st.DrawFn) -> str:
    q = draw(st.sampled_from(["'", '"', "`", ""]))
    body = draw(value)
    close = draw(st.sampled_from([q, q, q, "", q + " x", q + " #c"]))
    return q + body + close


@st.composite
def line(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["", "# comment", "junk line", "  ", "A", "=x", "export"]))
    lead = draw(st.sampled_from(["", " ", "\t", "export ", "export  ", "\ufeff"]))
    name = draw(st.sampled_from(NAMES))
    sep = draw(st.sampled_from(SEPS))
    val = draw(quoted())
    tail = draw(st.sampled_from(["", "", " # note", "#x", "  "]))
    return lead + name + sep + val + tail


@st.composite
def env_file(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(line(), max_size=8))
    text = ""
    for ln in lines:
        text += ln + draw(st.sampled_from(ENDINGS))
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 19)) == 0:
        data += b"\xff\xc3Z"  # invalid UTF-8: both sides must decode it the same way
    return data


process_env = st.dictionaries(
    st.sampled_from(["A", "B", "C", "E", "PATH", "D_1", "x-y"]),
    st.lists(
        st.sampled_from(["", "v", "$B", "${A}", "\\$A", "pa$$w", "e f", "v", "x"]), max_size=3
    ).map("".join),
    max_size=3,
)

SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)


# --- the differential tests ------------------------------------------------------------------


@SETTINGS
@given(data=env_file())
# JS ends a line at U+2028/U+2029: dotenv strips a quote pair after one (found by this test)
@example(data="A=a\u2028''\nB=x\u2029'q'\nC='a'\u2028b\nD=\"d\"\u2028\"e\"\n".encode())
def test_parse_matches_dotenv(oracle: Oracle, data: bytes) -> None:
    """Every binding and value dotenv.parse returns, in its order, for 1,000 generated files."""
    pairs = oracle.ask(kind="parse", bytes=b64(data))["pairs"]
    obj = g._to_object(g.parse(g.decode(data)))
    assert [[k, b.value] for k, b in obj.items()] == pairs


@SETTINGS
@given(files=st.lists(env_file(), min_size=1, max_size=2), env=process_env)
def test_medusa_load_env_matches_node(
    oracle: Oracle, files: list[bytes], env: dict[str, str]
) -> None:
    """.env.production + .env as Medusa's loadEnv reads them, expansion included."""
    named = list(zip([".env.production", ".env"], files, strict=False))
    result = python_medusa(named, env)
    assume(not grew_too_long(result.problems))
    answer = medusa(oracle, named, env)
    assert result.env == answer["env"]
    assert (not result.expanded) == answer["threw"] or result.env == answer["env"]


@SETTINGS
@given(
    files=st.lists(env_file(), min_size=1, max_size=4),
    env=process_env,
    mode=st.sampled_from(["development", "production"]),
)
def test_next_env_matches_node(
    oracle: Oracle, files: list[bytes], env: dict[str, str], mode: str, tmp_path_factory: Any
) -> None:
    """The storefront's files as @next/env's loadEnvConfig reads them."""
    names = [f".env.{mode}.local", ".env.local", f".env.{mode}", ".env"]
    named = list(zip(names, files, strict=False))
    folder = tmp_path_factory.mktemp("storefront")
    for n, d in named:
        (folder / n).write_bytes(d)
    result = nx.next_env(folder, mode, env)
    assume(not grew_too_long(result.problems))
    answer = oracle.ask(kind="next", files=[[n, b64(d)] for n, d in named], env=env, mode=mode)
    assert result.files == answer["files"]
    assert result.env == answer["env"]
    skipped = [p for p in result.problems if p.code == "cycle"]
    assert len(skipped) == len(answer["errors"])


@settings(max_examples=500, deadline=None)
@given(
    value=st.lists(st.sampled_from(TOKENS + ["'", "`", '"', "\n", "\r", "x"]), max_size=8).map(
        "".join
    )
)
def test_quote_value_reads_back_unchanged_in_node(oracle: Oracle, value: str) -> None:
    """What the writer puts after NAME= comes back unchanged from dotenv + dotenv-expand."""
    try:
        text = qt.quote_value(value)
    except ValueError:
        single = "'" not in value and "\r" not in value
        backtick = "`" not in value and "\r" not in value
        double = '"' not in value and "\\n" not in value and "\\r" not in value
        assert "\\$" in value or "\x00" in value or not (single or backtick or double)
        return
    data = ("K=" + text + "\n").encode("utf-8", "surrogatepass")
    answer = medusa(oracle, [(".env", data)], {})
    assert answer["env"]["K"] == value


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.lists(
        st.sampled_from(TOKENS + ["'", "`", '"', "\n", "\r", "x", "#", " ", "a b"]), max_size=8
    ).map("".join)
)
def test_set_value_reads_back_unchanged_in_node(
    oracle: Oracle, value: str, tmp_path_factory: Any
) -> None:
    """The writer (env/write.set_value, as `webhooks register` uses it) in a file with other
    lines: node's dotenv + dotenv-expand 11 read every value back as written."""
    from storectl.env.write import set_value
    from storectl.errors import ConfigError

    path = tmp_path_factory.mktemp("w") / ".env"
    path.write_text("# keep\nA=1\nK=old # note\nB='$A'\n")
    try:
        set_value(path, "K", value)
        set_value(path, "NEW", value)
    except ConfigError:  # refused only when quote_value has no form for it (see above)
        single = "'" not in value and "\r" not in value
        backtick = "`" not in value and "\r" not in value
        double = '"' not in value and "\\n" not in value and "\\r" not in value
        assert "\\$" in value or "\x00" in value or not (single or backtick or double)
        return
    answer = medusa(oracle, [(".env", path.read_bytes())], {})
    assert (answer["env"]["K"], answer["env"]["NEW"]) == (value, value)
    assert answer["env"]["A"] == "1"


# --- the issue's table, against node too ----------------------------------------------------

TABLE = [
    ("REDIS_URL=redis://:pa#ss@host:6379\n", "REDIS_URL", "redis://:pa", "hash-cut"),
    ("D=a#b\n", "D", "a", "hash-cut"),
    ('STRIPE_API_KEY="sk_test_abc\n', "STRIPE_API_KEY", '"sk_test_abc', "unterminated-quote"),
    ("I: colon\n", "I", "colon", "colon"),
    ("S3_BUCKET\n=oops\n", "S3_BUCKET", "oops", "key-continued"),
    ("A=x\nG='single $A'\n", "G", "single x", "single-quoted-dollar"),
]


@pytest.mark.parametrize(("text", "name", "value", "note"), TABLE)
def test_issue_table_agrees_with_node(
    oracle: Oracle, text: str, name: str, value: str, note: str
) -> None:
    answer = medusa(oracle, [(".env", text.encode())], {})
    assert answer["env"][name] == value
    assert python_medusa([(".env", text.encode())], {}).env[name] == value


@pytest.mark.parametrize(("depth", "overflows"), [(1000, False), (4000, True)])
def test_overflow_thresholds(oracle: Oracle, depth: int, overflows: bool) -> None:
    """A reference chain far below / above node's stack depth: expanded / every value raw.
    (Near the limit node's depth shifts with its version and flags, so only the margins.)"""
    # K1..Kn are set but empty in the environment, so each reference falls through to the
    # file's raw value and expands it: one nested call per link.
    chain = f"TOP=${{K{depth - 1}}}\n" + "".join(f"K{i}=${{K{i - 1}}}x\n" for i in range(1, depth))
    env = {f"K{i}": "" for i in range(1, depth)}
    named = [(".env", chain.encode())]
    answer = medusa(oracle, named, env)
    result = python_medusa(named, env)
    assert answer["threw"] == overflows == (not result.expanded)
    assert result.env == answer["env"]


@pytest.mark.parametrize(("count", "overflows"), [(2000, False), (9000, True)])
def test_overflow_thresholds_next(
    oracle: Oracle, count: int, overflows: bool, tmp_path: Path
) -> None:
    text = "A=" + "$X" * count + "\nB=1\n"
    answer = oracle.ask(
        kind="next", files=[[".env", b64(text.encode())]], env={}, mode="production"
    )
    (tmp_path / ".env").write_text(text)
    result = nx.next_env(tmp_path, "production", {})
    assert result.env == answer["env"]
    assert ("B" not in result.env) == overflows
