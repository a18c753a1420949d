"""Carrying a webhook plan out: the Stripe writes in order (creates before deletes), each new
signing secret saved under the lock the caller holds and read back before any old endpoint is
deleted. It returns what it did; nothing is appended to a list shared with the caller."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from storectl import redact
from storectl.env import Env
from storectl.env.write import Held, set_value
from storectl.errors import NetworkError, StorectlError
from storectl.model import Stage
from storectl.providers import stripe_api
from storectl.providers.shape import Object
from storectl.webhooks import rotation
from storectl.webhooks.plan import ENDPOINT_ID, SECRET, Action, Kind
from storectl.webhooks.secret import ENDPOINT_VAR, SECRET_VAR


class SecretNotSaved(StorectlError):
    """The endpoint exists on Stripe but its one-time secret could not be written: the command
    shows the secret once (webhooks/view.py), then fails with this error."""

    def __init__(self, secret: str, endpoint_id: str, target: Path, reason: str) -> None:
        super().__init__(
            f"endpoint {endpoint_id} was created, but its signing secret could not be written "
            f"to {target}: {reason}",
            hint=f"the secret is shown above, once: put {SECRET_VAR}=<it> and "
            f"{ENDPOINT_VAR}={endpoint_id} in the backend env file by hand, or fix the file and "
            "rerun with --rotate",
        )
        self.secret = secret
        self.endpoint_id = endpoint_id
        self.target = target


def checked_create(created: Object, url: str) -> tuple[str, str]:
    """(id, secret) of a create's answer, both of Stripe's documented shape; otherwise a
    PROTOCOL error that names the endpoint just made (safely) so it can be removed."""
    endpoint_id, secret = created.get("id"), created.get("secret")
    id_ok = isinstance(endpoint_id, str) and ENDPOINT_ID.fullmatch(endpoint_id) is not None
    secret_ok = isinstance(secret, str) and SECRET.fullmatch(secret) is not None
    if id_ok and secret_ok:
        return str(endpoint_id), str(secret)
    wrong = [
        what
        for what, ok in (
            ("endpoint id (not we_…)", id_ok),
            ("signing secret (not whsec_…)", secret_ok),
        )
        if not ok
    ]
    where = f"endpoint {endpoint_id}" if id_ok else "an endpoint with a malformed id"
    raise NetworkError(
        Stage.PROTOCOL,
        f"Stripe created {where} for {url}, but answered a malformed "
        f"{' and '.join(wrong)}: nothing was written and no endpoint was deleted",
        "remove the endpoint just created in Stripe's dashboard (Developers > Webhooks; "
        "'storectl webhooks list' shows it), then rerun; a proxy or mock between storectl and "
        "Stripe may be rewriting answers",
    )


@dataclass(frozen=True)
class Applied:
    """What a plan's execution did: the actions (marked done), the endpoint kept or created,
    the new secret if one was made, and what the writes had to say (a mode changed)."""

    actions: list[Action]
    endpoint_id: str | None
    secret: str | None
    notes: list[str]


@dataclass(frozen=True)
class Executor:
    """Runs one plan against Stripe and the env file. `held` is the lock on the target's folder
    that the caller took before reading Stripe's list (None with --no-write or nothing to lock);
    `replaced` are the endpoints a rotation replaces (with --no-write, recorded on the new one
    for phase 2)."""

    env: Env
    api: stripe_api.Api
    target: Path | None
    held: Held | None
    no_write: bool = False
    show_secret: bool = False
    replaced: tuple[str, ...] = ()

    def run(self, actions: list[Action]) -> Applied:
        """The actions in order, creates before deletes, so an endpoint always exists; a new
        secret is on disk (and read back) before any old endpoint is deleted."""
        done: list[Action] = []
        notes: list[str] = []
        endpoint_id: str | None = None
        secret: str | None = None
        for action in sorted(actions, key=lambda a: a.kind is Kind.DELETE):
            if action.kind is Kind.CREATE:
                endpoint_id, secret = checked_create(
                    self.api.create(action.url, list(action.events)), action.url
                )
                notes += [n for n in self._keep(secret, endpoint_id) if n not in notes]
                action = replace(action, endpoint_id=endpoint_id)
            elif action.kind is Kind.UPDATE:
                self.api.update(str(action.endpoint_id), events=action.events, enable=action.enable)
                endpoint_id = action.endpoint_id
            else:
                self.api.delete(str(action.endpoint_id))
            done.append(replace(action, done=True))
        return Applied(done, endpoint_id, secret, notes)

    def _keep(self, secret: str, endpoint_id: str) -> list[str]:
        """Where a new secret goes: with --no-write, onto the new endpoint's metadata (shown
        once by the command, never written); else the env file, then read back."""
        if self.no_write:
            self.api.update(endpoint_id, metadata=rotation.pending_metadata(secret, self.replaced))
            return []
        if not self.show_secret:
            redact.current().remember(secret)
        assert self.target is not None
        notes = self._save(self.target, secret, endpoint_id)
        rotation.read_back(self.env, self.target, secret, endpoint_id)
        return notes

    def _save(self, target: Path, secret: str, endpoint_id: str) -> list[str]:
        """Write the secret and the endpoint it belongs to; any failure is SecretNotSaved.
        Returns what the writes had to say (a mode or owner that was changed)."""
        write = self.held.set_value if self.held is not None else set_value
        try:
            written = [write(target, SECRET_VAR, secret), write(target, ENDPOINT_VAR, endpoint_id)]
        except StorectlError as exc:
            raise SecretNotSaved(secret, endpoint_id, target, exc.message) from None
        except (OSError, RuntimeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise SecretNotSaved(secret, endpoint_id, target, reason) from None
        return [w.note for w in written if w.note]
