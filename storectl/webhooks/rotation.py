"""A rotation never leaves the backend without a working secret.

File mode (`--rotate`): the target must be a file the backend reads in this environment and
whose value wins (Medusa's loadEnv precedence, storectl/env); it is refused before anything is
created otherwise. The order is create, write, read the value back through the same loader,
and only then delete the old endpoint.

Two phases (`--rotate --no-write`, then `--finish-rotation`), for a secret kept in a hosting
platform's environment: phase 1 creates the new endpoint beside the old one (both deliver every
event, so nothing is lost while the backend still has the old secret), shows its secret once and
records on the endpoint which endpoints it replaces and a fingerprint of its secret. Phase 2
proves the deployed secret is the new one (the fingerprint of STRIPE_WEBHOOK_SECRET as storectl
loads it), that the backend's route accepts an event signed with it, and only then deletes the
old endpoints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from storectl.env import ENVIRONMENT_SOURCE, Env, EnvFile, load
from storectl.errors import ConfigError, StorectlError, UsageError
from storectl.guard import Action
from storectl.model import Status
from storectl.providers import stripe_api, values
from storectl.providers.shape import Object, number, obj
from storectl.webhooks import plan as webhooks
from storectl.webhooks.events import send_test
from storectl.webhooks.secret import SECRET_VAR, secret_target

#: The metadata phase 1 leaves on the new endpoint (Stripe keeps it; the secret it never shows).
STATE, REPLACES, FINGERPRINT = "storectl_rotation", "storectl_replaces", "storectl_secret_sha256"
_NO_FILE_HINT = "pass --project with the store, or rotate with --no-write and deploy it yourself"


def fingerprint(secret: str) -> str:
    """Enough of the secret's SHA-256 to recognise it; nothing to rebuild it from."""
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a == b


def _backend_files(env: Env) -> list[EnvFile]:
    """The files the backend process reads in this environment, highest precedence first."""
    return [f for f in env.files if f.role in ("backend", "env-file")]


def check_target(env: Env, target: Path) -> None:
    """Refuse, before anything is created, a file whose value the backend would not use."""
    if env.source(SECRET_VAR) == ENVIRONMENT_SOURCE:
        raise ConfigError(
            f"{SECRET_VAR} is set in the process environment, which wins over every env file: "
            f"a secret written to {target} would never be used",
            hint="deploy it yourself: 'storectl webhooks register --rotate --no-write', then "
            "'--finish-rotation'; or pass --ignore-environment if the backend's own process "
            "does not set it",
        )
    backend = _backend_files(env)
    wins = next((f for f in backend if any(e.name == SECRET_VAR for e in f.entries)), None)
    default = wins.path if wins is not None else secret_target(env, None)
    where = f"in environment {env.environment!r}"
    if not any(_same(f.path, target) for f in backend):
        read = ", ".join(f.display for f in backend) or "no env file"
        raise ConfigError(
            f"the backend never reads {target} {where} (it reads {read}): a secret written "
            "there would not be used",
            hint=f"write to {default} (drop --write-to)" if default else _NO_FILE_HINT,
        )
    if wins is not None and not _same(wins.path, target):
        raise ConfigError(
            f"{wins.display} defines {SECRET_VAR} and wins over {target} {where}: a secret "
            "written there would not be used",
            hint=f"write to {wins.display} (drop --write-to), or remove it from {wins.display}",
        )


def read_back(env: Env, target: Path, secret: str, endpoint_id: str) -> None:
    """Load the store again as the backend would and make sure the new secret is what it gets;
    otherwise stop before any old endpoint is deleted."""
    explicit = [f.path for f in reversed(env.files) if f.role == "env-file"]
    fresh = load(
        project=None if explicit else env.root,
        env_files=explicit,
        environment=env.environment,
        process_env={},
    )
    got = fresh.values.get(SECRET_VAR)
    if got is not None and got.value == secret and got.path is not None:
        if _same(got.path, target):
            return
    seen = got.source if got is not None else "nothing"
    raise StorectlError(
        f"endpoint {endpoint_id} was created and its secret written to {target}, but the "
        f"backend's env read back gives {SECRET_VAR} from {seen}: the old endpoint was kept",
        hint=f"make {target} the file that defines {SECRET_VAR}, then rerun with --rotate "
        f"(and delete endpoint {endpoint_id})",
    )


def pending_metadata(secret: str, replaced: Sequence[str]) -> dict[str, str]:
    """What phase 1 records on the new endpoint for phase 2."""
    return {STATE: "pending", REPLACES: ",".join(replaced), FINGERPRINT: fingerprint(secret)}


def finish(
    env: Env,
    url: str,
    url_source: str,
    timeout: float,
    guard: Callable[[Action], None],
) -> webhooks.RegisterReport:
    """Phase 2: prove the deployed secret, then delete the endpoints phase 1 replaced."""
    api = stripe_api.Api(env, timeout)
    matches = [e for e in api.endpoints() if values.same_url(str(e.get("url")), url)]
    pending = [e for e in matches if (obj(e.get("metadata")) or {}).get(STATE) == "pending"]
    if not pending:
        raise UsageError(
            f"no rotation to finish for {url}: no endpoint is waiting for its secret",
            hint="start one with 'storectl webhooks register --rotate --no-write'",
        )
    new = max(pending, key=lambda e: number(e.get("created")) or 0)
    new_id = webhooks.checked_id(new.get("id"))
    _prove_secret(env, new_id, new)
    test = send_test(env, url, timeout)
    if test.status not in (Status.OK, Status.WARN):
        raise StorectlError(
            f"the backend did not accept an event signed with the new secret ({test.summary}): "
            f"the old endpoint(s) were kept",
            hint=test.hint or "fix the webhook route, then rerun --finish-rotation",
        )
    replaced = set(str((obj(new.get("metadata")) or {}).get(REPLACES) or "").split(","))
    old = [str(e["id"]) for e in matches if str(e.get("id")) in replaced - {"", new_id}]
    actions = [
        webhooks.Action(webhooks.Kind.DELETE, url, endpoint_id=webhooks.checked_id(i), reason=why)
        for i, why in ((i, "--finish-rotation: the old endpoint") for i in old)
    ]
    if actions and api.live:
        question = f"Delete {len(actions)} old webhook endpoint(s) on the LIVE Stripe account?"
        guard(Action.of(env, question, webhooks.plan_lines(actions)))
    done = []
    for action in actions:
        api.delete(str(action.endpoint_id))
        done.append(replace(action, done=True))
    api.update(new_id, metadata={STATE: "done"})
    return webhooks.RegisterReport(
        url=url,
        url_source=url_source,
        dry_run=False,
        actions=tuple(done),
        endpoint_id=new_id,
        secret_written_to=None,
        secret=None,
        notes=(
            f"{SECRET_VAR} ({env.source(SECRET_VAR)}) is endpoint {new_id}'s secret, and the "
            f"backend's route answered {test.http_status} to an event signed with it; a stock "
            "Medusa checks signatures after answering, so watch 'storectl doctor --only stripe' "
            "(payments-sync) after the next payments",
        ),
        ok=True,
    )


def _prove_secret(env: Env, new_id: str, new: Object) -> None:
    """The secret storectl loads for this environment must be the new endpoint's."""
    secret = env.value(SECRET_VAR)
    source = env.source(SECRET_VAR) or "nowhere"
    if not webhooks.SECRET.fullmatch(secret):
        raise ConfigError(
            f"{SECRET_VAR} is not set to a whsec_ secret here ({source}): phase 2 proves the "
            "deployed secret, so it must see it; nothing was deleted",
            hint=f"run it where the deployed {SECRET_VAR} is set (the deploy job's "
            "environment), or pass it in the environment for this one run",
        )
    if fingerprint(secret) != str((obj(new.get("metadata")) or {}).get(FINGERPRINT)):
        raise ConfigError(
            f"{SECRET_VAR} here ({source}) is not the secret of the new endpoint {new_id}: "
            "the backend does not have it yet; nothing was deleted",
            hint="deploy the secret phase 1 showed, restart the backend, then rerun "
            "--finish-rotation (lost it? start again with --rotate --no-write)",
        )
