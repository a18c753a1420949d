"""Where the webhook signing secret lives: the env file that receives it, what the backend
sees now, and whether the secret on disk belongs to the endpoint Stripe has."""

from __future__ import annotations

from pathlib import Path

from storectl.env import Env, parse
from storectl.env.loader import read_text
from storectl.errors import ConfigError
from storectl.providers.shape import Object

SECRET_VAR = "STRIPE_WEBHOOK_SECRET"
#: Which endpoint the secret on disk belongs to: written beside it, read back on every run.
ENDPOINT_VAR = "STRIPE_WEBHOOK_ENDPOINT_ID"


def stray_secret_files(env: Env) -> list[str]:
    """Storefront files that define STRIPE_WEBHOOK_SECRET: the backend never reads them."""
    return [
        f.display
        for f in env.files
        if f.role == "storefront" and any(e.name == "STRIPE_WEBHOOK_SECRET" for e in f.entries)
    ]


def backend_value(env: Env, name: str) -> str | None:
    """`name`'s value as the backend sees it: a definition only in a storefront file is none."""
    item = env.values.get(name)
    if item is None or not item.value.strip():
        return None
    roles = {f.path: f.role for f in env.files}
    if item.path is not None and roles.get(item.path) == "storefront":
        return None
    return item.value.strip()


def secret_target(env: Env, write_to: Path | None) -> Path | None:
    """The env file that receives STRIPE_WEBHOOK_SECRET: --write-to, else the backend file that
    defines it, else the highest-precedence backend file storectl read (or would create). A
    definition in a storefront file is never the target: the backend does not read it."""
    if write_to is not None:
        return write_to
    defined = env.values.get("STRIPE_WEBHOOK_SECRET")
    roles = {f.path: f.role for f in env.files}
    if defined is not None and defined.path is not None and roles.get(defined.path) != "storefront":
        return defined.path
    backend = [f for f in env.files if f.role in ("backend", "env-file")]
    existing = [f for f in backend if f.exists]
    if existing:
        return existing[0].path
    return backend[-1].path if backend else None


def on_disk(env: Env, target: Path | None) -> tuple[bool, str | None]:
    """(is a secret set for the backend, the endpoint it is recorded for), read again now: a
    register that waited for the lock must see what the one before it wrote."""
    fresh: dict[str, str] = {}
    if target is not None:
        try:
            text = read_text(target, explicit=False)
        except ConfigError:
            text = None
        fresh = {e.name: e.raw.strip() for e in parse(text, str(target))[0]} if text else {}

    def current(name: str) -> str | None:
        if env.source(name) == "environment":
            return env.value(name) or None
        return fresh.get(name) or backend_value(env, name)

    return current(SECRET_VAR) is not None, current(ENDPOINT_VAR)


def on_disk_problems(
    matches: list[Object], keep_id: str | None, has_secret: bool, recorded: str | None
) -> list[str]:
    """Why an endpoint that exists on Stripe is not usable by the backend: no secret on disk,
    or a secret recorded for another endpoint. The fix is a new secret: --rotate."""
    if not matches or keep_id is None:
        return []
    if not has_secret:
        return [
            f"endpoint {keep_id} exists but {SECRET_VAR} is not set in the backend's env, and "
            "Stripe shows a secret only when an endpoint is created: run with --rotate to get "
            "a new one"
        ]
    ids = [str(e.get("id")) for e in matches]
    if recorded is not None and recorded not in ids:
        return [
            f"{SECRET_VAR} on disk belongs to endpoint {recorded} ({ENDPOINT_VAR}), which is "
            f"not an endpoint for this URL (Stripe has {', '.join(ids)}): the backend cannot "
            "verify their events; run with --rotate to get a new endpoint and secret"
        ]
    return []
