"""README's first command: scripts/demo runs green and leaves nothing running behind it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from storectl.providers.registry import PROVIDERS
from testing.procs import require_binary
from tests.conftest import REPO


def test_demo_is_green_and_stops_what_it_started() -> None:
    require_binary("redis-server")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    demo = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: whatever it starts is in it
    )
    stdout, stderr = demo.communicate(timeout=180)
    assert demo.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "demo: every command succeeded" in stdout
    # every provider of the registry is checked: at least one check each, none failing
    match = re.search(r"(\d+) checks, 0 failed, 0 warnings, 0 errors", stdout)
    assert match and int(match.group(1)) >= len(PROVIDERS), stdout[-3000:]
    # a verdict line per provider (the demo's storefront has no publishable key: skipped)
    assert all(re.search(rf"^[✓–] {re.escape(p.title)} · ", stdout, re.M) for p in PROVIDERS), (
        stdout[-3000:]
    )
    assert "up to date: endpoint" in stdout
    assert "Stripe enabled in 2 of 2 regions" in stdout
    assert "subject: Order #1042 confirmed" in stdout
    try:
        os.killpg(demo.pid, signal.SIGKILL)  # its pid is its group's id
    except ProcessLookupError:
        return  # nothing left in its group
    raise AssertionError("the demo left processes running")
