"""Where a command's env options meet the registry: load the store env with every secret known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storectl import env as envmod
from storectl import redact
from storectl.errors import ConfigError
from storectl.providers import registry

Env = envmod.Env


@dataclass(frozen=True)
class EnvOptions:
    """The shared env options of a command, as given on the command line."""

    project: Path | None = None
    env_files: tuple[Path, ...] = ()
    environment: str | None = None
    ignore_environment: bool = False
    #: --allow-empty: no env file and no provider variable is a configuration, not an error
    allow_empty: bool = False

    @classmethod
    def of(
        cls,
        project: Path | None,
        env_files: list[Path] | None,
        environment: str | None,
        ignore_environment: bool,
        allow_empty: bool = False,
    ) -> EnvOptions:
        """From the shared command-line options, as Typer passes them."""
        return cls(project, tuple(env_files or ()), environment, ignore_environment, allow_empty)


def load(options: EnvOptions) -> envmod.Env:
    """Load the store's env, and teach the run's redactor every secret in it."""
    env = envmod.load(
        project=options.project,
        env_files=options.env_files,
        environment=options.environment,
        ignore_environment=options.ignore_environment,
        secret_names=registry.secret_names(),
        credential_pairs=registry.credential_pairs(),
    )
    redact.current().add_env(env)
    if not options.allow_empty:
        require_configuration(env, options)
    return env


def require_configuration(env: envmod.Env, options: EnvOptions) -> None:
    """No env file and no provider variable in the process environment: a CI job in the wrong
    folder or with its secrets missing. Every check would be skipped and "ok" would mean
    nothing, so it is a configuration error (exit 2) that names where storectl looked."""
    if any(f.exists for f in env.files):
        return
    if any(
        env.source(name) == envmod.ENVIRONMENT_SOURCE and env.is_set(name)
        for name in registry.variable_names()
    ):
        return
    root = (env.root or Path(".")).resolve()
    if env.files:
        looked = "no env file at " + ", ".join(str(f.path) for f in env.files)
    else:
        looked = f"no backend/ or storefront/ folder, medusa-config or .env in {root}"
    process = (
        "the process environment was ignored (--ignore-environment)"
        if options.ignore_environment
        else "no provider variable (STRIPE_API_KEY, S3_BUCKET, ...) in the process environment"
    )
    raise ConfigError(
        f"no configuration found: {looked}, and {process}",
        hint="run in the store's root, or pass --project or --env-file; "
        "pass --allow-empty to check an empty configuration on purpose",
    )
