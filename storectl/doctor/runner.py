"""`storectl doctor`: the offline lint plus every active provider's live probe, run concurrently.

Each provider's probe runs in its own daemon thread (net/parallel.py); doctor waits at most
`--timeout` plus a half-second margin, and a provider still running then is reported as TIMEOUT,
so one peer that never answers cannot hold the report hostage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from storectl.env import Env
from storectl.model import Check, FileState, Finding, Severity, Stage, Status
from storectl.net.deadline import Deadline
from storectl.net.parallel import gather
from storectl.net.proxy import Proxies
from storectl.providers import lint
from storectl.providers.base import ProbeCheck, ProbeOptions, Provider
from storectl.providers.joints import Joint, joints
from storectl.providers.registry import PROVIDERS, provider_names

SCHEMA_VERSION = 1
#: Extra time doctor gives a probe past --timeout before it reports TIMEOUT itself.
GRACE = 0.5

_FROM_SEVERITY = {
    Severity.ERROR: Status.FAIL,
    Severity.WARNING: Status.WARN,
    Severity.INFO: Status.OK,
}


@dataclass(frozen=True)
class DoctorSummary:
    total: int
    ok: int
    warn: int
    fail: int
    skip: int
    error: int
    duration_ms: int


@dataclass(frozen=True)
class DoctorReport:
    schema_version: int
    ok: bool
    strict: bool
    environment: str
    files: tuple[FileState, ...]
    checks: tuple[Check, ...]
    summary: DoctorSummary
    #: the proxy variables of the process environment (NAME=value, credentials masked)
    proxies: tuple[str, ...] = ()


def select(
    providers: Sequence[Provider], only: Iterable[str], skip: Iterable[str]
) -> list[Provider]:
    """Providers named by --only/--skip (comma lists); an unknown name is a usage error."""
    wanted = provider_names(only, "--only")
    unwanted = provider_names(skip, "--skip")
    return [p for p in providers if (not wanted or p.name in wanted) and p.name not in unwanted]


def lint_check(item: Finding) -> Check:
    """A lint finding as a check: errors fail, warnings warn, info is reported as ok."""
    status = _FROM_SEVERITY[item.severity]
    return Check(
        provider=item.provider or "env",
        check=item.code,
        status=status,
        summary=item.message,
        hint=item.hint,
        stage=Stage.CONFIG if status is not Status.OK else None,
        target=item.source,
    )


def _run_probe(
    provider: Provider, env: Env, options: ProbeOptions, selected: Sequence[Joint]
) -> list[Check]:
    """The provider's probe, then the joint checks it leads once it reported their `after`,
    all within one deadline (the thread's)."""
    assert provider.probe is not None
    probe = provider.probe
    deadline = Deadline(options.timeout)
    checks = _guarded(provider.name, provider.checks, lambda: probe(env, options))
    for joint in selected:
        if joint.lead == provider.name and any(c.check == joint.after for c in checks):
            run = partial(joint.probe, env, options, deadline)
            checks += _guarded(provider.name, joint.checks, run)
    return checks


def _guarded(
    name: str, allowed: Sequence[ProbeCheck], probe: Callable[[], list[Check]]
) -> list[Check]:
    try:
        return declared(name, allowed, probe())
    except Exception as exc:  # noqa: BLE001 - a crashed check is a result, not a crash
        return [
            Check(
                name,
                "probe",
                Status.ERROR,
                f"the check crashed: {type(exc).__name__}: {exc}",
                hint="this is a bug in storectl: rerun with --debug and report it",
            )
        ]


def declared(name: str, allowed: Sequence[ProbeCheck], checks: list[Check]) -> list[Check]:
    """`checks`, each one whose name is not declared (`Provider.checks`, `Joint.checks`: what
    --list-checks prints) turned into an ERROR: a programming error, never a silent row."""
    names = {c.name for c in allowed}
    return [
        check
        if check.check in names
        else Check(
            name,
            check.check,
            Status.ERROR,
            f"the probe reported a check its provider does not declare ({check.check!r}): "
            f"{check.summary}",
            hint="this is a bug in storectl: declare the check in the provider's CHECKS",
            target=check.target,
        )
        for check in checks
    ]


def probe_all(
    env: Env,
    providers: Sequence[Provider],
    options: ProbeOptions,
    on_done: Callable[[str], None] | None = None,
) -> dict[str, list[Check]]:
    """Run every active provider's probe at once (net/parallel.py), each on its own thread;
    inactive ones are skipped with their fallback. Doctor waits at most --timeout + GRACE."""
    results: dict[str, list[Check]] = {}
    led = joints(providers)
    tasks: dict[str, Callable[[], list[Check]]] = {}
    for provider in providers:
        if not provider.is_active(env):
            results[provider.name] = [
                Check(
                    provider.name,
                    "active",
                    Status.SKIP,
                    f"{provider.activation} unset → {provider.fallback}",
                )
            ]
        elif provider.probe is None:
            results[provider.name] = []
        else:
            tasks[provider.name] = partial(_run_probe, provider, env, options, led)

    def done(name: str, _checks: list[Check]) -> bool:
        if on_done is not None:
            on_done(name)
        return False

    started = time.monotonic()
    results |= gather(
        tasks,
        jobs=len(tasks),
        until=started + options.timeout + GRACE,
        on_done=done,
        name="storectl-probe",
    )
    pending = set(tasks) - set(results)
    for name in pending:
        results[name] = [
            Check(
                name,
                "probe",
                Status.FAIL,
                f"no answer within {options.timeout:g} s",
                hint="a peer accepted the connection but never answered: check the host and "
                "port, or raise --timeout",
                stage=Stage.TIMEOUT,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
        ]
    return {p.name: results[p.name] for p in providers if p.name in results}


def required_checks(
    env: Env, providers: Sequence[Provider], required: Sequence[str]
) -> list[Check]:
    """--require: a named provider that is inactive is a failed check."""
    known = {p.name: p for p in (*providers, *PROVIDERS)}
    return [
        Check(
            name,
            "required",
            Status.FAIL,
            f"--require {name}: {known[name].title} is inactive "
            f"({known[name].activation} is not set)",
            hint=f"set {known[name].activation} (is this the right folder and --environment?), "
            f"or drop {name} from --require / STORECTL_REQUIRE",
            stage=Stage.CONFIG,
        )
        for name in required
        if name in known and not known[name].is_active(env)
    ]


def requested_skip(check: Check) -> bool:
    """A check skipped because an option asked for it says so first (`--no-write: ...`)."""
    return check.status is Status.SKIP and check.summary.startswith("--")


def unchecked(
    env: Env, providers: Sequence[Provider], probed: dict[str, list[Check]]
) -> list[Check]:
    """An active provider none of whose live checks ran (each skipped, and not on request) was
    not checked at all: a warning, so --strict fails instead of printing "ok"."""
    found = []
    for provider in providers:
        checks = probed.get(provider.name)
        if checks is None or not provider.is_active(env):
            continue
        if any(c.status is not Status.SKIP or requested_skip(c) for c in checks):
            continue
        found.append(
            Check(
                provider.name,
                "live",
                Status.WARN,
                f"{provider.title} is active but no live check ran "
                + ("(it has none)" if not checks else "(every one was skipped)"),
                hint="see the skipped checks' hints for what they need",
                stage=Stage.CONFIG,
            )
        )
    return found


def failed(checks: Sequence[Check], *, strict: bool) -> bool:
    bad = {Status.FAIL, Status.ERROR} | ({Status.WARN} if strict else set())
    return any(c.status in bad for c in checks)


def build(
    env: Env,
    providers: Sequence[Provider],
    options: ProbeOptions,
    *,
    strict: bool,
    include_env_lint: bool = True,
    on_done: Callable[[str], None] | None = None,
    required: Sequence[str] = (),
) -> DoctorReport:
    start = time.monotonic()
    names = {p.name for p in providers}
    findings = lint.run(env, providers)
    checks = [
        lint_check(f)
        for f in findings
        if f.provider in names or (include_env_lint and f.provider == "env")
    ]
    checks.extend(required_checks(env, providers, required))
    probed = probe_all(env, providers, options, on_done)
    for provider_checks in probed.values():
        checks.extend(provider_checks)
    checks.extend(unchecked(env, providers, probed))
    # One block per provider, in registry order (its lint first), the env files' findings last.
    order = {p.name: index for index, p in enumerate(providers)}
    checks.sort(key=lambda c: order.get(c.provider, len(order)))
    counts = {status: sum(c.status is status for c in checks) for status in Status}
    return DoctorReport(
        schema_version=SCHEMA_VERSION,
        ok=not failed(checks, strict=strict),
        strict=strict,
        environment=env.environment,
        files=tuple(FileState(f.display, f.role, f.exists) for f in env.files),
        checks=tuple(checks),
        summary=DoctorSummary(
            total=len(checks),
            ok=counts[Status.OK],
            warn=counts[Status.WARN],
            fail=counts[Status.FAIL],
            skip=counts[Status.SKIP],
            error=counts[Status.ERROR],
            duration_ms=round((time.monotonic() - start) * 1000),
        ),
        proxies=tuple(f"{name}={value}" for name, value in Proxies.from_environ().shown()),
    )


@dataclass(frozen=True)
class CheckEntry:
    """One row of `doctor --list-checks`."""

    provider: str
    check: str
    proves: str
    #: it changes state somewhere (an object, a key, a file, a session)
    writes: bool
    #: the requests it makes that are not reads ("" when it only reads)
    sends: str


@dataclass(frozen=True)
class CheckCatalog:
    """Every live check doctor can run, as each provider module declares it."""

    checks: tuple[CheckEntry, ...]


def catalog(providers: Sequence[Provider]) -> CheckCatalog:
    """The checks of `providers` and of the joint checks they make up, from their declarations
    (the registry is the one list); a joint check's rows follow its lead's."""
    led = joints(providers)
    return CheckCatalog(
        tuple(
            CheckEntry(p.name, c.name, c.proves, c.writes, c.sends)
            for p in providers
            for c in (*p.checks, *(c for j in led if j.lead == p.name for c in j.checks))
        )
    )
