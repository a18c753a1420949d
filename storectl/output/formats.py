"""The closed sets of output formats commands offer (checked exhaustively with assert_never)."""

from __future__ import annotations

from enum import StrEnum


class StatusFormat(StrEnum):
    """Output formats of offline commands."""

    TABLE = "table"
    JSON = "json"


class DoctorFormat(StrEnum):
    """Output formats of doctor: human table, JSON, and the two CI formats."""

    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    GITHUB = "github"


class ColorMode(StrEnum):
    """--color: auto (a terminal, unless NO_COLOR; FORCE_COLOR/CLICOLOR_FORCE force it),
    always, never."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"
