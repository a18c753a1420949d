"""The StorectlError tree and exit codes: what the CLI boundary turns into `Error:` + `hint:`.

May import storectl.model only."""

from __future__ import annotations

from enum import IntEnum

from storectl.model import UNUSABLE, Stage


class ExitCode(IntEnum):
    """Process exit codes; documented in README.md and stable across releases."""

    OK = 0
    #: a lint error, a failed check, or a warning under --strict
    FAILED = 1
    #: bad usage, or configuration storectl cannot read (missing file, bad directory)
    USAGE = 2
    INTERRUPTED = 130


class StorectlError(Exception):
    """An error the user can fix; carries a hint that names the fix."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, hint: str | None = None, stage: Stage | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: where a failure with the outside world broke (CONNECT, TLS, AUTH, ...), when known
        self.stage = stage


class ConfigError(StorectlError):
    """Configuration storectl cannot read: a missing env file, a project that is not a store."""

    exit_code = ExitCode.USAGE


class UsageError(StorectlError):
    """Options that contradict each other or name something that does not exist."""

    exit_code = ExitCode.USAGE


class NetworkError(StorectlError):
    """A failed exchange with a provider (Stripe, Medusa, SMTP, ...), classified by the stage it
    broke at; the one error type clients raise instead of their SDK's or socket's errors."""

    def __init__(self, stage: Stage, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint, stage)
        self.stage: Stage = stage

    @property
    def unusable(self) -> bool:
        """The server could not be used at all (DNS, CONNECT, TIMEOUT, TLS)."""
        return self.stage in UNUSABLE
