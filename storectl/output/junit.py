"""JUnit XML of checks, for CI systems that show test reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from storectl.model import Check, Status
from storectl.output.table import label


def junit(name: str, checks: Sequence[Check], strict: bool, duration_ms: int) -> str:
    """JUnit XML: one testcase per check; warnings fail only under --strict."""
    from xml.etree import ElementTree as ET

    counts = Counter(check.status for check in checks)
    failing = {Status.FAIL} | ({Status.WARN} if strict else set())
    suites = ET.Element("testsuites", name=name)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=name,
        tests=str(len(checks)),
        failures=str(sum(c.status in failing for c in checks)),
        errors=str(counts[Status.ERROR]),
        skipped=str(counts[Status.SKIP]),
        time=f"{duration_ms / 1000:.3f}",
    )
    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"storectl.{check.provider}",
            name=label(check),
            time=f"{check.duration_ms / 1000:.3f}",
        )
        detail = f"{check.summary}\nhint: {check.hint}" if check.hint else check.summary
        if check.status in failing:
            node = ET.SubElement(
                case, "failure", message=check.summary, type=(check.stage or "CHECK")
            )
            node.text = detail
        elif check.status is Status.ERROR:
            node = ET.SubElement(case, "error", message=check.summary, type="ERROR")
            node.text = detail
        elif check.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=check.summary)
        elif check.status is Status.WARN:
            ET.SubElement(case, "system-out").text = f"warning: {detail}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode")
