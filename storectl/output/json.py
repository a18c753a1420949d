"""Stable JSON of result dataclasses: the keys documented in README.md, enums as strings."""

from __future__ import annotations

import dataclasses
from typing import Any


def to_json(value: object) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings."""
    import json  # lazy: only --format json pays for it

    data: Any = value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = dataclasses.asdict(value)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
