"""Shared fixtures: an isolated environment for every test, and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.certs import Certs, make_certs
from testing.cli import Result, assert_parses_as_xml, run, write

__all__ = ["Result", "assert_parses_as_xml", "run", "write"]

pytest_plugins = [
    "testing.redis_server",
    "testing.smtp_server",
    "testing.s3_server",
    "testing.stripe_server",
    "testing.medusa_server",
    "testing.real_medusa",
    "testing.readme_store",
]

#: Variables a test may inherit; everything else (STRIPE_API_KEY, NODE_ENV, ...) is removed.
_KEEP = {
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "SYSTEMROOT",
    "CI",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "STORECTL_UPDATE_DOCS",  # scripts/update-docs: the matrix tests write their documents
}

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's real env vars or the folder it was started in."""
    for name in list(os.environ):
        if name not in _KEEP:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    # a wide terminal: phrases tests look for are not wrapped (tests of wrapping set COLUMNS)
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty store layout: backend/ and storefront/."""
    root = tmp_path / "store"
    (root / "backend").mkdir(parents=True)
    (root / "storefront").mkdir()
    return root


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


#: The suite's tiers by test module (issue 22 E): `./scripts/test -m fast` runs what is not in
#: one of them; CI runs everything. A module may be in several.
TIERS: dict[str, tuple[str, ...]] = {
    "real_backend": ("test_real_",),
    "browser": ("test_mail_browser",),
    "node": ("test_env_grammar_node",),
    "hostile": ("test_fault_matrix", "test_hostile_", "test_fuzz", "test_limits"),
    "slow": ("test_sixth_provider", "test_fresh_clone", "test_action", "test_scripts"),
}
#: Fixtures that start a real local server (redis-server, aiosmtpd, moto): the `peers` tier.
PEER_FIXTURES = {"redis_server", "redis_servers", "smtp_servers", "s3_server", "s3_servers"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = Path(str(item.fspath)).stem
        tiers = [tier for tier, prefixes in TIERS.items() if module.startswith(prefixes)]
        if PEER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.peers)
        for tier in tiers:
            item.add_marker(getattr(pytest.mark, tier))
        if not tiers:
            item.add_marker(pytest.mark.fast)
