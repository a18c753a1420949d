"""Stable JSON of result dataclasses: the keys documented in README.md, enums as strings."""

from __future__ import annotations

import dataclasses
from typing import Any

from storectl.output.sanitize import json_text
from storectl.redact import scrub


def to_json(value: object) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings.
    Values stay exactly as read or received; the text is made safe to print (`json_text`)."""
    import json  # lazy: only --format json pays for it

    data: Any = value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = dataclasses.asdict(value)
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


#: The version of the error document's keys (README "JSON output": errors).
ERROR_SCHEMA_VERSION = 1


def error_document(message: str, stage: str | None, hint: str | None, exit_code: int) -> str:
    """The JSON a program reads when a command ends in an error: the same facts as the human
    `Error:`/`stage:`/`hint:` lines on stderr, scrubbed of secrets like them."""
    return to_json(
        {
            "schema_version": ERROR_SCHEMA_VERSION,
            "ok": False,
            "error": {
                "message": scrub(message),
                "stage": stage,
                "hint": scrub(hint) if hint is not None else None,
                "exit_code": exit_code,
            },
        }
    )
