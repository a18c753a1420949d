"""Hostile text: what a store file, a fleet file or a peer may hold to forge storectl's output,
and the check that none of it survived (issue 20 B).

The payloads try everything a log or a terminal acts on: a line break then a GitHub Actions
workflow command, the legacy `##[command]` form (honoured anywhere in a line), OSC (retitle the
terminal) and CSI (clear it) sequences, a C1 CSI, a bidi override, NUL, CR, DEL, HTML and a
markdown link for the step summary. Stdlib only: tests, benchmarks and the demo may use it.
"""

from __future__ import annotations

import re

#: A workflow command on a line of its own, once the value is printed raw.
WORKFLOW = "25\n::error title=x::INJECTED"
#: Every trick at once (fits where any text goes: a host, a display id, a region name).
PAYLOAD = (
    "shop\n::error title=x::INJECTED \x1b]0;pwn\x07 \x1b[2J \x9b31m \u202eevil ##[add-mask]y "
    "\x00 a\rb \x7f <img src=x onerror=alert(1)> <details> [Click to fix](https://phish.invalid)"
)
#: One payload per trick, for suites that try them one at a time.
PAYLOADS = (
    WORKFLOW,
    "x\r\n::add-mask::y",
    "  ::stop-commands::tok",
    "x ##[error]legacy",
    "\x1b]0;retitled\x07\x1b[2J",
    "\x9b31mc1\x85",
    "a\u202eb\u2066c",
    "a\x00b",
    "a\u2028b",
    "<img src=x onerror=alert(1)><details><summary>x",
    "[Click to fix](https://phish.invalid)",
    PAYLOAD,
)

#: What a terminal or the runner acts on: C0 but newline and tab, DEL, C1, bidi, separators.
_ACTIVE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: storectl's own annotations: `::error`/`::warning`, properties without a colon (escaped as
#: %3A), and a title that names storectl.
_OWN_COMMAND = re.compile(r"::(?:error|warning) [^:]*title=[^:]*storectl[^:]*::")


def forged(output: str) -> list[str]:
    """What in `output` (stdout, stderr or a report file) a terminal or the Actions runner
    would act on: control characters, `##[`, and any line that starts a workflow command other
    than storectl's own annotations. Empty when the output is inert."""
    found = [f"control character {c!r}" for c in sorted(set(_ACTIVE.findall(output)))]
    if "##[" in output:
        found.append("a ##[command]")
    for line in output.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("::") and not _OWN_COMMAND.match(stripped):
            found.append(f"a workflow command line: {line[:80]!r}")
    return found


def forged_markdown(summary: str) -> list[str]:
    """What in a step summary would render as more than text: HTML tags, links, images, a row
    broken or widened by a value. Empty when every cell is inert."""
    found = forged(summary)
    for bad in ("<img", "<details", "<summary", "](", "https://", "www."):
        if bad in summary:
            found.append(f"markdown/HTML: {bad}")
    for line in summary.split("\n"):
        if line.startswith("|"):
            cells = line.replace("\\|", "").count("|")
            if line.startswith("|---") or cells in (5, 6):  # store rows: 5, check rows: 6
                continue
            found.append(f"a table row with {cells} pipes: {line[:80]!r}")
    return found
