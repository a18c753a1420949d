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

Listed: every variable the view's files set, and the process variables the store reads (a
provider's declared variables, Medusa's and Next's own, names the files expand, the proxy and
CA settings storectl's checks follow); the shell's others (PATH, OLDPWD, TERM...) with --all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from storectl import redact
from storectl.env import ENVIRONMENT_SOURCE, Env, EnvValue
from storectl.model import Finding
from storectl.output import Painter, Row, columns
from storectl.output.checks import fix_lines
from storectl.output.wrap import flow, terminal_width

_UNKNOWN_SECRET = re.compile(r"SECRET|PASSWORD|PASS|TOKEN|KEY|WEBHOOK")
#: Process variables a store reads besides its providers' (which the registry declares):
#: Medusa's own (medusa-config.ts, loadEnv), Node's CA and options, and the proxy and CA
#: settings storectl's own checks follow.
STORE_READS = frozenset(
    {
        "NODE_ENV",
        "DATABASE_URL",
        "JWT_SECRET",
        "COOKIE_SECRET",
        "STORE_CORS",
        "ADMIN_CORS",
        "AUTH_CORS",
        "MEDUSA_WORKER_MODE",
        "DISABLE_MEDUSA_ADMIN",
        "PORT",
        "NODE_OPTIONS",
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    }
)
#: Prefixes of names a store's processes read whatever follows: Next.js inlines every
#: NEXT_PUBLIC_ variable; storectl reads its own settings.
STORE_PREFIXES = ("NEXT_PUBLIC_", "STORECTL_")
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


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


def store_reads(env: Env, storefront: bool, known: frozenset[str]) -> frozenset[str]:
    """Process variables this view's store reads: `known` (the registry's), STORE_READS, the
    names its files set (the process overrides them) and the names they expand."""
    names = set(known | STORE_READS)
    for file in env.files:
        if (file.role == "storefront") != storefront and file.role != "env-file":
            continue
        for entry in file.entries:
            names.add(entry.name)
            names.update(_REFERENCE.findall(entry.raw))
    return frozenset(names)


def build(
    env: Env,
    *,
    storefront: bool,
    known: frozenset[str],
    secrets: frozenset[str],
    every: bool = True,
) -> EnvReport:
    """The report for one view; `known`/`secrets` are the registry's names. Unless `every`,
    a process variable the store does not read (store_reads) is left out."""
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
    reads = store_reads(env, storefront, known)
    variables = []
    for name in sorted(values):
        item = values[name]
        if not storefront and item.path in front_files:
            continue  # filled in from the storefront's files: not the backend's process
        if not every and item.source == ENVIRONMENT_SOURCE and not _read(name, reads):
            continue  # the shell's own (PATH, TERM...): --all shows them
        masked = is_masked(name, item.value, known, secrets)
        shown = redact.mask(item.value) if masked else item.value
        if not masked and redact.url_password(item.value) is not None:
            shown, masked = redact.mask_url(item.value), True
        if not masked and redact.scrub(shown) != shown:  # holds another variable's secret
            shown, masked = redact.scrub(shown), True
        variables.append(Variable(name, shown, item.source, masked))
    findings = [f for f in env.findings if _in_view(f, env, storefront)]
    return EnvReport(view, env.environment, files, variables, findings)


def _read(name: str, reads: frozenset[str]) -> bool:
    return name in reads or name.startswith(STORE_PREFIXES)


def hidden(env: Env, storefront: bool, known: frozenset[str]) -> int:
    """How many process variables the store does not read (what `--all` adds)."""
    values: Mapping[str, EnvValue] = env.storefront if storefront else env.values
    reads = store_reads(env, storefront, known)
    return sum(
        v.source == ENVIRONMENT_SOURCE and not _read(name, reads) for name, v in values.items()
    )


def _in_view(finding: Finding, env: Env, storefront: bool) -> bool:
    source = (finding.source or "").rpartition(":")[0] or finding.source or ""
    roles = {f.display: f.role for f in env.files}
    role = roles.get(source)
    if role is None:
        return not storefront
    return (role == "storefront") == storefront


def text(report: EnvReport, paint: Painter, hidden: int = 0) -> str:
    """The table: name, source, value (last: a long value wraps under itself, never past the
    terminal's edge); then how many shell variables --all would add; then the findings with
    their fix. `report` comes through `output.render`, so every value is already one visible
    line (`output.sanitize.text`)."""
    total = terminal_width()
    files = ", ".join(report.files) if report.files else "none"
    lines = flow(f"{report.view} view ({report.environment}); files read: {files}", 0, 2, total)
    rows: list[Row] = []
    for v in report.variables:
        source = (v.source, ()) if v.source != ENVIRONMENT_SOURCE else ("environment", ("dim",))
        rows.append([(v.name, ()), source, (v.value, ())])
    lines += columns(rows, paint, indent=2) if rows else ["  (no variables)"]
    if hidden:
        more = f"{hidden} more from the shell that the store does not read: --all lists them"
        lines += flow(f"({more})", 2, 3, total)
    for f in report.findings:
        where = f" ({f.source})" if f.source else ""
        lines += flow(f"{f.severity.value}: {f.code}{where}: {f.message}", 0, 2, total)
        if f.hint:
            lines += fix_lines(f.hint, paint, 2, total)
    return "\n".join(lines)
