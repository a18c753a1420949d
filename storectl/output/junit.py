"""JUnit XML of checks, for CI systems that show test reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storectl.model import Check, Status
from storectl.output.sanitize import xml_document, xml_text
from storectl.output.table import label

if TYPE_CHECKING:
    from xml.etree import ElementTree


def junit(name: str, checks: Sequence[Check], strict: bool, duration_ms: int) -> str:
    """JUnit XML: one testcase per check; warnings fail only under --strict."""
    from xml.etree import ElementTree as ET

    suites = ET.Element("testsuites", name=xml_text(name))
    _suite(suites, name, checks, strict, duration_ms)
    ET.indent(suites)
    return _document(ET.tostring(suites, encoding="unicode"))


def junit_suites(
    name: str, suites: Sequence[tuple[str, Sequence[Check], int]], strict: bool
) -> str:
    """JUnit XML with one testsuite per (name, checks, duration_ms): one per store of a fleet."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name=xml_text(name))
    for suite_name, checks, duration_ms in suites:
        _suite(root, suite_name, checks, strict, duration_ms)
    ET.indent(root)
    return _document(ET.tostring(root, encoding="unicode"))


def _document(body: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml_document(body)


def _suite(
    parent: ElementTree.Element, name: str, checks: Sequence[Check], strict: bool, duration_ms: int
) -> None:
    """One <testsuite> of `checks` under `parent`: one testcase per check."""
    from xml.etree import ElementTree as ET

    counts = Counter(check.status for check in checks)
    failing = {Status.FAIL} | ({Status.WARN} if strict else set())
    suite = ET.SubElement(
        parent,
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
            classname=xml_text(f"storectl.{check.provider}"),
            name=xml_text(label(check)),
            time=f"{check.duration_ms / 1000:.3f}",
        )
        summary = xml_text(check.summary)
        detail = f"{summary}\nhint: {xml_text(check.hint)}" if check.hint else summary
        if check.status in failing:
            node = ET.SubElement(case, "failure", message=summary, type=(check.stage or "CHECK"))
            node.text = detail
        elif check.status is Status.ERROR:
            node = ET.SubElement(case, "error", message=summary, type="ERROR")
            node.text = detail
        elif check.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=summary)
        elif check.status is Status.WARN:
            ET.SubElement(case, "system-out").text = f"warning: {detail}"
