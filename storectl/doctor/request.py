"""One doctor run as the command line asks for it: its options checked once (a usage error
before any store is read), then the same for every store the run covers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from storectl.doctor.runner import DoctorReport, build
from storectl.env import Env
from storectl.errors import UsageError
from storectl.providers.base import ProbeOptions, Provider
from storectl.providers.registry import provider_names
from storectl.providers.values import is_http_url
from storectl.since import seconds_back


@dataclass(frozen=True)
class Request:
    """What to check and how: `report(env, on_done)` is one store's doctor report,
    `steps(env)` the providers its progress line counts."""

    providers: tuple[Provider, ...]
    options: ProbeOptions
    strict: bool
    #: the env files' own findings too (not with --only: they belong to no provider asked for)
    include_env_lint: bool
    #: --require: providers that must be active
    required: tuple[str, ...]

    @classmethod
    def of(
        cls,
        providers: Sequence[Provider],
        *,
        timeout: float,
        write: bool,
        since: str,
        settings: Mapping[str, str | None],
        strict: bool,
        include_env_lint: bool,
        require: Sequence[str],
    ) -> Request:
        """From the command's options; --since, the URL settings and --require's names are
        checked here, in that order (a usage error names the option)."""
        options = ProbeOptions(
            timeout=timeout, write=write, since=seconds_back(since), settings=urls(settings)
        )
        required = tuple(provider_names(require, "--require"))
        return cls(tuple(providers), options, strict, include_env_lint, required)

    def report(self, env: Env, on_done: Callable[[str], None] | None = None) -> DoctorReport:
        """One store's report: lint and live probes of the providers, under one deadline."""
        return build(
            env,
            self.providers,
            self.options,
            strict=self.strict,
            include_env_lint=self.include_env_lint,
            on_done=on_done,
            required=self.required,
        )

    def steps(self, env: Env) -> list[str]:
        """The providers whose probe runs for this store (the progress line's steps)."""
        return [p.name for p in self.providers if p.is_active(env) and p.probe]


def urls(given: Mapping[str, str | None]) -> dict[str, str]:
    """The settings passed to the providers by name (`storefront_url` from --storefront-url);
    each must be an http(s) URL."""
    for name, value in given.items():
        if value is not None and not is_http_url(value):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} {value!r} is not an http(s) URL", hint=f"write {flag} https://host"
            )
    return {name: value for name, value in given.items() if value is not None}
