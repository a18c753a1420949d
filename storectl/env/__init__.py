"""The store's configuration: dotenv discovery, parsing, precedence and expansion; atomic writes."""

from storectl.env.loader import (
    ENVIRONMENT_SOURCE,
    FILES_READ_CODES,
    KNOWN_ENVIRONMENTS,
    Entry,
    Env,
    EnvFile,
    EnvValue,
    Layout,
    discover,
    find_layout,
    load,
    parse,
)

__all__ = [
    "ENVIRONMENT_SOURCE",
    "FILES_READ_CODES",
    "KNOWN_ENVIRONMENTS",
    "Entry",
    "Env",
    "EnvFile",
    "EnvValue",
    "Layout",
    "discover",
    "find_layout",
    "load",
    "parse",
]
