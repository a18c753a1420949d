"""The StorectlError tree and exit codes: what the CLI boundary turns into `Error:` + `hint:`."""

from __future__ import annotations

from enum import IntEnum


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

    def __init__(self, message: str, hint: str | None = None, stage: str | None = None) -> None:
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
