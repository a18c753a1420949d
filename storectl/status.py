"""`storectl status`: the StatusReport model, its build from the env and registry, its text view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storectl import output
from storectl.env import FILES_READ_CODES, Env
from storectl.model import FileState, Finding, Severity
from storectl.output import Painter, StatusFormat, columns
from storectl.output.checks import fix_lines
from storectl.output.color import SEVERITY_MARK, SEVERITY_STYLE
from storectl.output.wrap import flow, terminal_width
from storectl.providers import lint
from storectl.providers.base import Provider
from storectl.redact import display

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class VarState:
    """One env var as the provider sees it; `value` is already redacted."""

    name: str
    value: str | None
    source: str | None
    secret: bool
    default_from: str | None = None


@dataclass(frozen=True)
class ProviderState:
    name: str
    title: str
    active: bool
    activated_by: str
    activation_source: str | None
    modules: tuple[str, ...]
    fallback: str | None
    variables: tuple[VarState, ...]


@dataclass(frozen=True)
class Summary:
    active: int
    inactive: int
    errors: int
    warnings: int
    info: int


@dataclass(frozen=True)
class StatusReport:
    schema_version: int
    ok: bool
    strict: bool
    environment: str
    files: tuple[FileState, ...]
    providers: tuple[ProviderState, ...]
    findings: tuple[Finding, ...]
    summary: Summary


def variables(env: Env, provider: Provider) -> tuple[VarState, ...]:
    """Each var's redacted value; unset vars that default to another show that one's value."""
    states = []
    for spec in provider.env_vars:
        secret = spec.secret or env.is_secret(spec.name)
        raw = env.get(spec.name)
        if raw is not None and raw.strip():
            value: str | None = display(spec.name, raw, secret=secret)
            states.append(VarState(spec.name, value, env.source(spec.name), secret))
        elif spec.default_from and env.is_set(spec.default_from):
            source_name = spec.default_from
            secret = secret or env.is_secret(source_name)
            value = display(source_name, env.value(source_name), secret=secret)
            states.append(
                VarState(spec.name, value, env.source(source_name), secret, spec.default_from)
            )
        elif spec.default is not None:
            states.append(VarState(spec.name, spec.default, "default", secret))
        else:
            states.append(VarState(spec.name, None, None, secret))
    return tuple(states)


def provider_state(env: Env, provider: Provider) -> ProviderState:
    active = provider.is_active(env)
    return ProviderState(
        name=provider.name,
        title=provider.title,
        active=active,
        activated_by=provider.activation,
        activation_source=env.source(provider.activation) if active else None,
        modules=provider.modules,
        fallback=None if active else provider.fallback,
        variables=variables(env, provider),
    )


def failed(findings: Sequence[Finding], *, strict: bool) -> bool:
    """Errors fail; warnings fail too under --strict."""
    bad = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(f.severity in bad for f in findings)


def required_inactive(
    env: Env, providers: Sequence[Provider], required: Sequence[str]
) -> list[Finding]:
    """--require: each named provider that is not active is an error (the CI job that lost its
    secrets, or runs in the wrong folder, fails instead of skipping)."""
    return [
        Finding(
            "require.inactive",
            Severity.ERROR,
            f"--require {p.name}: {p.title} is inactive ({p.activation} is not set); "
            f"the store falls back to {p.fallback}",
            hint=f"set {p.activation} (is this the right folder and --environment?), or drop "
            f"{p.name} from --require / STORECTL_REQUIRE",
            provider=p.name,
        )
        for p in providers
        if p.name in required and not p.is_active(env)
    ]


def build_status(
    env: Env, providers: Sequence[Provider], *, strict: bool, required: Sequence[str] = ()
) -> StatusReport:
    findings = (*lint.run(env, providers), *required_inactive(env, providers, required))
    states = tuple(provider_state(env, p) for p in providers)
    active = sum(s.active for s in states)
    return StatusReport(
        schema_version=SCHEMA_VERSION,
        ok=not failed(findings, strict=strict),
        strict=strict,
        environment=env.environment,
        files=tuple(FileState(f.display, f.role, f.exists) for f in env.files),
        providers=states,
        findings=findings,
        summary=Summary(
            active=active,
            inactive=len(states) - active,
            errors=sum(f.severity is Severity.ERROR for f in findings),
            warnings=sum(f.severity is Severity.WARNING for f in findings),
            info=sum(f.severity is Severity.INFO for f in findings),
        ),
    )


# --- text view ---------------------------------------------------------------------------------


def render(report: StatusReport, fmt: StatusFormat, *, quiet: bool = False) -> None:
    """The report as a table (`quiet`: failures and the summary line only) or as JSON."""
    output.render(report, fmt, quiet_table if quiet else status_table)


def quiet_table(report: StatusReport, paint: Painter) -> str:
    """`status -q`: the findings that fail the run (errors; warnings too under --strict), then
    the summary line: nothing to read when all is well."""
    failing = {Severity.ERROR} | ({Severity.WARNING} if report.strict else set())
    out: list[str] = []

    for f in report.findings:
        if f.severity in failing or f.code in FILES_READ_CODES:
            out += finding_lines(f, paint)
    return "\n".join([*out, *([""] if out else []), summary_text(report, paint)])


def summary_text(report: StatusReport, paint: Painter) -> str:
    """The summary line (wrapped at the terminal width), its verdict painted."""
    s = report.summary
    verdict = "ok" if report.ok else "failed"
    plain = (
        f"{s.active} active, {s.inactive} inactive · {s.errors} errors, "
        f"{s.warnings} warnings, {s.info} info · {verdict}"
        + (" (--strict)" if report.strict else "")
    )
    lines = flow(plain, 0, 2, terminal_width())
    head, _, tail = lines[-1].rpartition(verdict)
    style = ("green",) if report.ok else ("bold", "red")
    lines[-1] = head + paint(verdict, *style) + tail
    return "\n".join(lines)


def status_table(report: StatusReport, paint: Painter) -> str:
    loaded = [f.path for f in report.files if f.exists]
    files = ", ".join(loaded) if loaded else "none found (process environment only)"
    head = flow(f"environment: {report.environment} · files: {files}", 0, 2, terminal_width())
    out = [head[0].replace(report.environment, paint(report.environment, "bold"), 1), *head[1:]]
    out.append("")
    rows: list[list[tuple[str, tuple[str, ...]]]] = [
        [("provider", ("bold",)), ("state", ("bold",)), ("activated by / falls back to", ("bold",))]
    ]
    for p in report.providers:
        if p.active:
            rows.append(
                [
                    (p.title, ()),
                    ("active", ("green",)),
                    (f"{p.activated_by} ({p.activation_source})", ()),
                ]
            )
        else:
            rows.append(
                [
                    (p.title, ()),
                    ("inactive", ("dim",)),
                    (f"{p.activated_by} unset → {p.fallback}", ()),
                ]
            )
    out += columns(rows, paint)

    for p in report.providers:
        out += _variable_lines(p, paint)

    if report.findings:
        out += ["", paint("findings", "bold")]
        for f in report.findings:
            out += finding_lines(f, paint)
    out += ["", summary_text(report, paint)]
    return "\n".join(out)


def _variable_lines(p: ProviderState, paint: Painter) -> list[str]:
    """One provider's variables (all when active; those set when not) with their sources."""
    shown = [v for v in p.variables if p.active or (v.value is not None and v.source != "default")]
    if not shown:
        return []
    total = terminal_width()
    modules = ", ".join(p.modules) if p.active and p.modules else ""
    heading = flow(f"{p.title}  {modules}".rstrip(), 0, 2, total)
    heading[0] = paint(p.title, "bold") + paint(heading[0][len(p.title) :], "dim")
    out = ["", heading[0], *(paint(line, "dim") for line in heading[1:])]
    # name, source, value: the value last, so a long one wraps under itself
    var_rows: list[list[tuple[str, tuple[str, ...]]]] = []
    for v in shown:
        if v.value is None:
            var_rows.append([(v.name, ()), ("unset", ("dim",)), ("", ())])
        elif v.default_from:
            var_rows.append(
                [(v.name, ()), (f"→ {v.default_from} ({v.source})", ("dim",)), (v.value, ())]
            )
        else:
            var_rows.append([(v.name, ()), (v.source or "", ("dim",)), (v.value, ())])
    out += columns(var_rows, paint, indent=2)
    return out


def finding_lines(f: Finding, paint: Painter) -> list[str]:
    """A finding: mark, severity, code and where on one line (wrapped), its message beneath,
    then its fix in normal weight."""
    total = terminal_width()
    mark = f"{SEVERITY_MARK[f.severity]} {f.severity.value:<7}"
    head = flow(f"{mark} {f.code}" + (f"  {f.source}" if f.source else ""), 2, 6, total)
    head[0] = "  " + paint(mark, SEVERITY_STYLE[f.severity]) + head[0][2 + len(mark) :]
    lines = [*head, *flow(f.message, 6, 6, total)]
    if f.hint:
        lines += fix_lines(f.hint, paint, 6, total)
    return lines
