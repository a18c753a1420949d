"""Where a command's env options meet the registry: load the store env with every secret known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storectl import env as envmod
from storectl import redact
from storectl.providers import registry

Env = envmod.Env


@dataclass(frozen=True)
class EnvOptions:
    """The shared env options of a command, as given on the command line."""

    project: Path | None = None
    env_files: tuple[Path, ...] = ()
    environment: str | None = None
    ignore_environment: bool = False

    @classmethod
    def of(
        cls,
        project: Path | None,
        env_files: list[Path] | None,
        environment: str | None,
        ignore_environment: bool,
    ) -> EnvOptions:
        """From the shared command-line options, as Typer passes them."""
        return cls(project, tuple(env_files or ()), environment, ignore_environment)


def load(options: EnvOptions) -> envmod.Env:
    """Load the store's env, and teach the run's redactor every secret in it."""
    env = envmod.load(
        project=options.project,
        env_files=options.env_files,
        environment=options.environment,
        ignore_environment=options.ignore_environment,
        secret_names=registry.secret_names(),
    )
    redact.current().add_env(env)
    return env
