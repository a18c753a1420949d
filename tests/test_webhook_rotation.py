"""Issue 20 C and D through the CLI: what Stripe answers is checked before it is written, and a
rotation never leaves the backend without a working secret (file mode and two phases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testing.stripe_server import MEDUSA_EVENTS, StripeServer
from tests.conftest import run
from tests.test_webhooks import BACKEND, HOOK, make_store, on_disk, scope, seed

HOSTILE: dict[str, dict[str, Any]] = {
    "secret": {"secret": "whsec_abc\nSTRIPE_API_KEY=sk_live_abcdefghijklmnopqrstu"},
    "id": {"id": "we_2\nSTRIPE_API_BASE=http://evil.invalid"},
    "both": {"id": "we_3 x", "secret": "whsec_ok\r"},
    "no secret": {"secret": None},
}


# --- C: a peer's answer is checked before anything is written ----------------------------------


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_malformed_create_answer_writes_nothing_and_deletes_nothing(
    store: Path, stripe_server: StripeServer, kind: str
) -> None:
    env_path = make_store(store, stripe_server)
    old = seed(stripe_server, BACKEND + HOOK, list(MEDUSA_EVENTS))
    on_disk(env_path, "whsec_old0000", old)
    before = env_path.read_bytes()
    stripe_server.state.create_overrides.update(HOSTILE[kind])
    result = run("webhooks", "register", "--rotate", "--force", "--project", str(store))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "PROTOCOL" in result.stderr or "protocol" in result.stderr.lower()
    assert "nothing was written and no endpoint was deleted" in result.stderr
    assert env_path.read_bytes() == before  # the file holds no new line, no new variable
    assert stripe_server.state.count("DELETE") == 0
    ids = [e["id"] for e in stripe_server.state.endpoints[scope()]]
    assert old in ids and len(ids) == 2  # the old endpoint stays; the new one is named
    created = ids[1]
    if kind in ("id", "both"):
        assert "an endpoint with a malformed id" in result.stderr
        assert "evil.invalid" not in result.stderr and "we_3 x" not in result.stderr
    else:
        assert f"endpoint {created}" in result.stderr
    assert "sk_live_abcdefghijklmnopqrstu" not in result.stdout + result.stderr
    assert "STRIPE_API_KEY=" not in result.stderr
