"""Offline lint: every provider's own rules plus the rules that span providers and files."""

from __future__ import annotations

import re
import shlex
import stat
from collections.abc import Iterator, Sequence

from storectl.env import Env, EnvFile, gitindex
from storectl.model import Finding, Severity
from storectl.providers import spelling
from storectl.providers.base import Provider
from storectl.providers.spelling import missing_hint
from storectl.providers.values import stripe_mode
from storectl.redact import is_secret_name, is_switch, looks_secret, secret_shaped, url_password

_AWS_SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")


def run(env: Env, providers: Sequence[Provider]) -> list[Finding]:
    """All findings for `env`: parse problems first, then per provider, then hygiene."""
    findings = list(env.findings)
    for provider in providers:
        findings.extend(provider.lint(env))
        findings.extend(inactive_vars(env, provider))
    findings.extend(next_public_secrets(env))
    findings.extend(file_hygiene(env))
    # a name that resembles a known one (issue 21 B)
    findings.extend(spelling.findings(env))
    return findings


def inactive_vars(env: Env, provider: Provider) -> Iterator[Finding]:
    """A provider's companion vars set while its activating var is not: they are ignored."""
    if provider.is_active(env) or not provider.companions_need_activation:
        return
    stray = [
        v.name for v in provider.env_vars if v.name != provider.activation and env.is_set(v.name)
    ]
    if stray:
        yield Finding(
            f"{provider.name}.inactive-vars",
            Severity.WARNING,
            f"{', '.join(stray)} {'is' if len(stray) == 1 else 'are'} set but "
            f"{provider.activation} is not, so {provider.title} is off and "
            f"{'it is' if len(stray) == 1 else 'they are'} ignored; in use: {provider.fallback}",
            hint=_activation_hint(env, provider),
            source=env.source(stray[0]),
            provider=provider.name,
        )


def _activation_hint(env: Env, provider: Provider) -> str:
    fallback = f"set {provider.activation} to turn {provider.title} on, or remove those vars"
    return missing_hint(env, provider.activation, fallback)


def _secret_value(env: Env, name: str, value: str) -> bool:
    """Whether a NEXT_PUBLIC_ value is a secret: by shape, or equal to a secret var's value."""
    if looks_secret(value) or url_password(value) is not None or _AWS_SECRET.match(value):
        return True
    if is_secret_name(name.removeprefix("NEXT_PUBLIC_")):
        return True
    return any(
        item.value.strip() == value
        for other, item in env.values.items()
        if other != name and not other.startswith("NEXT_PUBLIC_") and env.is_secret(other)
    )


def next_public_secrets(env: Env) -> Iterator[Finding]:
    """NEXT_PUBLIC_* is inlined into the browser bundle: a secret there is published."""
    for name in sorted(env.values):
        value = env.value(name)
        if name.startswith("NEXT_PUBLIC_") and value and _secret_value(env, name, value):
            yield Finding(
                "env.next-public-secret",
                Severity.ERROR,
                f"{name} holds a secret, and Next.js ships every NEXT_PUBLIC_ variable "
                "to every visitor's browser",
                hint="move it to a server-side variable, then rotate it: treat it as leaked",
                source=env.source(name),
                provider="env",
            )


def _secrets_in(env: Env, env_file: EnvFile, *, live_only: bool) -> list[str]:
    """Names of the vars in `env_file` that hold a literal secret (live ones only if asked)."""
    names: list[str] = []
    for entry in env_file.entries:
        value = entry.raw.strip()
        if not value or "${" in value:
            continue
        secret = (
            entry.name in env.secret_names
            or (is_secret_name(entry.name) and not is_switch(value))
            or secret_shaped(value)
            or url_password(value) is not None
        )
        if not secret:
            continue
        if live_only and stripe_mode(value) == "test":
            continue
        if entry.name not in names:
            names.append(entry.name)
    return names


def file_hygiene(env: Env) -> Iterator[Finding]:
    """Env files with secrets readable by others, or committed to git."""
    for env_file in env.files:
        secrets = _secrets_in(env, env_file, live_only=False)
        if not env_file.exists or not secrets:
            continue
        try:
            mode = env_file.path.stat().st_mode
        except OSError:
            continue
        # Others, not the group: a service user's group may read the file (0640), as the
        # write-back keeps it (env/write.py removes only others' bits, issue 10).
        if mode & stat.S_IRWXO:
            yield Finding(
                "env.file-permissions",
                Severity.WARNING,
                f"{env_file.display} holds secrets ({', '.join(secrets)}) and can be read "
                f"by others (mode {stat.S_IMODE(mode):04o})",
                hint=f"chmod o-rwx {shlex.quote(env_file.display)} (0640 keeps the group's "
                "access, 0600 none)",
                source=env_file.display,
                provider="env",
            )
        live = _secrets_in(env, env_file, live_only=True)
        if live:
            yield from _git_tracked(env_file, live)


def _git_tracked(env_file: EnvFile, live: list[str]) -> Iterator[Finding]:
    """A file with live secrets that git tracks. Read from the index, never by running git:
    git runs what the store's .git/config names (fsmonitor, hooks, drivers; issue 20 A)."""
    answer = gitindex.is_tracked(env_file.path)
    if answer.tracked is None:
        yield Finding(
            "env.git-index-unreadable",
            Severity.WARNING,
            f"{env_file.display} holds live secrets ({', '.join(live)}) and storectl cannot "
            f"tell whether git tracks it: {answer.reason}",
            hint=f"check by hand, in a repository you trust (git runs what its config names): "
            f"git ls-files --error-unmatch {shlex.quote(env_file.display)}",
            source=env_file.display,
            provider="env",
        )
    elif answer.tracked:
        yield Finding(
            "env.git-tracked-secrets",
            Severity.ERROR,
            f"{env_file.display} holds live secrets ({', '.join(live)}) and is tracked by git",
            hint=f"git rm --cached {shlex.quote(env_file.display)}, add it to .gitignore, "
            "and rotate the secrets: they are in the history",
            source=env_file.display,
            provider="env",
        )
