"""Stable JSON of result dataclasses: the keys documented in README.md, enums as strings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from storectl.output.sanitize import json_text
from storectl.redact import scrub

#: The version of the envelope every command's JSON document opens with (docs/schemas/).
ENVELOPE_VERSION = 1

#: The command this run is (`doctor`, `webhooks list`): set once by the CLI (cli.py), read by
#: the envelope. A context variable: tests run many commands in one process.
_COMMAND: ContextVar[str] = ContextVar("storectl_command", default="")


@contextmanager
def command(name: str) -> Iterator[None]:
    """Every JSON document written inside names `name` as its command."""
    token = _COMMAND.set(name)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def to_json(value: object) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings,
    opened by the envelope (`schema_version`, `command`, `ok`: issue 21 D).
    Values stay exactly as read or received; the text is made safe to print (`json_text`)."""
    import json  # lazy: only --format json pays for it

    data: object = value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = dataclasses.asdict(value)
    if isinstance(data, dict):
        data = envelope(data)
    return json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def envelope(data: dict[str, object]) -> dict[str, object]:
    """`schema_version`, `command` and `ok` first, whatever the document: a program reads
    these three the same way for every command. A result without its own `ok` is ok unless
    it says otherwise: a failed check `status`, or `failed` deliveries."""
    ok = data.get("ok")
    if not isinstance(ok, bool):
        status = data.get("status")
        failed = data.get("failed")
        ok = status not in ("fail", "error") and not (isinstance(failed, int) and failed > 0)
    head = {
        "schema_version": data.get("schema_version", ENVELOPE_VERSION),
        "command": _COMMAND.get() or None,
        "ok": ok,
    }
    return {**head, **{k: v for k, v in data.items() if k not in head}}


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
