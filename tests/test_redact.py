"""Redaction: how each kind of secret is shown, and that scrub() catches secrets in free text."""

from __future__ import annotations

from pathlib import Path

import pytest

from storectl import env as envmod
from storectl import redact
from storectl.providers import registry
from storectl.redact import Redactor, display, is_secret_name, mask, mask_url
from storectl.redact import redactor as redactor_module


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


def test_derived_forms_are_scrubbed() -> None:
    """URL-encoded (quote, quote_plus), JSON-escaped (\\", \\\\, \\u0007, \\/), base64."""
    import json
    from base64 import b64encode
    from urllib.parse import quote, quote_plus

    secret = 'p/a"s\\s w\x07rd+0001'
    redactor = Redactor()
    redactor.remember(secret)
    forms = [
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        json.dumps(json.dumps(secret))[1:-1],
        b64encode(secret.encode()).decode(),
    ]
    for form in forms:
        scrubbed = redactor.scrub(f"peer said <{form}>")
        assert "****" in scrubbed and "rd+0001" not in scrubbed and "rd%2B0001" not in scrubbed
        assert "p/a" not in scrubbed and "p%2Fa" not in scrubbed, form


@pytest.mark.parametrize("before", [b"", b"a", b"ab", b"abc"])
@pytest.mark.parametrize("after", [b"", b"z", b"yz"])
def test_credential_payloads_are_scrubbed_at_every_alignment(before: bytes, after: bytes) -> None:
    from base64 import b64decode, b64encode

    redactor = Redactor()
    redactor.remember_credentials("shop@example.com", "CNRYpass0001")
    redactor.remember_credentials("sk_CNRYkey0002", "")  # Medusa: Basic `key:`
    for payload in (
        b"\0shop@example.com\0CNRYpass0001",
        b"shop@example.com:CNRYpass0001",
        b"CNRYpass0001",
        b"sk_CNRYkey0002:",
    ):
        text = b64encode(before + payload + after).decode()
        scrubbed = redactor.scrub(f"535 {text} end")
        assert "****" in scrubbed
        token = scrubbed.split()[1]
        for piece in token.split("****"):
            for offset in range(4):
                chunk = piece[offset:][: len(piece[offset:]) // 4 * 4]
                decoded = b64decode(chunk + "") if chunk else b""
                assert b"CNRYpass" not in decoded and b"CNRYkey" not in decoded


def test_the_user_name_alone_stays_readable() -> None:
    redactor = Redactor()
    redactor.remember_credentials("shop@example.com", "CNRYpass0001")
    assert redactor.scrub("login shop@example.com refused") == "login shop@example.com refused"


def test_credential_pairs_from_the_configuration() -> None:
    from storectl.providers.registry import credential_pairs as declared
    from storectl.redact import credential_pairs

    pairs = credential_pairs(
        {
            "SMTP_USER": "u@example.com",
            "SMTP_PASS": "smtp-pass",
            "MEDUSA_ADMIN_EMAIL": "admin@example.com",
            "MEDUSA_ADMIN_PASSWORD": "admin-pass",
            "MEDUSA_ADMIN_API_KEY": "sk_key",
            "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "S3_SECRET_ACCESS_KEY": "s3-secret",
            "REDIS_URL": "redis://default:redis%2Fpass@h:6379",
            "SMTP_HOST": "smtp.example.com",
        },
        declared(),
    )
    assert set(pairs) == {
        ("u@example.com", "smtp-pass"),
        ("admin@example.com", "admin-pass"),
        ("sk_key", ""),
        ("AKIAEXAMPLE", "s3-secret"),
        ("default", "redis/pass"),
    }


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (":pw123456@host:6379", "****@host:6379"),
        ("redis:/:pw123456@host", "redis:/****@host"),
        ("redis://u:pw/12#34@host:6379", "redis://****@host:6379"),
        ("redis://u:pw?1234@host:6379", "redis://****@host:6379"),
        ("redis://u:pw123456@host:٦٣٧٩", "redis://****@host:٦٣٧٩"),
        ("redis://u:pw123456@host:6379", "redis://u:****@host:6379"),
    ],
)
def test_unparseable_urls_are_masked_from_the_scheme_to_the_last_at(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert display("REDIS_URL", url) == shown
    redactor = Redactor()
    redactor.remember(url)
    assert "pw" not in redactor.scrub(f"cannot use {url}")


@pytest.mark.parametrize("value", ["orders@example.com", "Shop <o@x.com>", "a:b", "mailto:a@b"])
def test_addresses_are_not_urls(value: str) -> None:
    assert mask_url(value) == value
    assert display("SMTP_FROM", value) == value


def test_clean_peer_text_strips_controls_and_scrubs() -> None:
    from storectl.redact import clean_peer_text, scoped

    with scoped() as run:
        run.remember("CNRYpeer0001")
        text = "\x1b[31mred\x07 region\tname\r\nline two \x9b CNRYpeer0001 \u202e"
        assert clean_peer_text(text) == "[31mred region\tname line two  **** "
        assert clean_peer_text("a\nb\x1b", newlines=True) == "a\nb"


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


def test_add_env_learns_the_credential_payloads(tmp_path: Path) -> None:
    """Loading a store teaches the run's redactor the AUTH PLAIN / Basic payloads it sends."""
    from base64 import b64encode

    folder = tmp_path / "backend"
    folder.mkdir()
    (folder / ".env").write_text("SMTP_USER=shop@example.com\nSMTP_PASS=CNRYpass0001\n")
    pairs = registry.credential_pairs()  # declared by the providers: redact knows none
    env = envmod.load(project=tmp_path, ignore_environment=True, credential_pairs=pairs)
    redactor = Redactor.for_env(env)
    plain = b64encode(b"\0shop@example.com\0CNRYpass0001").decode()
    assert redactor.scrub(f"535 {plain}") == "535 ****"


def _scrub_every_secret(secrets: dict[str, str], text: str) -> str:
    """The plain definition `Redactor.scrub` must match: every secret, longest first (equal
    lengths as remembered), replaced wherever the text holds it at that point."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, secrets[secret])
    return text


def test_scrub_matches_trying_every_secret_longest_first() -> None:
    """The indexed scrub gives what trying every secret gives, also where secrets overlap,
    share their first characters, and where a replacement makes a shorter secret appear."""
    redactor = Redactor()
    redactor.remember("abcdefghij")
    redactor.remember("cdef")  # inside the longer one: the longer wins
    redactor.remember("xxab")  # overlaps its start
    redactor.remember("abcdXYZW")  # shares its first four characters
    redactor.remember("****zq", masked="####")  # only there once another secret is masked
    redactor.remember("word", masked="word")  # masks to itself: no endless loop
    redactor.remember("sk_live_" + "9" * 24)
    texts = [
        "xxabcdefghij and cdef, abcdXYZW; abcd",
        "ab zq abcdefghijzq",  # the mask of abcdefghij followed by zq spells ****zq
        "word sk_live_" + "9" * 24 + " sk_live_…9999",
        "abc",
        "",
        "nothing secret here at all",
    ]
    for text in texts:
        assert redactor.scrub(text) == _scrub_every_secret(redactor._secrets, text), text
    assert "####" in redactor.scrub("abcdefghijzq")


def test_scrub_learns_secrets_added_after_it_ran() -> None:
    redactor = Redactor()
    redactor.remember("first-secret")
    assert redactor.scrub("first-secret second-secret") == "**** second-secret"
    redactor.remember("second-secret")
    assert redactor.scrub("first-secret second-secret") == "**** ****"


def test_threads_that_scrub_at_once_build_the_index_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet's workers all scrub as they start: one builds the index, the others wait for
    it (each sorting ~8000 forms again cost seconds of CPU at 100 stores)."""
    import threading

    redactor = Redactor()
    redactor.remember("a-secret-value")
    builds: list[int] = []
    others: list[threading.Thread] = []
    real_build = redactor_module._Index.build

    def build(version: int, items: list[tuple[str, str]]) -> redactor_module._Index:
        builds.append(version)
        if len(builds) == 1:  # while the first build runs, another thread wants the index
            other = threading.Thread(target=redactor.scrub, args=("a-secret-value",))
            other.start()
            other.join(timeout=0.2)  # it must be waiting for this build, not building too
            others.append(other)
        return real_build(version, items)

    monkeypatch.setattr(redactor_module._Index, "build", build)
    assert redactor.scrub("a-secret-value") == "****"
    others[0].join()
    assert len(builds) == 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("redis://:CNRY", "redis://****"),  # `redis://:CNRY#rest@host`, cut at '#' by dotenv
        ("rediss:/u:CNRY", "rediss:/****"),
        ("redis::CNRY", "redis:****"),
        (":CNRY", "****"),
    ],
)
def test_a_password_whose_host_was_cut_away_is_still_a_password(value: str, shown: str) -> None:
    assert redact.url_password(value) == "CNRY"
    assert redact.mask_url(value) == shown


@pytest.mark.parametrize(
    "value",
    [
        "redis://:6379",
        "redis://host:6379/0",
        "http://localhost:5173,http://localhost:9000",  # a CORS list, not one URL
        "Shop <orders@example.com>",
    ],
)
def test_ports_and_lists_are_not_cut_passwords(value: str) -> None:
    assert redact.url_password(value) is None
    assert redact.mask_url(value) == value
