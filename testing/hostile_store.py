"""Hostile peers wired to a store: which peer plays which provider, and the env pointing at them.

Shared by bench/hostile.py (wall time and peak memory table) and tests/test_fault_matrix_hostile.py
(the same cells, asserted)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from testing import hostile, hostile_api, hostile_tcp

ROOT = Path(__file__).resolve().parent.parent
#: The peak memory a command may reach against any peer (issue 10).
TARGET_MB = 150
STRIPE_KEY = "sk_test_51HOSTILEbenchkey000000000001"
MEDUSA_KEY = "sk_hostile_admin_key_0000000001"

#: command -> providers it talks to
COMMANDS: dict[str, tuple[str, ...]] = {
    "webhooks list": ("stripe",),
    "webhooks register --yes --force": ("stripe", "medusa"),
    "webhooks register --yes": ("stripe", "medusa"),
    "webhooks test": ("medusa",),
    "regions list": ("medusa",),
    "regions enable-stripe --all --yes": ("medusa",),
    "mail test --to qa@example.com": ("smtp",),
    "mail replay order.placed --since 2026-01-01 --to qa@example.com --yes": ("medusa", "smtp"),
    "doctor --only stripe": ("stripe",),
    "doctor --only s3 --no-write": ("s3",),
    "doctor --only s3": ("s3",),
    "doctor --only smtp": ("smtp",),
    "doctor --only redis": ("redis",),
    "doctor --only medusa": ("medusa",),
    "doctor --only catalog": ("medusa",),
    "doctor --only workers": ("redis",),
    "catalog": ("medusa",),
}

PeerFactory = Callable[[], hostile.Peer]


def peer_for(kind: str, provider: str) -> PeerFactory | None:
    """The hostile peer of `kind` for `provider`, or None when that pair makes no sense."""
    http = provider in ("stripe", "medusa", "s3")
    table: dict[str, PeerFactory | None] = {
        "drip": hostile.drip
        if http
        else (hostile_tcp.drip_smtp if provider == "smtp" else hostile_tcp.drip_redis),
        "endless": hostile.endless_body
        if http
        else (hostile_tcp.smtp_endless if provider == "smtp" else hostile_tcp.redis_endless_bulk),
        "loop": {
            "stripe": hostile_api.stripe_has_more,
            "medusa": hostile_api.medusa_endless_count,
        }.get(provider),
        "bomb": hostile.gzip_bomb if http else None,
    }
    return table[kind]


def store_env(ports: dict[str, hostile.Peer], folder: Path) -> dict[str, str]:
    """A process environment whose providers point at the peers (the rest at nothing)."""

    def url(provider: str) -> str:
        return ports[provider].url if provider in ports else "http://127.0.0.1:9"

    smtp_port = ports["smtp"].port if "smtp" in ports else 9
    redis_port = ports["redis"].port if "redis" in ports else 9
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "PYTHONPATH": str(ROOT),
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": url("stripe"),
        "STRIPE_WEBHOOK_SECRET": "whsec_hostile000000000000000",
        "STRIPE_WEBHOOK_PATH": "/hooks/payment/stripe_stripe",
        "MEDUSA_BACKEND_URL": url("medusa"),
        "MEDUSA_ADMIN_API_KEY": MEDUSA_KEY,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": "pk_hostile0000000000000000",
        "S3_BUCKET": "shop",
        "S3_REGION": "us-east-1",
        "S3_ENDPOINT": url("s3"),
        "S3_FILE_URL": f"{url('s3')}/shop",
        "S3_ACCESS_KEY_ID": "AKIAHOSTILE",
        "S3_SECRET_ACCESS_KEY": "hostile-secret-access-key",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_USER": "shop",
        "SMTP_PASS": "hostile-smtp-password",
        "SMTP_FROM": "Shop <orders@example.com>",
        "SMTP_SECURE": "false",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}",
    }
