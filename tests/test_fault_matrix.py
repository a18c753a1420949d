"""One fault matrix: every command that talks to a service, against every fault.

Each cell asserts the exit code, the stage, that a hint is given, that the command ends within
--timeout + 1 s, and that nothing was written when it failed. The run writes the matrix to
docs/fault-matrix.md (generated, never typed).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from storectl.output import sanitize
from storectl.providers.base import Provider
from storectl.providers.registry import PROVIDERS
from testing.certs import Certs
from testing.docs import assert_current
from testing.hostile_text import PAYLOAD, forged, forged_markdown
from testing.medusa_server import API_KEY, PUBLISHABLE_KEY, MedusaServer
from testing.procs import http_server
from testing.redis_server import RedisServers
from testing.s3_server import BUCKET, REGION, S3Servers
from testing.smtp_server import SmtpServers
from testing.stripe_server import TEST_KEY, StripeServer
from testing.tcp import tcp_peer
from testing.tlsproxy import tls_proxy
from tests.conftest import REPO, Result, run, write

TIMEOUT = 2.0
ORDER = "order_01M8AXT4YN42ZN2E4VDJG459CX"

TRANSPORT = ["refused", "silent", "close", "tls-to-plain", "plain-to-tls", "untrusted-cert"]
#: forged-text: a 500 whose message tries to forge output (testing/hostile_text.py); every
#: cell asserts inert output, and test_forged_text_in_every_format the other formats.
HTTP = ["401", "403", "404", "429-then-ok", "500", "html-body", "truncated-json", "forged-text"]
FAULTS = TRANSPORT + HTTP

#: Providers whose peers and env this file knows in detail; any other provider in the registry
#: gets a row from its declared Endpoint (the transport faults that need no healthy peer).
BESPOKE = ("stripe", "s3", "smtp", "redis", "medusa", "storefront")
GENERIC: dict[str, Provider] = {
    p.name: p for p in PROVIDERS if p.probe is not None and p.name not in BESPOKE and p.endpoint
}
#: Providers that ride on another's peer (the catalogue on the backend, the queues on
#: REDIS_URL): their rows are written out below, pointed at that peer.
RIDERS = {"catalog": "medusa", "workers": "redis"}
ROWS = [
    *(f"doctor {p.name}" for p in PROVIDERS if p.probe is not None and p.name not in RIDERS),
    *(f"doctor {name}" for name in RIDERS),
    "catalog",
    "webhooks register",
    "webhooks test",
    "regions enable-stripe",
    "mail test",
    "mail replay",
    "payments",
    "webhooks test --event",
]
PROTOCOL_OF = {
    "doctor stripe": "stripe",
    "doctor s3": "s3",
    "doctor smtp": "smtp",
    "doctor redis": "redis",
    "doctor medusa": "medusa",
    "doctor storefront": "storefront",
    "webhooks register": "stripe",
    "webhooks test": "hook",
    "regions enable-stripe": "medusa",
    "mail test": "smtp",
    "mail replay": "smtp",
    "payments": "stripe",
    "webhooks test --event": "hook",
    **{f"doctor {name}": name for name in GENERIC},
    **{f"doctor {name}": peer for name, peer in RIDERS.items()},
    "catalog": "medusa",
}
#: For HTTP faults, the HTTP service a row talks to (mail replay reads orders from Medusa).
HTTP_SIDE = {**PROTOCOL_OF, "mail replay": "medusa"}

# (exit code, stage) per cell; a string is why the cell does not apply.
Expect = tuple[int, str | None] | str
NOT_HTTP = "speaks no HTTP"
EXPECTED: dict[tuple[str, str], Expect] = {}
for row in ROWS:
    proto = PROTOCOL_OF[row]
    EXPECTED[(row, "refused")] = (1, "CONNECT")
    EXPECTED[(row, "silent")] = (1, "TIMEOUT")
    EXPECTED[(row, "close")] = (1, "PROTOCOL")
    EXPECTED[(row, "tls-to-plain")] = (1, "TLS")
    EXPECTED[(row, "plain-to-tls")] = (1, "TLS" if proto == "smtp" else "PROTOCOL")
    EXPECTED[(row, "untrusted-cert")] = (1, "TLS")
    side = HTTP_SIDE[row]
    if side in ("smtp", "redis"):
        for fault in HTTP:
            EXPECTED[(row, fault)] = NOT_HTTP
        continue
    EXPECTED[(row, "401")] = (1, "AUTH")
    EXPECTED[(row, "403")] = (1, "PERMISSION")
    EXPECTED[(row, "404")] = (1, "NOT_FOUND")
    EXPECTED[(row, "429-then-ok")] = (0, None)
    EXPECTED[(row, "500")] = (1, "PROTOCOL")
    EXPECTED[(row, "forged-text")] = (1, "PROTOCOL")
    EXPECTED[(row, "html-body")] = (1, "PROTOCOL")
    EXPECTED[(row, "truncated-json")] = (1, "PROTOCOL")
NO_PEER = "the matrix knows no healthy peer of this provider (declared by its Endpoint only)"
for name in GENERIC:
    for fault in ("tls-to-plain", "plain-to-tls", "untrusted-cert"):
        EXPECTED[(f"doctor {name}", fault)] = NO_PEER
    for fault in HTTP:
        EXPECTED[(f"doctor {name}", fault)] = NO_PEER
# Where the service's own rules differ:
EXPECTED[("doctor medusa", "403")] = (1, "PROTOCOL")  # GET /health answered 403: not Medusa's
EXPECTED[("doctor medusa", "404")] = (1, "PROTOCOL")  # GET /health answered 404
EXPECTED[("doctor medusa", "401")] = (1, "PROTOCOL")  # /health needs no auth: 401 is not Medusa
# The storefront's first call is the backend's /health too: the same rules.
EXPECTED[("doctor storefront", "403")] = (1, "PROTOCOL")
EXPECTED[("doctor storefront", "404")] = (1, "PROTOCOL")
EXPECTED[("doctor storefront", "401")] = (1, "PROTOCOL")
EXPECTED[("webhooks test", "429-then-ok")] = (1, "PROTOCOL")  # a delivery is not retried
EXPECTED[("webhooks test", "403")] = (1, "AUTH")  # the route wants credentials Stripe lacks
EXPECTED[("webhooks test", "html-body")] = (
    "the webhook route answers plain text; any 2xx body is fine"
)
EXPECTED[("webhooks test", "truncated-json")] = "the webhook route's body is not read"
for _fault in ("429-then-ok", "403", "html-body", "truncated-json"):
    EXPECTED[("webhooks test --event", _fault)] = EXPECTED[("webhooks test", _fault)]
EXPECTED[("doctor s3", "401")] = "S3 answers 403, never 401"
EXPECTED[("doctor s3", "429-then-ok")] = "S3 throttles with 503 SlowDown; doctor does not retry"
EXPECTED[("doctor s3", "html-body")] = "HeadBucket and PutObject answers have no body to misparse"
EXPECTED[("doctor s3", "truncated-json")] = "S3 speaks XML, not JSON"

RESULTS: dict[tuple[str, str], str] = {}


@dataclass
class Peers:
    certs: Certs
    redis: RedisServers
    smtp: SmtpServers
    s3: S3Servers
    stripe: StripeServer
    medusa: MedusaServer


@pytest.fixture
def peers(
    certs: Certs,
    redis_servers: RedisServers,
    smtp_servers: SmtpServers,
    s3_servers: S3Servers,
    stripe_server: StripeServer,
    medusa_server: MedusaServer,
) -> Peers:
    return Peers(certs, redis_servers, smtp_servers, s3_servers, stripe_server, medusa_server)


def _healthy_port(peers: Peers, proto: str) -> int:
    """The plain (no TLS) port of the real service for a protocol."""
    url = {
        "stripe": peers.stripe.url,
        "medusa": peers.medusa.url,
        "storefront": peers.medusa.url,
        "hook": peers.medusa.url,
        "s3": peers.s3.open_endpoint,
    }.get(proto)
    if url is not None:
        return int(url.rsplit(":", 1)[1])
    return peers.smtp.plain if proto == "smtp" else peers.redis.lru_port


@contextmanager
def transport_target(peers: Peers, proto: str, fault: str) -> Iterator[tuple[int, bool]]:
    """(port, client speaks TLS) for a transport fault."""
    certs = peers.certs
    with ExitStack() as stack:
        if fault == "refused":
            with tcp_peer("close") as port:
                pass
            yield port, False
        elif fault in ("silent", "close"):
            yield stack.enter_context(tcp_peer(fault)), False
        elif fault == "tls-to-plain":
            yield _healthy_port(peers, proto), True
        elif fault == "plain-to-tls":
            port = stack.enter_context(
                tls_proxy(_healthy_port(peers, proto), str(certs.cert), str(certs.key))
            )
            yield port, False
        else:  # untrusted-cert
            port = stack.enter_context(
                tls_proxy(_healthy_port(peers, proto), str(certs.rogue_cert), str(certs.rogue_key))
            )
            yield port, True


def _base_env(peers: Peers) -> dict[str, str]:
    return {"SSL_CERT_FILE": str(peers.certs.ca)}


def _http_url(port: int, tls: bool) -> str:
    return f"{'https' if tls else 'http'}://127.0.0.1:{port}"


def row_env(
    row: str, peers: Peers, port: int | None, tls: bool
) -> tuple[list[str], dict[str, str]]:
    """argv and env for a row; `port`/`tls` point the row's service at the fault (None: healthy)."""
    env = _base_env(peers)
    proto = PROTOCOL_OF[row]
    t = str(TIMEOUT)
    if proto in GENERIC:
        provider = GENERIC[proto]
        assert provider.endpoint is not None and port is not None
        env[provider.activation] = "matrix"  # overwritten below when it is the endpoint var
        env[provider.endpoint.var] = provider.endpoint.address("127.0.0.1", port, tls)
        return ["doctor", "--only", proto, "-f", "json", "--timeout", t], env
    if proto in ("stripe",):
        hook = "https://shop.example.com/hooks/payment/stripe_stripe"
        if not peers.stripe.state.endpoints.get("acct_1CNRYtest:test"):
            peers.stripe.state.seed(hook)
        env["NEXT_PUBLIC_STRIPE_KEY"] = "pk_test_matrix"
        env["STRIPE_API_KEY"] = TEST_KEY
        env["STRIPE_API_BASE"] = _http_url(port, tls) if port else peers.stripe.url
        env["STRIPE_WEBHOOK_URL"] = "https://shop.example.com/hooks/payment/stripe_stripe"
        env["STRIPE_WEBHOOK_SECRET"] = "whsec_matrix"
    if proto == "s3":
        endpoint = _http_url(port, tls) if port else peers.s3.open_endpoint
        env.update(
            S3_BUCKET=BUCKET,
            S3_REGION=REGION,
            S3_ENDPOINT=endpoint,
            S3_FILE_URL=f"{peers.s3.open_endpoint}/{BUCKET}",
            S3_ACCESS_KEY_ID="AKIAOPEN",
            S3_SECRET_ACCESS_KEY="open-secret",
        )
    if proto == "smtp":
        env.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(port or peers.smtp.plain),
            SMTP_SECURE="true" if tls else "false",
            SMTP_FROM="Shop <orders@example.com>",
        )
    if proto == "redis":
        env["REDIS_URL"] = (
            f"{'rediss' if tls else 'redis'}://127.0.0.1:{port or peers.redis.lru_port}"
        )
    if proto in ("medusa",) or row in ("mail replay", "payments"):
        env["MEDUSA_BACKEND_URL"] = (
            _http_url(port, tls) if port and proto == "medusa" else peers.medusa.url
        )
        env["MEDUSA_ADMIN_API_KEY"] = API_KEY
    if row in ("catalog", "doctor catalog"):  # the store API on the same backend
        env["NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY"] = PUBLISHABLE_KEY
    if proto == "storefront":
        env["NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY"] = PUBLISHABLE_KEY
        env["NEXT_PUBLIC_MEDUSA_BACKEND_URL"] = _http_url(port, tls) if port else peers.medusa.url
    if proto == "hook":
        env["STRIPE_WEBHOOK_URL"] = (
            _http_url(port, tls) if port else peers.medusa.url
        ) + "/hooks/payment/stripe_stripe"
        env["STRIPE_WEBHOOK_SECRET"] = "whsec_matrix"
    argv = {
        "doctor stripe": ["doctor", "--only", "stripe", "-f", "json"],
        "doctor s3": ["doctor", "--only", "s3", "-f", "json"],
        "doctor smtp": ["doctor", "--only", "smtp", "-f", "json"],
        "doctor redis": ["doctor", "--only", "redis", "-f", "json"],
        "doctor medusa": ["doctor", "--only", "medusa", "-f", "json"],
        "doctor storefront": ["doctor", "--only", "storefront", "-f", "json"],
        "doctor catalog": ["doctor", "--only", "catalog", "-f", "json"],
        "doctor workers": ["doctor", "--only", "workers", "-f", "json"],
        "catalog": ["catalog", "-f", "json"],
        "webhooks register": ["webhooks", "register", "--yes", "-f", "json"],
        "webhooks test": ["webhooks", "test", "-f", "json"],
        "regions enable-stripe": ["regions", "enable-stripe", "--all", "--yes", "-f", "json"],
        "mail test": ["mail", "test", "--to", "qa@example.com", "-f", "json"],
        "mail replay": ["mail", "replay", "order.placed", "--to", "qa@example.com", "-f", "json"],
        "payments": ["payments", "-f", "json"],
        "webhooks test --event": ["webhooks", "test", "--event", "all", "-f", "json"],
    }[row]
    if row == "mail replay":
        argv += (
            ["--order", ORDER]
            if port is None or HTTP_SIDE[row] == "medusa" and proto != "smtp"
            else ["--sample"]
        )
    return [*argv, "--timeout", t], env


# --- HTTP faults --------------------------------------------------------------------------------

_JSON = "application/json"
STRIPE_BODIES = {
    "401": (
        401,
        {
            "error": {
                "type": "invalid_request_error",
                "message": "Invalid API Key provided: sk_test_****0001",
            }
        },
    ),
    "403": (
        403,
        {
            "error": {
                "type": "invalid_request_error",
                "message": "The provided key does not have the required permissions. Having the "
                "'rak_webhook_read' permission would allow this request to continue.",
            }
        },
    ),
    "404": (
        404,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": "No such thing",
            }
        },
    ),
    "429-then-ok": (
        429,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "rate_limit",
                "message": "Too many requests",
            }
        },
    ),
    "500": (
        500,
        {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}},
    ),
}
STRIPE_BODIES["forged-text"] = (500, {"error": {"type": "api_error", "message": PAYLOAD}})
MEDUSA_BODIES = {
    "401": (401, '{"message":"Unauthorized"}', _JSON),
    "403": (403, '{"type":"not_allowed","message":"Forbidden"}', _JSON),
    "404": (404, '{"type":"not_found","message":"Order id not found: x"}', _JSON),
    "429-then-ok": (429, '{"type":"too_many_requests","message":"Too many requests"}', _JSON),
    "500": (500, '{"type":"unknown_error","message":"An unknown error occurred."}', _JSON),
    "html-body": (200, "<!DOCTYPE html><html><body>Login</body></html>", "text/html"),
    "truncated-json": (200, '{"regions": [{"id": "reg_', _JSON),
    "forged-text": (500, json.dumps({"type": "unknown_error", "message": PAYLOAD}), _JSON),
}
#: XML carries no NUL or ESC: the line break and the rest as character references.
_XML_PAYLOAD = "shop&#10;::error title=x::INJECTED ##[add-mask]y &lt;img src=x&gt; [Click](https://phish.invalid)"
S3_BODIES = {
    "403": (403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"),
    "404": (404, "<Error><Code>NoSuchBucket</Code><Message>No such bucket</Message></Error>"),
    "500": (
        500,
        "<Error><Code>InternalError</Code><Message>Internal error.</Message></Error>",
    ),
    "forged-text": (500, f"<Error><Code>X</Code><Message>{_XML_PAYLOAD}</Message></Error>"),
}


def _s3_fault_handler(status: int, body: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            data = b"" if self.command == "HEAD" else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def http_fault(row: str, peers: Peers, fault: str) -> Iterator[int | None]:
    """Arm the fault in the row's HTTP service; yields a port to use instead, or None."""
    side = HTTP_SIDE[row]
    times = 1 if fault == "429-then-ok" else 20
    if side == "stripe":
        if fault in STRIPE_BODIES:
            status, body = STRIPE_BODIES[fault]
            peers.stripe.state.faults.extend([("/v1/", status, body)] * times)
            yield None
        else:  # html-body / truncated-json: a server that is not Stripe's API at all
            status, text, ctype = MEDUSA_BODIES[fault]
            with http_server(_raw_handler(status, text, ctype)) as url:
                yield int(url.rsplit(":", 1)[1])
    elif side in ("medusa", "hook", "storefront"):
        status, text, ctype = MEDUSA_BODIES[fault]
        prefix = "/hooks/" if side == "hook" else ("/admin/orders" if row == "mail replay" else "/")
        # "429 then ok" hits the first request only: a POST for the webhook route, else a GET
        methods = ("POST",) if side == "hook" else ("GET",) if times == 1 else ("GET", "POST")
        for method in methods:
            peers.medusa.state.faults.extend([(method, prefix, status, text, ctype)] * times)
        yield None
    else:  # s3
        status, text = S3_BODIES[fault]
        with http_server(_s3_fault_handler(status, text)) as url:
            yield int(url.rsplit(":", 1)[1])


def _raw_handler(status: int, text: str, ctype: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


# --- the matrix ---------------------------------------------------------------------------------


def observed_stage(result: Result) -> str | None:
    match = re.search(r"^stage: (\w+)$", result.stderr, flags=re.M)
    if match:
        return match.group(1)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return None
    if "checks" in data:
        failing = [
            c for c in data["checks"] if c["status"] in ("fail", "error") and "." not in c["check"]
        ]
        return failing[0]["stage"] if failing else None
    if "deliveries" in data:
        failed = [d for d in data["deliveries"] if d["status"] == "failed"]
        return failed[0]["stage"] if failed else None
    if "results" in data:  # webhooks test --event: one result per event
        bad = [r for r in data["results"] if r["status"] not in ("ok", "warn")]
        return bad[0]["stage"] if bad else None
    return data.get("stage") if data.get("status") not in ("ok", None) else None


def has_hint(result: Result) -> bool:
    if "hint: " in result.stderr:
        return True
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return False
    if "checks" in data:
        return all(c["hint"] for c in data["checks"] if c["status"] in ("fail", "error"))
    if "deliveries" in data:
        return True  # the per-order error is the backend's own message
    if "results" in data:
        return all(r["hint"] for r in data["results"] if r["status"] not in ("ok", "warn"))
    return bool(data.get("hint"))


def assert_json_on_stdout(result: Result, stage: str | None, detail: str) -> None:
    """Every cell runs with --format json: a failing command leaves a JSON document on stdout,
    its report or, when an error ended it (`Error:` on stderr), the error document."""
    data = json.loads(result.stdout)
    assert isinstance(data, dict), detail
    if "Error: " in result.stderr:
        assert data["schema_version"] == 1 and data["ok"] is False, detail
        error = data["error"]
        assert set(error) == {"message", "stage", "hint", "exit_code"}, detail
        assert error["exit_code"] == result.exit_code, detail
        assert error["stage"] == stage and error["hint"], detail
        # the same message; the human line shows a peer's text escaped (issue 20 B)
        assert f"Error: {sanitize.text(error['message'])}" in result.stderr, detail


def snapshot(peers: Peers, store: Path) -> Any:
    """What a failed command must not have changed: endpoints, regions, sent mail, env files."""
    return (
        json.dumps(peers.stripe.state.endpoints, sort_keys=True),
        json.dumps([r["payment_providers"] for r in peers.medusa.state.regions]),
        len(peers.smtp.capture.messages),
        sorted((p.name, p.read_bytes()) for p in store.rglob("*") if p.is_file()),
    )


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("row", ROWS)
def test_fault(row: str, fault: str, peers: Peers, store: Path) -> None:
    expected = EXPECTED[(row, fault)]
    if isinstance(expected, str):
        RESULTS[(row, fault)] = f"n/a: {expected}"
        return
    write(store / "backend/.env", "# matrix\n")
    proto = PROTOCOL_OF[row]
    with ExitStack() as stack:
        port: int | None
        if fault in TRANSPORT:
            port, tls = stack.enter_context(transport_target(peers, proto, fault))
        else:
            port, tls = stack.enter_context(http_fault(row, peers, fault)), False
        argv, env = row_env(row, peers, port, tls)
        before = snapshot(peers, store)
        start = time.monotonic()
        result = run(*argv, "--project", str(store), env=env)
        elapsed = time.monotonic() - start
    exit_code, stage = expected
    got = observed_stage(result)
    RESULTS[(row, fault)] = f"{result.exit_code} {got or 'ok'}"
    detail = f"{row} × {fault}\nstdout: {result.stdout[-1500:]}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, detail
    assert result.exit_code == exit_code, detail
    assert got == stage, detail
    assert elapsed < TIMEOUT + 1, detail
    assert forged(result.stdout) == [] and forged(result.stderr) == [], detail
    if exit_code:
        assert has_hint(result), detail
        assert_json_on_stdout(result, stage, detail)
        if not row.startswith("doctor"):
            assert snapshot(peers, store) == before, detail


#: The rows a peer's text reaches over HTTP, and the formats the matrix (JSON) does not run.
FORGED_CELLS = [
    (row, fmt)
    for row in ROWS
    if isinstance(EXPECTED[(row, "forged-text")], tuple)
    for fmt in (("table", "junit", "github") if row.startswith("doctor") else ("table",))
]


@pytest.mark.parametrize(("row", "fmt"), FORGED_CELLS, ids=[f"{r}-{f}" for r, f in FORGED_CELLS])
def test_forged_text_in_every_format(
    row: str, fmt: str, peers: Peers, store: Path, tmp_path: Path
) -> None:
    """A peer's error message that tries to forge output (a workflow command after a line
    break, `##[`, OSC/CSI, C1, bidi, HTML, a markdown link) stays inert in every format."""
    write(store / "backend/.env", "# matrix\n")
    summary = tmp_path / "summary.md"
    with http_fault(row, peers, "forged-text") as port:
        argv, env = row_env(row, peers, port, False)
        argv[argv.index("-f") + 1] = fmt
        env["GITHUB_STEP_SUMMARY"] = str(summary)
        result = run(*argv, "--project", str(store), env=env)
    detail = f"{row} × {fmt}\nstdout: {result.stdout[-1500:]}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, detail
    assert result.exit_code == 1, detail
    assert forged(result.stdout) == [] and forged(result.stderr) == [], detail
    if fmt == "github":
        assert forged_markdown(summary.read_text()) == [], summary.read_text()


def test_the_matrix_document_is_current() -> None:
    """docs/fault-matrix.md says what this run measured (the last test of the module)."""
    if len(RESULTS) < len(ROWS) * len(FAULTS):
        pytest.skip("a partial run (-k): the matrix is not complete")
    lines = [
        "# Fault matrix",
        "",
        "Generated by `tests/test_fault_matrix.py` (`scripts/update-docs`; every run compares).",
        f"Each cell: exit code and stage, run with `--timeout {TIMEOUT:g}`; every cell also",
        f"asserts a hint, an end within {TIMEOUT + 1:g} s, and no write when the command failed.",
        "n/a cells say why below. The file is deterministic: it changes only when behaviour does.",
        "",
        "| command | " + " | ".join(FAULTS) + " |",
        "|---|" + "---|" * len(FAULTS),
    ]
    notes: list[str] = []
    for row in ROWS:
        cells = []
        for fault in FAULTS:
            value = RESULTS[(row, fault)]
            if value.startswith("n/a"):
                notes.append(f"- {row} × {fault}: {value[5:]}")
                value = "n/a"
            cells.append(value)
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines += ["", "Cells that do not apply:", "", *notes, ""]
    assert_current(REPO / "docs" / "fault-matrix.md", "\n".join(lines))
