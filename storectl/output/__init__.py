"""Shared rendering, split by format: console (stdout/stderr), colour, tables, JSON, JUnit, GitHub.

Results are scrubbed value by value before rendering (`scrub_data`), so no format's syntax can be
damaged; human text is scrubbed once more as it is written. Each capability keeps its own text
view (status.py, doctor/view.py, webhooks/view.py, ...) built from these pieces.
"""

from storectl.output.color import Painter, use_color
from storectl.output.console import Progress, deliver, error, note, render, write
from storectl.output.formats import DoctorFormat, StatusFormat
from storectl.output.json import to_json
from storectl.output.table import Row, columns, label

__all__ = [
    "DoctorFormat",
    "Painter",
    "Progress",
    "Row",
    "StatusFormat",
    "columns",
    "deliver",
    "error",
    "label",
    "note",
    "render",
    "to_json",
    "use_color",
    "write",
]
