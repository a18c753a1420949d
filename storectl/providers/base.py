"""The provider model: env var specs, endpoints, probe options and provider descriptions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storectl.model import Check, Finding

if TYPE_CHECKING:
    from storectl.env import Env


@dataclass(frozen=True)
class EnvVar:
    """An env var a provider reads; `default_from` names the var it falls back to."""

    name: str
    description: str
    required: bool = False
    secret: bool = False
    default: str | None = None
    default_from: str | None = None
    #: (a secret) the variable holding the user name it is sent with (HTTP Basic, AUTH PLAIN,
    #: an access key id): the redactor then masks those payloads too
    user: str | None = None
    #: (a secret) sent alone as the user of HTTP Basic, with no password (an API key)
    basic_user: bool = False


@dataclass(frozen=True)
class Endpoint:
    """Where a provider's server is configured: the env var holding its address, and how an
    address is written there. Declarative, for tools that point a provider at another server
    (the fault matrix points it at faulty peers); the probe itself just reads its env."""

    var: str
    plain: str = "http://{host}:{port}"
    tls: str = "https://{host}:{port}"

    def address(self, host: str, port: int, tls: bool) -> str:
        return (self.tls if tls else self.plain).format(host=host, port=port)


#: How far back `doctor --since` looks by default: a week of payments and events.
DEFAULT_SINCE = 7 * 24 * 3600.0


@dataclass(frozen=True)
class ProbeOptions:
    """What a live probe may do: its time budget, whether it may write (the S3 and upload
    probes), how far back the payment and delivery checks look (seconds), and settings a
    command passes to providers by name (`storefront_url`, `admin_url`: doctor's options)."""

    timeout: float = 10.0
    write: bool = True
    since: float = DEFAULT_SINCE
    settings: Mapping[str, str] = field(default_factory=dict)


Lint = Callable[["Env"], Iterable[Finding]]
Probe = Callable[["Env", ProbeOptions], list[Check]]


@dataclass(frozen=True)
class ProbeCheck:
    """One live check a provider's probe may report, declared beside the probe: what a pass
    proves, whether it changes state anywhere (`writes`), and every request it makes that is
    not a read (`sends`: a login, a preflight, an upload; "" when it only reads).
    `doctor --list-checks` prints these; a probe that reports a name not declared here gets an
    ERROR check instead (storectl/doctor/runner.py): the catalogue cannot fall behind."""

    name: str
    proves: str
    writes: bool = False
    sends: str = ""


@dataclass(frozen=True)
class Provider:
    """What storectl knows about one provider; adding one is a module and a registry line."""

    name: str
    title: str
    activation: str
    env_vars: tuple[EnvVar, ...]
    modules: tuple[str, ...]
    fallback: str
    lint: Lint = field(repr=False)
    probe: Probe | None = field(default=None, repr=False)
    #: the env var naming its server, when one var does (see Endpoint)
    endpoint: Endpoint | None = None
    #: False when its other vars are read even without the activating var (the storefront
    #: reads its backend URL with or without a key): its own lint then reports what is
    #: missing, and the generic "set but ignored" warning would be wrong
    companions_need_activation: bool = True
    #: its probe reads only its own `env_vars`: stores with the same values can share one run
    #: (storectl/fleet/share.py); False for probes that read a store's own settings
    shareable: bool = False
    #: the live checks its probe may report (doctor --list-checks)
    checks: tuple[ProbeCheck, ...] = ()
    #: False for what doctor checks but medusa-config.ts does not switch on (the catalogue's
    #: sellability, the background work): `status` lists the production providers only
    in_status: bool = True

    def is_active(self, env: Env) -> bool:
        """Active exactly as medusa-config.ts decides: the activating var set and non-blank."""
        return env.is_set(self.activation)

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.env_vars if v.secret)

    @property
    def credential_pairs(self) -> tuple[tuple[str, str | None], ...]:
        """(user variable, password variable) for each secret sent with a user; (key, None)
        for a key sent alone as the Basic user."""
        return tuple(
            (v.user, v.name) if v.user else (v.name, None)
            for v in self.env_vars
            if v.user or v.basic_user
        )
