"""`storectl env`: every variable a store's process would see, where it came from, secrets masked.

The backend view is what Medusa's `loadEnv` leaves in `process.env` (the process environment
plus the backend's files, expanded by dotenv-expand 11); the storefront view is what Next.js's
`@next/env` leaves (its own files, expanded per file). Masking: the provider registry decides for
the names it knows, any other name is masked when it says SECRET, PASSWORD, PASS, TOKEN, KEY or
WEBHOOK, or is a secret name to the redactor (AUTH, PWD, DSN, SALT, HMAC, SIGNING...; not for a
true/false switch); a value shaped like a credential (a Stripe secret, a JWT, a PEM private key,
`Bearer …`, a URL with a token parameter, a webhook URL) is masked whatever its name, a URL never
shows its password, and a value holding another variable's secret is masked. `NEXT_PUBLIC_*`
values are public by design and stay visible (but for a URL password or a credential's shape).
`masked` is true whenever the printed value is not the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from storectl import redact
from storectl.env import ENVIRONMENT_SOURCE, Env, EnvValue
from storectl.model import Finding
from storectl.output import Painter

_UNKNOWN_SECRET = re.compile(r"SECRET|PASSWORD|PASS|TOKEN|KEY|WEBHOOK")


@dataclass(frozen=True)
class Variable:
    """One variable: its printable value (`masked` when storectl hid it) and its source."""

    name: str
    value: str
    source: str
    masked: bool


@dataclass(frozen=True)
class EnvReport:
    """The JSON of `storectl env`: the view, the files read (in the reader's order), the
    variables by name, and what was surprising about reading them."""

    view: str
    environment: str
    files: list[str]
    variables: list[Variable]
    findings: list[Finding]


def is_masked(name: str, value: str, known: frozenset[str], secrets: frozenset[str]) -> bool:
    """Whether `storectl env` hides this value (see the module docstring)."""
    if redact.secret_shaped(value):
        return True
    if name.startswith("NEXT_PUBLIC_"):
        return False
    if name in known:
        return name in secrets
    if redact.is_switch(value):
        return False
    return bool(_UNKNOWN_SECRET.search(name.upper())) or redact.is_secret_name(name)


def build(
    env: Env, *, storefront: bool, known: frozenset[str], secrets: frozenset[str]
) -> EnvReport:
    """The report for one view; `known`/`secrets` are the registry's names."""
    view = "storefront" if storefront else "backend"
    values: Mapping[str, EnvValue] = env.storefront if storefront else env.values
    files = [
        f.display
        for f in env.files
        if f.exists and ((f.role == "storefront") == storefront or f.role == "env-file")
    ]
    if not storefront:
        files.reverse()  # env.files is highest precedence first; show them in read order
    front_files = {f.path for f in env.files if f.role == "storefront"}
    variables = []
    for name in sorted(values):
        item = values[name]
        if not storefront and item.path in front_files:
            continue  # filled in from the storefront's files: not the backend's process
        masked = is_masked(name, item.value, known, secrets)
        shown = redact.mask(item.value) if masked else item.value
        if not masked and redact.url_password(item.value) is not None:
            shown, masked = redact.mask_url(item.value), True
        if not masked and redact.scrub(shown) != shown:  # holds another variable's secret
            shown, masked = redact.scrub(shown), True
        variables.append(Variable(name, shown, item.source, masked))
    findings = [f for f in env.findings if _in_view(f, env, storefront)]
    return EnvReport(view, env.environment, files, variables, findings)


def _in_view(finding: Finding, env: Env, storefront: bool) -> bool:
    source = (finding.source or "").rpartition(":")[0] or finding.source or ""
    roles = {f.display: f.role for f in env.files}
    role = roles.get(source)
    if role is None:
        return not storefront
    return (role == "storefront") == storefront


def text(report: EnvReport, paint: Painter) -> str:
    """The table: name, value, source; then the findings with their fix. `report` comes through
    `output.render`, so every value is already one visible line (`output.sanitize.text`)."""
    lines = [
        f"{report.view} view ({report.environment}); files read: "
        + (", ".join(report.files) if report.files else "none")
    ]
    if report.variables:
        width = max(len(v.name) for v in report.variables)
        vwidth = min(60, max(len(v.value) for v in report.variables))
        for v in report.variables:
            source = v.source if v.source != ENVIRONMENT_SOURCE else paint("environment", "dim")
            lines.append(f"  {v.name:<{width}}  {v.value:<{vwidth}}  {source}")
    else:
        lines.append("  (no variables)")
    for f in report.findings:
        where = f" ({f.source})" if f.source else ""
        lines.append(f"{f.severity.value}: {f.code}{where}: {f.message}")
        if f.hint:
            lines.append(f"  hint: {f.hint}")
    return "\n".join(lines)
