"""Offline lint: every rule has a case where it fires and one where it does not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from storectl import env as envmod
from storectl.providers import lint
from storectl.providers.registry import PROVIDERS, secret_names
from tests.conftest import run, write

GOOD_STRIPE = (
    "STRIPE_API_KEY=sk_test_51AbCdEfGhIjKlMnOp\nSTRIPE_WEBHOOK_SECRET=whsec_0123456789abcdef\n"
)
GOOD_PUBLIC = "NEXT_PUBLIC_STRIPE_KEY=pk_test_51AbCdEfGhIjKlMnOp\n"
GOOD_S3 = (
    "S3_BUCKET=shop\nS3_FILE_URL=https://shop.s3.eu-west-1.amazonaws.com\n"
    "S3_ACCESS_KEY_ID=AKIAEXAMPLE\nS3_SECRET_ACCESS_KEY=abcdEFGHijklMNOPqrst\nS3_REGION=eu-west-1\n"
)
GOOD_SMTP = (
    "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nSMTP_USER=u\nSMTP_PASS=secretpass\n"
    "SMTP_FROM=orders@example.com\nSMTP_SECURE=false\n"
)


def codes(
    store: Path, backend: str, storefront: str = "", environment: str | None = None
) -> dict[str, list[str]]:
    """Lint a store made of these two files (in `environment`); code -> messages."""
    write(store / "backend/.env", backend)
    write(store / "storefront/.env.local", storefront)
    env = envmod.load(
        project=store, environment=environment, process_env={}, secret_names=secret_names()
    )
    found: dict[str, list[str]] = {}
    for item in lint.run(env, PROVIDERS):
        found.setdefault(item.code, []).append(item.message)
    return found


CASES = [
    # (code, firing backend, firing storefront, quiet backend, quiet storefront)
    (
        "stripe.key-prefix",
        "STRIPE_API_KEY=pk_test_abc\n",
        "",
        GOOD_STRIPE,
        GOOD_PUBLIC,
    ),
    ("stripe.key-prefix", "STRIPE_API_KEY=hello\n", "", "STRIPE_API_KEY=rk_live_abc\n", ""),
    (
        "stripe.live-test-mix",
        "STRIPE_API_KEY=sk_live_abcdefabcdefabcd\n",
        GOOD_PUBLIC,
        GOOD_STRIPE,
        GOOD_PUBLIC,
    ),
    ("stripe.webhook-secret-missing", "STRIPE_API_KEY=sk_test_1\n", "", GOOD_STRIPE, ""),
    (
        "stripe.webhook-secret-format",
        "STRIPE_API_KEY=sk_test_1\nSTRIPE_WEBHOOK_SECRET=sk_test_oops\n",
        "",
        GOOD_STRIPE,
        "",
    ),
    ("stripe.publishable-key-missing", GOOD_STRIPE, "", GOOD_STRIPE, GOOD_PUBLIC),
    (
        "stripe.publishable-key-format",
        GOOD_STRIPE,
        "NEXT_PUBLIC_STRIPE_KEY=abc\n",
        GOOD_STRIPE,
        GOOD_PUBLIC,
    ),
    ("stripe.inactive-vars", "STRIPE_WEBHOOK_SECRET=whsec_1\n", "", GOOD_STRIPE, GOOD_PUBLIC),
    ("env.next-public-secret", "", "NEXT_PUBLIC_STRIPE_KEY=sk_live_abc\n", "", GOOD_PUBLIC),
    ("env.next-public-secret", "", "NEXT_PUBLIC_HOOK=whsec_abc\n", "", "NEXT_PUBLIC_X=hello\n"),
    (
        "env.next-public-secret",
        GOOD_S3,
        "NEXT_PUBLIC_S3=abcdEFGHijklMNOPqrst\n",
        GOOD_S3,
        "NEXT_PUBLIC_S3=shop\n",
    ),
    (
        "env.next-public-secret",
        "",
        "NEXT_PUBLIC_AWS=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "",
        "NEXT_PUBLIC_BASE_URL=http://localhost:8000\n",
    ),
    ("env.next-public-secret", "", "NEXT_PUBLIC_DB_PASSWORD=x\n", "", "NEXT_PUBLIC_REGION=us\n"),
    ("s3.missing-var", "S3_BUCKET=shop\n", "", GOOD_S3, ""),
    ("s3.url-invalid", GOOD_S3 + "S3_FILE_URL=shop.example.com\n", "", GOOD_S3, ""),
    ("s3.url-invalid", GOOD_S3 + "S3_ENDPOINT=ftp://minio:9000\n", "", GOOD_S3, ""),
    (
        "s3.path-style",
        GOOD_S3 + "S3_ENDPOINT=http://minio.internal:9000\n",
        "",
        GOOD_S3 + "S3_ENDPOINT=https://s3.eu-west-1.amazonaws.com\n",
        "",
    ),
    (
        "s3.r2-region",
        GOOD_S3 + "S3_ENDPOINT=https://acc.r2.cloudflarestorage.com\n",
        "",
        GOOD_S3.replace("eu-west-1\n", "auto\n")
        + "S3_ENDPOINT=https://acc.r2.cloudflarestorage.com\n",
        "",
    ),
    ("s3.inactive-vars", "S3_REGION=eu-west-1\n", "", GOOD_S3, ""),
    ("smtp.port-invalid", GOOD_SMTP + "SMTP_PORT=smtp\n", "", GOOD_SMTP, ""),
    (
        "smtp.port-invalid",
        GOOD_SMTP + "SMTP_PORT=70000\n",
        "",
        "SMTP_HOST=h\nSMTP_FROM=a@b.c\n",
        "",
    ),
    ("smtp.secure-invalid", GOOD_SMTP + "SMTP_SECURE=TRUE\n", "", GOOD_SMTP, ""),
    (
        "smtp.tls-port-mismatch",
        GOOD_SMTP + "SMTP_PORT=465\n",
        "",
        GOOD_SMTP + "SMTP_PORT=465\nSMTP_SECURE=true\n",
        "",
    ),
    ("smtp.tls-port-mismatch", GOOD_SMTP + "SMTP_SECURE=true\n", "", GOOD_SMTP, ""),
    ("smtp.from-missing", "SMTP_HOST=h\n", "", GOOD_SMTP, ""),
    (
        "smtp.from-invalid",
        GOOD_SMTP + "SMTP_FROM=orders\n",
        "",
        GOOD_SMTP + "SMTP_FROM=Shop <o@x.io>\n",
        "",
    ),
    ("smtp.user-without-pass", "SMTP_HOST=h\nSMTP_FROM=a@b.c\nSMTP_USER=u\n", "", GOOD_SMTP, ""),
    ("smtp.pass-without-user", "SMTP_HOST=h\nSMTP_FROM=a@b.c\nSMTP_PASS=pw\n", "", GOOD_SMTP, ""),
    ("smtp.inactive-vars", "SMTP_PORT=587\n", "", GOOD_SMTP, ""),
    (
        "redis.url-invalid",
        "REDIS_URL=localhost:6379\n",
        "",
        "REDIS_URL=redis://localhost:6379\n",
        "",
    ),
    (
        "redis.url-unparseable",
        "REDIS_URL=redis://x:6379\nLOCKING_REDIS_URL=redis://x:port\n",
        "",
        "REDIS_URL=unix:///run/redis.sock\n",
        "",
    ),
    (
        "redis.inactive-vars",
        "CACHE_REDIS_URL=redis://x:6379\n",
        "",
        "REDIS_URL=redis://x\nCACHE_REDIS_URL=redis://x:6379\n",
        "",
    ),
    (
        "redis.plaintext-password",
        "REDIS_URL=redis://:hunter22@redis.example.com:6379\n",
        "",
        "REDIS_URL=rediss://:hunter22@redis.example.com:6379\n",
        "",
    ),
    (
        "redis.plaintext-password",
        "REDIS_URL=redis://x\nCACHE_REDIS_URL=redis://u:pw@cache.redis.invalid:6379\n",
        "",
        "REDIS_URL=redis://:hunter22@127.0.0.1:6379\n",
        "",
    ),
    (
        "medusa.url-invalid",
        "MEDUSA_BACKEND_URL=localhost:9000\n",
        "",
        "MEDUSA_BACKEND_URL=http://localhost:9000\n",
        "",
    ),
    (
        "medusa.admin-credentials-incomplete",
        "MEDUSA_BACKEND_URL=http://x\nMEDUSA_ADMIN_EMAIL=a@b.c\n",
        "",
        "MEDUSA_BACKEND_URL=http://x\nMEDUSA_ADMIN_EMAIL=a@b.c\nMEDUSA_ADMIN_PASSWORD=pw\n",
        "",
    ),
    (
        "medusa.api-key-format",
        "MEDUSA_BACKEND_URL=http://x\nMEDUSA_ADMIN_API_KEY=pk_123\n",
        "",
        "MEDUSA_BACKEND_URL=http://x\nMEDUSA_ADMIN_API_KEY=sk_123\n",
        "",
    ),
    ("medusa.inactive-vars", "MEDUSA_ADMIN_API_KEY=sk_1\n", "", "", ""),
    # Medusa's production settings (issue 16); PROD_* run with NODE_ENV=production (below)
    (
        "medusa.secrets-equal",
        "JWT_SECRET=abc123abc\nCOOKIE_SECRET=abc123abc\n",
        "",
        "JWT_SECRET=a1\nCOOKIE_SECRET=b2\n",
        "",
    ),
    (
        "medusa.cors-space",
        "STORE_CORS=https://a.example.com, https://b.example.com\n",
        "",
        "STORE_CORS=https://a.example.com,https://b.example.com\n",
        "",
    ),
    (
        "medusa.cors-path",
        "AUTH_CORS=https://a.example.com/\n",
        "",
        "AUTH_CORS=https://a.example.com\n",
        "",
    ),
    (
        "medusa.cors-path",
        "ADMIN_CORS=https://a.example.com/app\n",
        "",
        "ADMIN_CORS=/https:\\/\\/.*\\.example\\.com/\n",
        "",
    ),
    ("medusa.cors-wildcard", "STORE_CORS=*\n", "", "STORE_CORS=http://localhost:8000\n", ""),
    (
        "medusa.database-ssl-off",
        "DATABASE_URL=postgres://u:p@db.example.com/shop?sslmode=disable\n",
        "",
        "DATABASE_URL=postgres://u:p@db.example.com/shop?sslmode=require\n",
        "",
    ),
    (
        "medusa.database-ssl-off",
        "DATABASE_URL=postgres://u:p@db.example.com/shop?ssl_mode=false\n",
        "",
        "DATABASE_URL=postgres://u:p@localhost/shop?sslmode=disable\n",
        "",
    ),
    (
        "medusa.database-ssl-accidental",
        "DATABASE_URL=postgres://localhost_ro:p@db.example.com/shop\n",
        "",
        "DATABASE_URL=postgres://ro:p@db.example.com/shop\n",
        "",
    ),
    (
        "medusa.worker-mode-invalid",
        "DATABASE_URL=postgres://x@localhost/s\nMEDUSA_WORKER_MODE=workers\n",
        "",
        "DATABASE_URL=postgres://x@localhost/s\nMEDUSA_WORKER_MODE=shared\n",
        "",
    ),
    (
        "medusa.worker-without-redis",
        "DATABASE_URL=postgres://x@localhost/s\nMEDUSA_WORKER_MODE=worker\n",
        "",
        "DATABASE_URL=postgres://x@localhost/s\nMEDUSA_WORKER_MODE=worker\nREDIS_URL=redis://r:6379\n",
        "",
    ),
    (
        "storefront.publishable-key-stripe",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_test_51Abc\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_" + "ab" * 32 + "\n",
    ),
    (
        "storefront.publishable-key-format",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_...\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_" + "ab" * 32 + "\n",
    ),
    (
        "storefront.publishable-key-format",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=your-key\n",
        "",
        "",
    ),
    (
        "storefront.backend-url-both",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nMEDUSA_BACKEND_URL=https://a.example.com\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=https://b.example.com\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nMEDUSA_BACKEND_URL=https://a.example.com\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=https://a.example.com/\n",
    ),
    (
        "storefront.backend-url-mismatch",
        "MEDUSA_BACKEND_URL=https://api.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nMEDUSA_BACKEND_URL=https://old.example.com\n",
        "MEDUSA_BACKEND_URL=https://api.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nMEDUSA_BACKEND_URL=https://api.example.com\n",
    ),
    (
        "storefront.backend-url-missing",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=https://api.example.com\n",
    ),
    (
        "storefront.cors-missing-store",
        "STORE_CORS=https://www.example.com\nAUTH_CORS=https://shop.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=https://shop.example.com/de\n",
        "STORE_CORS=https://shop.example.com\nAUTH_CORS=https://shop.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=https://shop.example.com/de\n",
    ),
    (
        "storefront.cors-missing-auth",
        "STORE_CORS=https://shop.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=https://shop.example.com\n",
        "STORE_CORS=https://shop.example.com\nAUTH_CORS=https://shop.example.com\n",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=https://shop.example.com\n",
    ),
    ("env.duplicate-key", "SMTP_PORT=1\nSMTP_PORT=2\n", "", "SMTP_PORT=1\n", ""),
    ("env.malformed-line", "just words\n", "", "# just words\n", ""),
]


@pytest.mark.parametrize(
    ("code", "fire_backend", "fire_storefront", "quiet_backend", "quiet_storefront"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_fires_and_stays_quiet(
    store: Path,
    code: str,
    fire_backend: str,
    fire_storefront: str,
    quiet_backend: str,
    quiet_storefront: str,
) -> None:
    assert code in codes(store, fire_backend, fire_storefront)
    assert code not in codes(store, quiet_backend, quiet_storefront)


def test_good_configuration_has_no_errors_or_warnings(store: Path) -> None:
    backend = GOOD_STRIPE + GOOD_S3 + GOOD_SMTP + "REDIS_URL=redis://localhost:6379\n"
    found = codes(store, backend, GOOD_PUBLIC)
    assert found == {}


def test_file_permissions(store: Path) -> None:
    write(store / "backend/.env", "SMTP_PASS=secretpass\n", mode=0o644)
    env = envmod.load(project=store, process_env={})
    found = [f for f in lint.run(env, PROVIDERS) if f.code == "env.file-permissions"]
    assert len(found) == 1 and (found[0].hint or "").startswith("chmod o-rwx backend/.env")
    assert "SMTP_PASS" in found[0].message
    for mode in (0o640, 0o600):  # the group may read it (a service user's), others may not
        (store / "backend/.env").chmod(mode)
        assert "env.file-permissions" not in {f.code for f in lint.run(env, PROVIDERS)}


def test_readable_file_without_secrets_is_fine(store: Path) -> None:
    write(store / "backend/.env", "SMTP_HOST=x\nSMTP_FROM=a@b.c\n", mode=0o644)
    env = envmod.load(project=store, process_env={})
    assert "env.file-permissions" not in {f.code for f in lint.run(env, PROVIDERS)}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize(
    ("content", "fires"),
    [
        ("STRIPE_API_KEY=sk_live_abcdefabcdefabcdef\n", True),
        ("SMTP_PASS=realpassword\n", True),
        ("STRIPE_API_KEY=sk_test_abcdefabcdefabcdef\n", False),
        ("SMTP_HOST=smtp.example.com\n", False),
    ],
)
def test_git_tracked_live_secrets(store: Path, content: str, fires: bool) -> None:
    write(store / "backend/.env", content)
    _git(store, "init", "-q")
    _git(store, "add", "backend/.env")
    env = envmod.load(project=store, process_env={})
    assert ("env.git-tracked-secrets" in {f.code for f in lint.run(env, PROVIDERS)}) is fires


def test_untracked_live_secrets_are_fine(store: Path) -> None:
    write(store / "backend/.env", "STRIPE_API_KEY=sk_live_abcdefabcdefabcdef\n")
    _git(store, "init", "-q")
    env = envmod.load(project=store, process_env={})
    assert "env.git-tracked-secrets" not in {f.code for f in lint.run(env, PROVIDERS)}


def test_strict_turns_warnings_into_failure(store: Path) -> None:
    write(store / "backend/.env", "SMTP_PORT=587\n")  # smtp.inactive-vars: a warning
    assert run("status", "--project", str(store)).exit_code == 0
    strict = run("status", "--project", str(store), "--strict", "--format", "json")
    assert strict.exit_code == 1
    assert strict.json()["ok"] is False


def test_lint_error_exits_1(store: Path) -> None:
    write(store / "backend/.env", "STRIPE_API_KEY=pk_test_x\n")
    result = run("status", "--project", str(store), "--format", "json")
    assert result.exit_code == 1
    data = result.json()
    assert data["ok"] is False
    assert data["summary"]["errors"] >= 1
    assert result.stderr == ""


PRODUCTION_CASES = [
    # (code, firing backend, firing storefront, quiet backend, quiet storefront), production
    (
        "medusa.secret-default",
        "JWT_SECRET=supersecret\nCOOKIE_SECRET=x9\n",
        "",
        "JWT_SECRET=j9\nCOOKIE_SECRET=c9\n",
        "",
    ),
    (
        "medusa.cors-unset",
        "JWT_SECRET=j9\n",
        "",
        "JWT_SECRET=j9\n"
        + "STORE_CORS=https://s.example.com\nADMIN_CORS=https://s.example.com\nAUTH_CORS=https://s.example.com\n",
        "",
    ),
    (
        "medusa.cors-localhost",
        "STORE_CORS=http://localhost:8000\n",
        "",
        "STORE_CORS=https://s.example.com\n",
        "",
    ),
    (
        "medusa.cors-http",
        "STORE_CORS=http://s.example.com\n",
        "",
        "STORE_CORS=https://s.example.com\n",
        "",
    ),
    (
        "medusa.database-local",
        "DATABASE_URL=postgres://u@127.0.0.1/shop\n",
        "",
        "DATABASE_URL=postgres://u@db.example.com/shop\n",
        "",
    ),
    (
        "storefront.publishable-key-missing",
        "",
        "NEXT_PUBLIC_BASE_URL=https://s.example.com\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\n",
    ),
    (
        "storefront.backend-url-localhost",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=http://localhost:9000\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=https://api.example.com\n",
    ),
    (
        "storefront.backend-url-http",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=http://api.example.com\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_MEDUSA_BACKEND_URL=https://api.example.com\n",
    ),
    (
        "storefront.base-url-local",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=http://localhost:8000\n",
        "",
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY=pk_1\nNEXT_PUBLIC_BASE_URL=https://s.example.com\n",
    ),
]


@pytest.mark.parametrize(
    ("code", "fire_backend", "fire_storefront", "quiet_backend", "quiet_storefront"),
    PRODUCTION_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(PRODUCTION_CASES)],
)
def test_production_rule_fires_and_stays_quiet(
    store: Path,
    code: str,
    fire_backend: str,
    fire_storefront: str,
    quiet_backend: str,
    quiet_storefront: str,
) -> None:
    assert code in codes(store, fire_backend, fire_storefront, "production")
    assert code not in codes(store, quiet_backend, quiet_storefront, "production")


def test_production_settings_name_the_line_and_the_fix(store: Path) -> None:
    """status prints each finding with file:line and its hint."""
    write(
        store / "backend/.env",
        "JWT_SECRET=j9\nSTORE_CORS=https://a.example.com, https://b.example.com\n",
    )
    result = run("status", "--project", str(store), "--format", "json")
    found = {f["code"]: f for f in result.json()["findings"]}
    space = found["medusa.cors-space"]
    assert space["source"] == "backend/.env:2"
    assert "' https://b.example.com'" in space["message"]
    assert "remove the spaces" in space["hint"]
    assert result.exit_code == 1
