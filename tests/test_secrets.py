"""The canary test: a distinct canary in every secret variable never reaches any output."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.certs import Certs
from testing.medusa_server import MedusaServer
from testing.redis_server import RedisServers
from testing.s3_server import S3Servers
from testing.smtp_server import SmtpServers
from testing.stripe_server import StripeServer
from tests.conftest import run, write

CANARIES = {
    "STRIPE_API_KEY": "sk_live_CNRYstripeapikey0001",
    "STRIPE_WEBHOOK_SECRET": "whsec_CNRYwebhooksecret0002",
    "S3_SECRET_ACCESS_KEY": "CNRYs3secretaccesskey0003",
    "SMTP_PASS": "CNRYsmtppass0004",
    "REDIS_URL": "redis://:CNRYredispass0005@redis.example.com:6379",
    "CACHE_REDIS_URL": "redis://cache:CNRYcachepass0006@cache.example.com:6379",
    "LOCKING_REDIS_URL": "rediss://:CNRY%2Flockpass0007@lock.example.com:6380",
    "MEDUSA_ADMIN_PASSWORD": "CNRYadminpassword0008",
    "MEDUSA_ADMIN_API_KEY": "sk_CNRYadminapikey0009",
}
# The part of each canary that must never be printed (keys may show prefix and last four).
NEEDLES = [
    "CNRYstripeapikey",
    "CNRYwebhooksecret",
    "CNRYs3secretaccesskey",
    "CNRYsmtppass",
    "CNRYredispass",
    "CNRYcachepass",
    "CNRY%2Flockpass",
    "CNRY/lockpass",
    "CNRYadminpassword",
    "CNRYadminapikey",
]


def _backend(extra: str = "") -> str:
    lines = [f"{name}={value}" for name, value in CANARIES.items()]
    lines += [
        "S3_BUCKET=shop",
        "SMTP_HOST=smtp.example.com",
        "SMTP_USER=u",
        "MEDUSA_BACKEND_URL=http://localhost:9000",
        "MEDUSA_ADMIN_EMAIL=admin@example.com",
        # shadowed duplicate: the first value is not effective but is still a secret
        "SMTP_PASS=CNRYsmtppass0004-older",
        "SMTP_PASS=CNRYsmtppass0004",
    ]
    return "\n".join(lines) + "\n" + extra


def _assert_clean(*texts: str) -> None:
    for text in texts:
        for needle in NEEDLES:
            assert needle not in text


@pytest.fixture
def leaky_store(store: Path) -> Path:
    # Leaks on purpose: secrets in NEXT_PUBLIC_ vars, a readable file, a live/test mix.
    write(store / "backend/.env", _backend(), mode=0o644)
    write(
        store / "storefront/.env.local",
        f"NEXT_PUBLIC_STRIPE_KEY={CANARIES['STRIPE_API_KEY']}\n"
        f"NEXT_PUBLIC_SMTP={CANARIES['SMTP_PASS']}\n"
        f"NEXT_PUBLIC_REDIS={CANARIES['REDIS_URL']}\n",
    )
    return store


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("strict", [False, True])
def test_status_never_prints_a_canary(leaky_store: Path, fmt: str, strict: bool) -> None:
    args = ["status", "--project", str(leaky_store), "--format", fmt]
    result = run(*args, *(["--strict"] if strict else []))
    assert result.exit_code == 1  # the leaks are lint errors
    assert "env.next-public-secret" in result.stdout
    assert "sk_live_…0001" in result.stdout
    _assert_clean(result.stdout, result.stderr)


def test_canaries_from_the_process_environment(store: Path) -> None:
    env = dict(CANARIES, S3_BUCKET="shop", SMTP_HOST="h", MEDUSA_BACKEND_URL="http://x")
    result = run("status", "--project", str(store), "-f", "json", env=env)
    _assert_clean(result.stdout, result.stderr)
    assert "redis://:****@redis.example.com:6379" in result.stdout


@pytest.mark.parametrize("debug", [False, True])
def test_error_paths_never_print_a_canary(leaky_store: Path, debug: bool) -> None:
    env = {"STORECTL_DEBUG": "1"} if debug else {}
    result = run(
        "status",
        "--env-file",
        str(leaky_store / "backend/.env"),
        "--env-file",
        str(leaky_store / "missing.env"),
        env=env,
    )
    assert result.exit_code == 2
    _assert_clean(result.stdout, result.stderr)


def test_internal_error_messages_are_scrubbed(
    leaky_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash whose message echoes a URL with a password still prints no password."""
    from storectl.providers import lint

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(
            f"cannot connect to {CANARIES['REDIS_URL']} with {CANARIES['SMTP_PASS']}"
        )

    monkeypatch.setattr(lint, "run", explode)
    for env in ({}, {"STORECTL_DEBUG": "1"}):
        result = run("status", "--project", str(leaky_store), env=env)
        assert result.exit_code == 1
        assert "internal error: RuntimeError" in result.stderr
        assert ("Traceback" in result.stderr) is bool(env)
        _assert_clean(result.stdout, result.stderr)


COMMANDS: list[tuple[list[str], list[str]]] = [
    (["status"], ["table", "json"]),
    (["env"], ["table", "json"]),
    (["env", "--storefront"], ["table", "json"]),
    (["doctor", "--timeout", "3"], ["table", "json", "junit", "github"]),
    (["webhooks", "url"], ["table", "json"]),
    (["webhooks", "list"], ["table", "json"]),
    (["webhooks", "register", "--yes", "--force"], ["table", "json"]),
    (["webhooks", "register", "--rotate", "--yes", "--force"], ["table", "json"]),
    (["webhooks", "test"], ["table", "json"]),
    (["webhooks", "test", "--event", "all", "--yes"], ["table", "json"]),
    (["payments", "--timeout", "5"], ["table", "json"]),
    (["regions", "list"], ["table", "json"]),
    (["regions", "enable-stripe", "--all", "--yes"], ["table", "json"]),
    (["regions", "disable-stripe", "--all", "--yes", "--force"], ["table", "json"]),
    (["mail", "templates"], ["table", "json"]),
    (["mail", "test", "--to", "qa@example.com"], ["table", "json"]),
    (["mail", "preview", "order.placed", "--sample"], ["table", "json"]),
    (["mail", "replay", "order.placed", "--sample", "--to", "qa@example.com"], ["table", "json"]),
]
CASES = [
    (command, fmt, path)
    for command, formats in COMMANDS
    for fmt in formats
    for path in ("success", "failure")
]


@pytest.mark.parametrize(
    ("command", "fmt", "path"),
    CASES,
    ids=[f"{' '.join(c[:4])}-{f}-{p}" for c, f, p in CASES],
)
def test_no_secret_in_any_output(
    store: Path,
    tmp_path: Path,
    certs: Certs,
    redis_servers: RedisServers,
    smtp_servers: SmtpServers,
    s3_servers: S3Servers,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
    command: list[str],
    fmt: str,
    path: str,
) -> None:
    """Every command, every format, success and failure: with a distinct canary in every
    secret the peers do not check and the peers' own secrets where they do, no secret reaches
    stdout, stderr, a --output report, the GitHub step summary, or STORECTL_DEBUG=1 output."""
    from testing import medusa_server as medusa_peer
    from testing import redis_server as redis_peer
    from testing import smtp_server as smtp_peer
    from testing.stripe_server import TEST_KEY

    good = path == "success"
    stripe_key = TEST_KEY if good else CANARIES["STRIPE_API_KEY"]
    lines = {
        "STRIPE_API_KEY": stripe_key,
        "STRIPE_API_BASE": stripe_server.url,
        "STRIPE_WEBHOOK_SECRET": CANARIES["STRIPE_WEBHOOK_SECRET"],
        "STRIPE_WEBHOOK_PATH": "/hooks/payment/stripe_stripe",
        "S3_BUCKET": "shop",
        "S3_REGION": "us-east-1",
        "S3_ENDPOINT": s3_servers.open_endpoint if good else s3_servers.auth_endpoint,
        "S3_FILE_URL": f"{s3_servers.open_endpoint}/shop",
        "S3_ACCESS_KEY_ID": s3_servers.access_key,
        "S3_SECRET_ACCESS_KEY": CANARIES["S3_SECRET_ACCESS_KEY"],
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_servers.starttls),
        "SMTP_USER": smtp_peer.USER,
        "SMTP_PASS": smtp_peer.PASSWORD if good else CANARIES["SMTP_PASS"],
        "SMTP_FROM": "Shop <orders@example.com>",
        "REDIS_URL": redis_servers.url(redis_peer.PASSWORD if good else "CNRYredispass0005"),
        "CACHE_REDIS_URL": CANARIES["CACHE_REDIS_URL"].replace(
            "cache.example.com:6379", f"127.0.0.1:{redis_servers.port}"
        ),
        "MEDUSA_BACKEND_URL": medusa_server.url,
        "MEDUSA_ADMIN_API_KEY": medusa_peer.API_KEY if good else CANARIES["MEDUSA_ADMIN_API_KEY"],
        "MEDUSA_ADMIN_EMAIL": "admin@example.com",
        "MEDUSA_ADMIN_PASSWORD": CANARIES["MEDUSA_ADMIN_PASSWORD"],
    }
    write(store / "backend/.env", "".join(f"{k}={v}\n" for k, v in lines.items()))
    write(store / "storefront/.env.local", "NEXT_PUBLIC_STRIPE_KEY=pk_test_public\n")
    summary = tmp_path / "summary.md"
    env = {"SSL_CERT_FILE": str(certs.ca), "GITHUB_STEP_SUMMARY": str(summary)}
    if not good:
        env["STORECTL_DEBUG"] = "1"
    extra = ["--format", fmt, "--project", str(store)]
    report = tmp_path / "report.out"
    if command[0] == "doctor":
        extra += ["--output", str(report)]
    if command[:2] == ["mail", "preview"]:
        extra += ["--out", str(tmp_path)]
    result = run(*command, *extra, env=env)
    assert "Traceback" not in result.stdout
    texts = [result.stdout, result.stderr]
    texts += [p.read_text() for p in (report, summary) if p.exists()]
    secrets = [
        *CANARIES.values(),
        "CNRYredispass0005",
        redis_peer.PASSWORD,
        smtp_peer.PASSWORD,
        medusa_peer.API_KEY,
        medusa_peer.ADMIN_PASSWORD,
        TEST_KEY,
        s3_servers.secret_key,
        *(e["secret"] for e in stripe_server.state.endpoints.get("acct_1CNRYtest:test", [])),
    ]
    _assert_clean(*texts)
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:2000])


@pytest.mark.parametrize("password", ["true", "false", "null", "testcase", "error"])
def test_a_secret_that_spells_syntax_cannot_break_structured_output(
    store: Path, password: str
) -> None:
    """Secrets are scrubbed value by value, so JSON, JUnit XML and workflow commands stay valid."""
    import json
    from xml.etree import ElementTree as ET

    from testing.tcp import tcp_peer

    with tcp_peer("close") as port:
        pass
    write(
        store / "backend/.env",
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={port}\nSMTP_USER=u\nSMTP_PASS={password}\n"
        "SMTP_FROM=a@b.c\n",
    )
    status = run("status", "--project", str(store), "--format", "json")
    assert json.loads(status.stdout)["strict"] is False
    doctor = run("doctor", "--project", str(store), "--only", "smtp", "--format", "json")
    assert json.loads(doctor.stdout)["ok"] is False
    junit = run("doctor", "--project", str(store), "--only", "smtp", "--format", "junit")
    assert ET.fromstring(junit.stdout).find("testsuite/testcase") is not None
    github = run("doctor", "--project", str(store), "--only", "smtp", "--format", "github")
    assert github.stdout.startswith("::error title=")


# --- secrets in the forms peers echo them back in ----------------------------------------------

ECHO_SECRETS = {
    # a Basic `key:` payload, echoed in a 401 body
    "MEDUSA_ADMIN_API_KEY": "sk_CNRYechoapikey0010",
    # AUTH PLAIN / LOGIN payloads echoed in a 535; '"' and '\\' for the JSON-escaped form
    "SMTP_PASS": 'CNRY"echo\\smtp/pass0011',
    # the login body echoed JSON-escaped: a quote, a backslash, a slash and a BEL (\u0007)
    "MEDUSA_ADMIN_PASSWORD": 'CNRY"echo\\admin/pa\x07ss0012',
}


def _decoded_views(text: str) -> list[bytes]:
    """Every base64-looking run in `text`, decoded from each of the four character offsets:
    an oracle independent of storectl's own list of base64 forms."""
    import binascii
    import re
    from base64 import b64decode

    views: list[bytes] = []
    for token in re.findall(r"[A-Za-z0-9+/]{6,}", text):
        for offset in range(4):
            chunk = token[offset:]
            chunk = chunk[: len(chunk) // 4 * 4]
            try:
                views.append(b64decode(chunk))
            except (binascii.Error, ValueError):
                continue
    return views


def _assert_no_echo(texts: list[str], secrets: list[str]) -> None:
    import json
    from urllib.parse import quote, quote_plus

    for text in texts:
        views = _decoded_views(text)
        for secret in secrets:
            plain_forms = {
                secret,
                json.dumps(secret)[1:-1],
                quote(secret, safe=""),
                quote_plus(secret),
            }
            for form in plain_forms:
                assert form not in text, (form, text[:3000])
            # storectl may leave the one base64 character at each end that mixes a
            # neighbouring byte in: the rest of the secret must not decode from anything.
            core = secret.encode()[1:-1]
            assert not any(core in view for view in views), (secret, text[:3000])


ECHO_COMMANDS: list[tuple[list[str], list[str]]] = [
    (["doctor", "--timeout", "3"], ["table", "json", "junit", "github"]),
    (["regions", "list"], ["table", "json"]),
    (["mail", "test", "--to", "qa@example.com"], ["table", "json"]),
]
ECHO_CASES = [
    (command, fmt, login)
    for command, formats in ECHO_COMMANDS
    for fmt in formats
    for login in ("api-key", "password")
]


@pytest.mark.parametrize(
    ("command", "fmt", "login"),
    ECHO_CASES,
    ids=[f"{' '.join(c[:2])}-{f}-{m}" for c, f, m in ECHO_CASES],
)
def test_peers_that_echo_credentials_never_print_them(
    store: Path,
    tmp_path: Path,
    certs: Certs,
    smtp_servers: SmtpServers,
    medusa_server: MedusaServer,
    command: list[str],
    fmt: str,
    login: str,
) -> None:
    """A Medusa whose 401 quotes the Authorization header (Basic `key:` in base64, at three
    alignments) or the login body (the password JSON-escaped), and an SMTP server whose 535
    quotes the AUTH PLAIN / LOGIN data in base64: no form of a secret reaches any output."""
    from testing import smtp_server as smtp_peer

    medusa_server.state.echo = True
    smtp_servers.capture.echo_auth = True
    try:
        write(
            store / "backend/.env",
            f"MEDUSA_BACKEND_URL={medusa_server.url}\n"
            "MEDUSA_ADMIN_EMAIL=admin@example.com\n"
            f"SMTP_HOST=127.0.0.1\nSMTP_PORT={smtp_servers.starttls}\n"
            f"SMTP_USER={smtp_peer.USER}\nSMTP_FROM=Shop <orders@example.com>\n",
        )
        secrets = dict(ECHO_SECRETS)
        if login == "password":
            del secrets["MEDUSA_ADMIN_API_KEY"]
        summary, report = tmp_path / "summary.md", tmp_path / "report.out"
        env = {"SSL_CERT_FILE": str(certs.ca), "GITHUB_STEP_SUMMARY": str(summary), **secrets}
        extra = ["--format", fmt, "--project", str(store)]
        if command[0] == "doctor":
            extra += ["--output", str(report), "--only", "medusa,smtp"]
        result = run(*command, *extra, env=env)
    finally:
        medusa_server.state.echo = False
        smtp_servers.capture.echo_auth = False
    assert result.exit_code == 1, (result.stdout, result.stderr)
    texts = [result.stdout, result.stderr]
    texts += [p.read_text() for p in (report, summary) if p.exists()]
    everything = "\n".join(texts)
    # the peers did echo: their refusals reached the output, scrubbed
    if command[0] in ("doctor", "mail"):
        assert "bad auth" in everything
    if command[0] in ("doctor", "regions"):
        assert ("Unauthorized" if login == "api-key" else "Invalid email or password") in everything
    _assert_no_echo(texts, list(secrets.values()))


# --- malformed URLs and odd digits ------------------------------------------------------------

MALFORMED = [
    (":CNRYmalformed0013@redis.example.com:6379", "no scheme://"),
    ("redis:/:CNRYmalformed0013@redis.example.com:6379", "one slash"),
    ("redis://:CNRY/malformed0013@127.0.0.1:6379", "'/', '#' or '?'"),
    # Medusa's dotenv cuts an unquoted value at '#': it reads `redis://:CNRY`, whose cut
    # password must stay masked too (it has no '@' left to show where it ends)
    ("redis://:CNRY#malformed0013@127.0.0.1:6379", "stops at '#'"),
    ("redis://:CNRY?malformed0013@127.0.0.1:6379", "'/', '#' or '?'"),
    ("redis://:CNRYmal:formed0013@127.0.0.1:٦٣٧٩", "ASCII digits"),
    ("redis://:CNRY[malformed0013@127.0.0.1:6379", "unbalanced"),  # found by hypothesis
]


@pytest.mark.parametrize(("url", "reason"), MALFORMED)
@pytest.mark.parametrize("fmt", ["table", "json", "junit", "github"])
def test_malformed_redis_urls_are_unparseable_and_never_printed(
    store: Path, url: str, reason: str, fmt: str
) -> None:
    """status and doctor: the finding names the variable and why, and no part of the password
    is printed, not even the prefix redis-py would quote (`Port could not be cast ... 'CNRY'`)."""
    write(store / "backend/.env", f"REDIS_URL={url}\n")
    results = [run("doctor", "--project", str(store), "--format", fmt, "--timeout", "2")]
    if fmt in ("table", "json"):
        results.append(run("status", "--project", str(store), "--format", fmt))
    for result in results:
        assert result.exit_code == 1, result.stdout
        assert "redis.url-unparseable" in result.stdout or "url-unparseable" in result.stdout
        assert reason in result.stdout
        for fragment in ("CNRY", "malformed0013", "formed0013"):
            assert fragment not in result.stdout + result.stderr, (fragment, result.stdout)
        assert "could not be cast" not in result.stdout


@pytest.mark.parametrize("port", ["²", "٥١٣٧٢", "５８７"])
def test_non_ascii_digit_ports_are_findings_not_crashes_or_other_ports(
    store: Path, port: str
) -> None:
    """`SMTP_PORT=²` crashed status, doctor and mail test (int('²') raises after isdigit() said
    yes); `٥١٣٧٢` was read as port 51372. Both are a lint error and no connection is tried."""
    write(
        store / "backend/.env",
        f"SMTP_HOST=127.0.0.1\nSMTP_PORT={port}\nSMTP_FROM=orders@example.com\n",
    )
    status = run("status", "--project", str(store), "--format", "json")
    assert status.exit_code == 1
    codes = [f["code"] for f in status.json()["findings"]]
    assert "smtp.port-not-ascii" in codes
    doctor = run("doctor", "--project", str(store), "--format", "json", "--only", "smtp")
    assert doctor.exit_code == 1
    assert "internal error" not in doctor.stderr
    stages = {c.get("stage") for c in doctor.json()["checks"] if c["provider"] == "smtp"}
    assert stages == {"CONFIG"}
    mail = run("mail", "test", "--to", "qa@example.com", "--project", str(store))
    assert mail.exit_code in (1, 2)
    assert "internal error" not in mail.stderr and "Traceback" not in mail.stderr
    assert "SMTP_PORT" in mail.stderr


def test_a_unicode_digit_port_in_the_backend_url_is_never_dialled(store: Path) -> None:
    """httpx reads `http://127.0.0.1:٩٠٠٠` as port 9000: storectl refuses the URL instead."""
    write(store / "backend/.env", "MEDUSA_BACKEND_URL=http://127.0.0.1:٩٠٠٠\n")
    status = run("status", "--project", str(store), "--format", "json")
    assert "medusa.url-unparseable" in [f["code"] for f in status.json()["findings"]]
    regions = run("regions", "list", "--project", str(store))
    assert regions.exit_code in (1, 2)
    assert "not a usable http(s) URL" in regions.stderr
