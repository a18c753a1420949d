"""Redaction: how each kind of secret is shown, and that scrub() catches secrets in free text."""

from __future__ import annotations

from pathlib import Path

import pytest

from storectl import env as envmod
from storectl.redact import Redactor, display, is_secret_name, mask, mask_url


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("sk_live_51HxYzAbCdEfWXYZ", "sk_live_…WXYZ"),
        ("rk_test_51HxYzAbCdEf1234", "rk_test_…1234"),
        ("whsec_0123456789abcdefWXYZ", "whsec_…WXYZ"),
        ("sk_live_short", "sk_live_…"),
        ("hunter2-password", "****"),
        ("redis://:pa55word@redis.example.com:6379/0", "redis://:****@redis.example.com:6379/0"),
        ("rediss://user:pa55word@host:6380", "rediss://user:****@host:6380"),
    ],
)
def test_mask(value: str, shown: str) -> None:
    assert mask(value) == shown


def test_display_masks_by_name_value_and_url() -> None:
    assert display("SMTP_PASS", "hunter2-password") == "****"
    assert display("ANYTHING", "sk_live_51HxYzAbCdEfWXYZ") == "sk_live_…WXYZ"
    assert display("REDIS_URL", "redis://:pw1234@h:6379") == "redis://:****@h:6379"
    assert display("SMTP_HOST", "smtp.example.com") == "smtp.example.com"
    assert display("NEXT_PUBLIC_STRIPE_KEY", "pk_test_123") == "pk_test_123"
    assert display("S3_REGION", "x", secret=True) == "****"


def test_secret_names() -> None:
    assert is_secret_name("STRIPE_WEBHOOK_SECRET")
    assert is_secret_name("SMTP_PASS")
    assert is_secret_name("MEDUSA_ADMIN_PASSWORD")
    assert is_secret_name("MEDUSA_ADMIN_API_KEY")
    assert not is_secret_name("AUTH_CORS")
    assert not is_secret_name("NEXT_PUBLIC_STRIPE_KEY")


def test_mask_url_without_password_is_unchanged() -> None:
    assert mask_url("redis://localhost:6379") == "redis://localhost:6379"
    assert mask_url("redis://user@host") == "redis://user@host"


def test_scrub_replaces_remembered_secrets_and_url_passwords() -> None:
    redactor = Redactor()
    redactor.remember("sk_live_51HxYzAbCdEfWXYZ")
    redactor.remember("redis://:p%40ss word@host:6379")
    text = "key sk_live_51HxYzAbCdEfWXYZ failed; AUTH p@ss word; url redis://:p%40ss word@host:6379"
    scrubbed = redactor.scrub(text)
    assert "51HxYzAbCdEf" not in scrubbed
    assert "p@ss word" not in scrubbed and "p%40ss" not in scrubbed
    assert "sk_live_…WXYZ" in scrubbed


def test_short_values_are_not_scrubbed_from_text() -> None:
    redactor = Redactor()
    redactor.remember("ab")
    assert redactor.scrub("about") == "about"


@pytest.mark.parametrize(
    ("url", "password"),
    [
        (
            "redis://:000/@127.0.0.1:6379/",
            "000/",
        ),  # found by hypothesis: '/' ends urlsplit's netloc
        ("redis://u:p#w@host", "p#w"),
        ("rediss://:p%40ss@host:6380", "p@ss"),
        ("redis://host:6379", None),
        ("https://host/path", None),
    ],
)
def test_url_password_reads_userinfo_up_to_the_last_at(url: str, password: str | None) -> None:
    from storectl.redact import url_password

    assert url_password(url) == password
    if password is not None:
        redactor = Redactor()
        redactor.remember(url)
        assert password not in redactor.scrub(f"cannot reach {url}")


def _store(tmp_path: Path, name: str, secret: str) -> envmod.Env:
    folder = tmp_path / name / "backend"
    folder.mkdir(parents=True)
    (folder / ".env").write_text(f"STRIPE_API_KEY={secret}\nREDIS_URL=redis://:{name}pw9@h/0\n")
    return envmod.load(project=tmp_path / name, ignore_environment=True)


def test_one_redactor_knows_several_stores(tmp_path: Path) -> None:
    """A run reading two stores masks both stores' secrets (the fleet case)."""
    first = _store(tmp_path, "one", "sk_test_" + "1" * 24)
    second = _store(tmp_path, "two", "sk_test_" + "2" * 24)
    redactor = Redactor.for_env(first)
    redactor.add_env(second)
    text = f"{first.value('STRIPE_API_KEY')} {second.value('STRIPE_API_KEY')} onepw9 twopw9"
    scrubbed = redactor.scrub(text)
    for secret in ("1" * 24, "2" * 24, "onepw9", "twopw9"):
        assert secret not in scrubbed


def test_the_redactor_is_scoped_to_one_run() -> None:
    """No hidden global: what one run learnt is unknown outside it and in the next run."""
    import storectl.redact as redact_module

    assert not any(isinstance(v, Redactor) for v in vars(redact_module).values())
    with redact_module.scoped() as run:
        run.remember("hunter2-secret")
        assert redact_module.scrub("pw hunter2-secret") == "pw ****"
    assert redact_module.scrub("pw hunter2-secret") == "pw hunter2-secret"
    with redact_module.scoped():
        assert redact_module.scrub("pw hunter2-secret") == "pw hunter2-secret"
