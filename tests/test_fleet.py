"""Many stores in one run (issue 12): the fleet file and its errors, ad-hoc fleets, selection,
one report in every format, one redactor for every store's secrets, shared probes, failure
isolation and --fail-fast. All through the CLI, against the local peers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from testing import hostile
from testing.medusa_server import API_KEY, MedusaServer
from testing.redis_server import RedisServers
from testing.stripe_server import EXPIRED_KEY, TEST_KEY, StripeServer
from tests.conftest import run, write


def make_store(root: Path, name: str, env: dict[str, str]) -> Path:
    """A store folder `root/name` with its backend/.env holding `env`."""
    folder = root / name
    write(folder / "backend" / ".env", "".join(f"{k}={v}\n" for k, v in env.items()))
    (folder / "storefront").mkdir(parents=True, exist_ok=True)
    return folder


def fleet_file(root: Path, text: str) -> Path:
    return write(root / "storectl.toml", text)


# --- the fleet file -------------------------------------------------------------------------


def three_stores(root: Path) -> None:
    for name in ("eu", "us", "asia"):
        make_store(root, name, {"SMTP_FROM": f"{name}@example.com"})
    fleet_file(
        root,
        '[[store]]\nname = "eu"\nproject = "eu"\nenvironment = "production"\ntags = ["emea"]\n\n'
        '[[store]]\nname = "us"\nproject = "us"\ntags = ["amer"]\n\n'
        '[[store]]\nname = "asia"\nproject = "asia"\nenvironment = "staging"\n',
    )


def test_fleet_file_in_the_current_folder_runs_every_store_in_order(tmp_path: Path) -> None:
    three_stores(tmp_path)
    result = run("status", "--format", "json", "--ignore-environment")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert set(data) == {"schema_version", "command", "ok", "stores", "summary"}
    assert [s["name"] for s in data["stores"]] == ["eu", "us", "asia"]
    assert [s["environment"] for s in data["stores"]] == ["production", "development", "staging"]
    assert data["stores"][0]["report"]["schema_version"] == 1  # status's own document
    assert data["summary"]["stores"] == 3 and data["summary"]["ok"] == 3


def test_a_fleet_report_is_written_into_a_folder_made_for_it(tmp_path: Path) -> None:
    """--output makes its folder for a fleet as for one store (one delivery for every report)."""
    three_stores(tmp_path)
    target = tmp_path / "reports" / "nightly" / "doctor.txt"
    result = run("doctor", "--ignore-environment", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"report written to {target}" in result.stdout
    written = target.read_text()
    assert all(f" {name} " in written for name in ("eu", "us", "asia")), written
    assert "3 stores" in written


def test_tag_and_store_select(tmp_path: Path) -> None:
    three_stores(tmp_path)
    result = run("status", "--tag", "emea", "--tag", "amer", "-f", "json")
    assert [s["name"] for s in result.json()["stores"]] == ["eu", "us"]
    # one store matched is still the fleet document: the shape follows where the stores came
    # from, never how many matched (issue 21 D)
    single = run("status", "--store", "asia", "-f", "json")
    assert single.exit_code == 0
    assert [s["name"] for s in single.json()["stores"]] == ["asia"]
    assert single.json()["stores"][0]["report"]["environment"] == "staging"
    unknown = run("status", "--store", "nope")
    assert unknown.exit_code == 2
    assert (
        "unknown store nope" in unknown.stderr
        and "hint: choose from: asia, eu, us" in unknown.stderr
    )


def test_a_project_option_wins_over_the_fleet_file_in_the_folder(tmp_path: Path) -> None:
    three_stores(tmp_path)
    result = run("status", "--project", "eu", "-f", "json")
    assert result.exit_code == 0
    assert "providers" in result.json()  # one store, today's document


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[[store]]\nname = "a"\nproject = "a"\n[[store\n', 4, "not valid TOML"),
        ('[[store]]\nname = "a"\nproject = "a"\ncolour = "red"\n', 4, "unknown key 'colour'"),
        (
            '[[store]]\nname = "a"\nproject = "a"\n\n[[store]]\nname = "a"\nproject = "a"\n',
            6,
            "duplicate store name 'a' (first at line 1)",
        ),
        (
            '[[store]]\nname = "a"\nproject = "a"\n\n[[store]]\nname = "b"\nproject = "gone"\n',
            7,
            "project folder",
        ),
        ("stores = 1\n", 1, "unknown key 'stores'"),
        ("store = [1]\n", 1, "store number 1 is not a table"),
        (
            '[[store]]\nname = "a"\nproject = "a"\nrequire = ["stripe", "paypal"]\n',
            4,
            "unknown provider 'paypal'",
        ),
    ],
)
def test_bad_fleet_file_exits_2_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    make_store(tmp_path, "a", {})
    path = fleet_file(tmp_path, text)
    result = run("doctor", "--fleet", str(path))
    assert result.exit_code == 2
    assert f"Error: {path}:{line}: " in result.stderr
    assert message in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_store_and_tag_need_a_fleet(tmp_path: Path) -> None:
    make_store(tmp_path, "a", {})
    result = run("status", "--project", "a", "--store", "a")
    assert result.exit_code == 2 and "there is none" in result.stderr


#: Every command that reads stores, and whether it offers --allow-empty (smoke does not).
STORE_COMMANDS = [
    (("status",), True),
    (("doctor",), True),
    (("regions", "list"), True),
    (("webhooks", "register"), True),
    (("catalog",), True),
    (("smoke",), False),
]


def panel(help_text: str, title: str) -> list[str]:
    """The long option names listed in one panel of a command's --help, in order."""
    lines = help_text.split(f"╭─ {title} ", 1)[1].split("╰", 1)[0].splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"│ (--[a-z-]+)", line))]


@pytest.mark.parametrize(
    ("command", "allow_empty"), STORE_COMMANDS, ids=[" ".join(c) for c, _ in STORE_COMMANDS]
)
def test_every_store_command_takes_the_same_store_options(
    tmp_path: Path, command: tuple[str, ...], allow_empty: bool
) -> None:
    """The store options are declared once (commands/_stores.selected): each command shows
    them in the same panels and order, and each reads them into one selection of stores."""
    shown = run(*command, "--help", env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.stderr
    configuration = ["--project", "--env-file", "--environment", "--ignore-environment"]
    assert panel(shown.stdout, "Configuration") == configuration + ["--allow-empty"] * allow_empty
    fleet = ["--fleet", "--store", "--tag", "--jobs", "--fail-fast", "--verbose"]
    assert panel(shown.stdout, "Many stores") == fleet
    store = make_store(tmp_path, "a", {})
    both = run(*command, "--fleet", str(fleet_file(tmp_path, "")), "--project", str(store))
    assert both.exit_code == 2 and "--fleet cannot be combined with --project" in both.stderr
    alone = run(*command, "--project", str(store), "--tag", "eu")
    assert alone.exit_code == 2 and "--store and --tag select stores of a fleet" in alone.stderr


# --- ad-hoc fleets --------------------------------------------------------------------------


def test_ad_hoc_projects_and_environments(tmp_path: Path) -> None:
    for name in ("shop-a", "shop-b"):
        make_store(tmp_path, name, {"SMTP_FROM": "a@example.com"})
    result = run("status", "-p", "shop-a", "-p", "shop-b", "-f", "json")
    assert [s["name"] for s in result.json()["stores"]] == ["shop-a", "shop-b"]
    both = run(
        "status",
        "-p",
        "shop-a",
        "--environment",
        "staging",
        "--environment",
        "production",
        "-f",
        "json",
    )
    stores = both.json()["stores"]
    assert [(s["name"], s["environment"]) for s in stores] == [
        ("staging", "staging"),
        ("production", "production"),
    ]
    grid = run(
        "status",
        "-p",
        "shop-a",
        "-p",
        "shop-b",
        "--environment",
        "staging",
        "--environment",
        "test",
        "-f",
        "json",
    )
    assert [s["name"] for s in grid.json()["stores"]] == [
        "shop-a/staging",
        "shop-a/test",
        "shop-b/staging",
        "shop-b/test",
    ]


def test_env_file_with_several_stores_is_a_usage_error(tmp_path: Path) -> None:
    env = write(tmp_path / "x.env", "A=1\n")
    result = run("status", "-e", str(env), "--environment", "a", "--environment", "b")
    assert result.exit_code == 2 and "--env-file" in result.stderr


# --- a broken store is a failed store, not a failed run ------------------------------------


def test_broken_and_empty_stores_fail_alone(tmp_path: Path) -> None:
    make_store(tmp_path, "good", {"SMTP_FROM": "a@example.com"})
    (tmp_path / "empty").mkdir()
    fleet_file(
        tmp_path,
        '[[store]]\nname = "good"\nproject = "good"\n\n'
        '[[store]]\nname = "missing-file"\nenv_files = ["nowhere.env"]\n\n'
        '[[store]]\nname = "needs-stripe"\nproject = "good"\nrequire = ["stripe"]\n',
    )
    result = run("status", "-f", "json")
    assert result.exit_code == 1
    stores = {s["name"]: s for s in result.json()["stores"]}
    assert stores["good"]["ok"] is True
    assert stores["missing-file"]["ok"] is False and stores["missing-file"]["report"] is None
    assert "nowhere.env" in stores["missing-file"]["problems"][0]["message"]
    assert stores["needs-stripe"]["ok"] is False
    assert "requires stripe" in stores["needs-stripe"]["problems"][0]["message"]
    table = run("status")
    assert table.exit_code == 1
    assert re.search(r"✗ missing-file\s+.*nowhere\.env", table.stdout)
    assert "3 stores: 1 ok, 2 failed" in table.stdout


def test_fail_fast_stops_after_the_first_failure(tmp_path: Path) -> None:
    make_store(tmp_path, "good", {})
    fleet_file(
        tmp_path,
        '[[store]]\nname = "bad"\nenv_files = ["nowhere.env"]\n\n'
        '[[store]]\nname = "good"\nproject = "good"\n',
    )
    result = run("status", "--fail-fast", "-f", "json")
    assert result.exit_code == 1
    good = result.json()["stores"][1]
    assert good["ok"] is False and "--fail-fast" in good["problems"][0]["message"]
    assert good["checked"] is False  # never started: not checked, not failed
    summary = result.json()["summary"]
    assert (summary["ok"], summary["failed"], summary["not_checked"]) == (0, 1, 1)
    table = run("status", "--fail-fast", "-v")
    assert "2 stores: 0 ok, 1 failed, 1 not checked" in table.stdout
    assert "store store:" not in table.stdout
    assert "\n  ✗ store bad\n" in table.stdout and "\n  – store good  " in table.stdout
    assert re.search(r"– good \(development\) · not checked: --fail-fast", table.stdout)
    junit = run("doctor", "--fail-fast", "-f", "junit")
    assert re.search(
        r'<testsuite name="good" tests="1" failures="0" [^>]*skipped="1"', junit.stdout
    )


def test_fail_fast_keeps_the_result_of_a_store_that_finished(tmp_path: Path) -> None:
    """With one job the stores run in order: the one before the failure keeps its result, and
    the one after is either not checked or (if it finished meanwhile) keeps its own."""
    for name, env in (("first", {}), ("bad", {"STRIPE_API_KEY": "pk_test_abc"}), ("second", {})):
        make_store(tmp_path, name, env)
    fleet_file(
        tmp_path,
        "".join(
            f'[[store]]\nname = "{n}"\nproject = "{n}"\n\n' for n in ("first", "bad", "second")
        ),
    )
    data = run("status", "--fail-fast", "--jobs", "1", "-f", "json").json()
    first, bad, second = data["stores"]
    assert (first["ok"], first["checked"], first["problems"]) == (True, True, [])
    assert (bad["ok"], bad["checked"]) == (False, True)
    assert not second["checked"] or (second["ok"] and not second["problems"])


@pytest.mark.parametrize("name", ["shop\\n", "shop\\r\\n", "shop\\u2028", " shop"])
def test_a_store_name_is_checked_whole(tmp_path: Path, name: str) -> None:
    make_store(tmp_path, "shop", {})
    path = fleet_file(tmp_path, f'[[store]]\nname = "{name}"\nproject = "shop"\n')
    result = run("status", "--fleet", str(path))
    assert result.exit_code == 2, result.stdout
    assert f"{path}:2: every [[store]] needs a name" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_deeply_nested_fleet_file_is_a_usage_error(tmp_path: Path) -> None:
    make_store(tmp_path, "shop", {})
    nested = "[" * 3000 + "]" * 3000
    path = fleet_file(tmp_path, f'[[store]]\nname = "shop"\nproject = "shop"\ntags = {nested}\n')
    result = run("status", "--fleet", str(path))
    assert result.exit_code == 2
    assert f"{path}: not valid TOML: nested too deeply to read" in result.stderr
    assert "internal error" not in result.stderr and "RecursionError" not in result.stderr


# --- mutations refuse a fleet ---------------------------------------------------------------


def test_webhooks_register_refuses_a_fleet_without_dry_run(tmp_path: Path) -> None:
    three_stores(tmp_path)
    result = run("webhooks", "register", "--yes")
    assert result.exit_code == 2
    assert "refuses to run over 3 stores" in result.stderr and "--dry-run" in result.stderr


def test_webhooks_register_dry_run_over_a_fleet(
    tmp_path: Path, stripe_server: StripeServer
) -> None:
    for name in ("a", "b"):
        make_store(
            tmp_path,
            name,
            {
                "STRIPE_API_KEY": TEST_KEY,
                "STRIPE_API_BASE": stripe_server.url,
                "STRIPE_WEBHOOK_URL": f"https://{name}.example.com/hooks/payment/stripe_stripe",
            },
        )
    result = run("webhooks", "register", "--dry-run", "--force", "-p", "a", "-p", "b", "-f", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    stores = result.json()["stores"]
    assert [s["report"]["url"] for s in stores] == [
        "https://a.example.com/hooks/payment/stripe_stripe",
        "https://b.example.com/hooks/payment/stripe_stripe",
    ]
    assert all(s["report"]["dry_run"] for s in stores)
    assert stripe_server.state.endpoints == {} or not any(stripe_server.state.endpoints.values())


def test_regions_list_over_a_fleet(tmp_path: Path, medusa_server: MedusaServer) -> None:
    env = {"MEDUSA_BACKEND_URL": medusa_server.url, "MEDUSA_ADMIN_API_KEY": API_KEY}
    make_store(tmp_path, "a", env)
    make_store(tmp_path, "b", env)
    result = run("regions", "list", "-p", "a", "-p", "b")
    assert result.exit_code == 0, result.stderr
    assert re.search(r"✓ a .*2 regions, 0 with Stripe", result.stdout)
    data = run("regions", "list", "-p", "a", "-p", "b", "-f", "json").json()
    assert len(data["stores"][1]["report"]["regions"]) == 2


# --- doctor over a fleet: isolation, sharing, formats, secrets ------------------------------


@pytest.fixture
def blackhole() -> Iterator[hostile.Peer]:
    with hostile.silent() as peer:
        yield peer


def isolation_fleet(
    root: Path, redis: RedisServers, stripe: StripeServer, blackhole: hostile.Peer
) -> None:
    shared_redis = redis.url()
    make_store(root, "one", {"REDIS_URL": shared_redis})
    make_store(root, "two", {"REDIS_URL": shared_redis})
    make_store(root, "expired", {"STRIPE_API_KEY": EXPIRED_KEY, "STRIPE_API_BASE": stripe.url})
    make_store(root, "blackholed", {"MEDUSA_BACKEND_URL": blackhole.url})
    fleet_file(
        root,
        "".join(
            f'[[store]]\nname = "{n}"\nproject = "{n}"\n\n'
            for n in ("one", "two", "expired", "blackholed")
        )
        + '[[store]]\nname = "broken"\nenv_files = ["broken.env"]\n',
    )
    (root / "broken.env").mkdir()  # a folder where a file should be: unreadable


@pytest.mark.servers
def test_failure_isolation_and_shared_probes(
    tmp_path: Path,
    redis_servers: RedisServers,
    stripe_server: StripeServer,
    blackhole: hostile.Peer,
) -> None:
    isolation_fleet(tmp_path, redis_servers, stripe_server, blackhole)
    result = run("doctor", "--timeout", "1", "--jobs", "2", "-f", "json")
    assert result.exit_code == 1
    data = result.json()
    stores = {s["name"]: s for s in data["stores"]}
    for name in ("one", "two"):
        assert stores[name]["ok"] is True, stores[name]
        redis_checks = [c for c in stores[name]["report"]["checks"] if c["provider"] == "redis"]
        assert redis_checks and all(c["status"] == "ok" for c in redis_checks)
    assert data["summary"]["shared_probes"] == 1  # one Redis URL, probed once
    expired = [c for c in stores["expired"]["report"]["checks"] if c["status"] == "fail"]
    assert any(c["stage"] == "AUTH" for c in expired)
    holed = [c for c in stores["blackholed"]["report"]["checks"] if c["status"] == "fail"]
    assert any(c["stage"] == "TIMEOUT" for c in holed)
    assert stores["broken"]["report"] is None and stores["broken"]["problems"]
    assert data["summary"]["duration_ms"] <= math.ceil(5 / 2) * (1 + 1) * 1000


@pytest.mark.servers
def test_junit_and_github_one_suite_and_one_row_per_store(
    tmp_path: Path,
    redis_servers: RedisServers,
    stripe_server: StripeServer,
    blackhole: hostile.Peer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    isolation_fleet(tmp_path, redis_servers, stripe_server, blackhole)
    junit = run("doctor", "--timeout", "1", "-f", "junit")
    assert junit.exit_code == 1
    suites = ET.fromstring(junit.stdout).findall("testsuite")
    assert [s.get("name") for s in suites] == ["one", "two", "expired", "blackholed", "broken"]
    assert suites[4].get("failures") == "1"
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    github = run("doctor", "--timeout", "1", "-f", "github")
    assert github.exit_code == 1
    errors = [line for line in github.stdout.splitlines() if line.startswith("::error")]
    assert errors and all(
        re.match(r"::error title=(expired|blackholed|broken)%3A ", e) for e in errors
    )
    assert any("::expired: " in e for e in errors)
    rows = [line for line in summary.read_text().splitlines() if line.startswith("| ")][1:]
    assert [row.split("|")[2].strip() for row in rows] == [
        "one",
        "two",
        "expired",
        "blackholed",
        "broken",
    ]


# --- one redactor for the run: canaries of three stores, every format ----------------------

CANARIES = {
    "a": {
        "SMTP_PASS": "CNRYfleet-smtp-aaaa1111",
        "STRIPE_API_KEY": "sk_test_CNRYfleetAAAA0000000001",
    },
    "b": {
        "S3_SECRET_ACCESS_KEY": "CNRYfleet-s3-bbbb2222",
        "STRIPE_API_KEY": "sk_test_CNRYfleetBBBB0000000002",
    },
    "c": {
        "REDIS_URL": "redis://:CNRYfleet-redis-cccc3333@127.0.0.1:{port}/0",
        "STRIPE_API_KEY": "sk_test_CNRYfleetCCCC0000000003",
    },
}


def canary_fleet(root: Path, port: int) -> list[str]:
    """Three stores, each holding the others' secrets in a place that gets printed."""
    secrets = []
    for name, values in CANARIES.items():
        env = {k: v.format(port=port) for k, v in values.items()}
        secrets += [
            v.split(":")[2].split("@")[0] if k == "REDIS_URL" else v for k, v in env.items()
        ]
        env.update(
            {
                "STRIPE_API_BASE": f"http://127.0.0.1:{port}",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_USER": "shop",
                "S3_BUCKET": "shop",
                "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": "AKIAFLEET",
                "S3_ENDPOINT": f"http://127.0.0.1:{port}",
                "S3_FILE_URL": f"http://127.0.0.1:{port}/shop",
                "REDIS_URL": env.get("REDIS_URL", f"redis://127.0.0.1:{port}"),
            }
        )
        # a secret of another store leaks into a value that is shown: SMTP_FROM, a URL path
        others = [v for n, vals in CANARIES.items() if n != name for v in vals.values()]
        env["SMTP_FROM"] = f"{others[0]} <shop@example.com>"
        make_store(root, name, env)
    return secrets


@pytest.mark.parametrize(
    ("command", "fmt"),
    [
        ("status", "table"),
        ("status", "json"),
        ("doctor", "table"),
        ("doctor", "json"),
        ("doctor", "junit"),
        ("doctor", "github"),
    ],
)
def test_no_store_secret_appears_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, fmt: str
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with hostile.refuse() as closed:
        secrets = canary_fleet(tmp_path, closed.port)
        args = [command, "-p", "a", "-p", "b", "-p", "c", "-f", fmt, "-v"]
        if command == "doctor":
            args += ["--timeout", "2"]
        result = run(*args)
    assert result.exit_code == 1
    text = result.stdout + result.stderr + (summary.read_text() if summary.exists() else "")
    for secret in secrets:
        assert secret not in text, (secret, fmt)
    assert re.search(r"CNRYfleet-", text) is None
    if command == "status":
        # each store shows another store's secret inside its SMTP_FROM: masked there, so the
        # test fails if the run's redactor knew only the store being rendered
        assert text.count("**** <shop@example.com>") == 3
