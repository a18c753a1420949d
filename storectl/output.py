"""Rendering: results to stdout, everything else to stderr, every string scrubbed of secrets.

Results are scrubbed value by value before rendering (`scrub_data`), so no format's syntax can be
damaged; human text is scrubbed once more as it is written.

The human table is plain aligned text with ANSI colour on a TTY (and never with NO_COLOR):
importing rich costs ~22 ms, a fifth of `storectl status`'s whole run (BENCHMARKS.md), so rich
is kept for what needs it (live progress) and imported only there.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, assert_never

from storectl.commands._options import DoctorFormat, StatusFormat
from storectl.providers.base import Check, Finding, Severity, Status
from storectl.redact import scrub, scrub_data
from storectl.report import StatusReport

if TYPE_CHECKING:
    from storectl.doctor import DoctorReport

_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


def use_color(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Painter:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def columns(
    rows: Sequence[Sequence[tuple[str, tuple[str, ...]]]], paint: Painter, indent: int = 0
) -> list[str]:
    """Align cells (text, styles) into columns; the last column is never padded."""
    widths: list[int] = []
    for row in rows:
        for i, (text, _styles) in enumerate(row[:-1]):
            if i == len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(text))
    lines = []
    for row in rows:
        cells = [
            paint(text.ljust(widths[i]) if i < len(row) - 1 else text, *styles)
            for i, (text, styles) in enumerate(row)
        ]
        lines.append((" " * indent + "  ".join(cells)).rstrip())
    return lines


def write(text: str, stream: IO[str] | None = None, *, structured: bool = False) -> None:
    """Write text and a final newline; human text is scrubbed here, structured text (JSON, XML,
    workflow commands) was built from scrubbed values and is left byte for byte."""
    target = stream if stream is not None else sys.stdout
    if not structured:
        text = scrub(text)
    target.write(text if text.endswith("\n") else text + "\n")
    target.flush()


def error(message: str, hint: str | None = None, stage: str | None = None) -> None:
    """`Error: ...`, `stage: ...` (where a network failure broke) and `hint: ...` on stderr."""
    lines = [f"Error: {message}"]
    if stage:
        lines.append(f"stage: {stage}")
    if hint:
        lines.append(f"hint: {hint}")
    write("\n".join(lines), sys.stderr)


def to_json(value: Any) -> str:
    """Stable JSON of a result dataclass: keys as documented in README, enums as strings."""
    import json  # lazy: only --format json pays for it

    is_instance = dataclasses.is_dataclass(value) and not isinstance(value, type)
    data = dataclasses.asdict(value) if is_instance else value
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_status(report: StatusReport, fmt: StatusFormat) -> None:
    report = scrub_data(report)
    match fmt:
        case StatusFormat.TABLE:
            write(status_table(report, Painter(use_color(sys.stdout))))
        case StatusFormat.JSON:
            write(to_json(report), structured=True)
        case _:
            assert_never(fmt)


def status_table(report: StatusReport, paint: Painter) -> str:
    loaded = [f.path for f in report.files if f.exists]
    out = [
        f"environment: {paint(report.environment, 'bold')}  ·  files: "
        + (", ".join(loaded) if loaded else "none found (process environment only)"),
        "",
    ]
    rows: list[list[tuple[str, tuple[str, ...]]]] = [
        [("provider", ("bold",)), ("state", ("bold",)), ("activated by / falls back to", ("bold",))]
    ]
    for p in report.providers:
        if p.active:
            rows.append(
                [
                    (p.title, ()),
                    ("active", ("green",)),
                    (f"{p.activated_by} ({p.activation_source})", ()),
                ]
            )
        else:
            rows.append(
                [
                    (p.title, ()),
                    ("inactive", ("dim",)),
                    (f"{p.activated_by} unset → {p.fallback}", ()),
                ]
            )
    out += columns(rows, paint)

    for p in report.providers:
        shown = [
            v for v in p.variables if p.active or (v.value is not None and v.source != "default")
        ]
        if not shown:
            continue
        heading = paint(p.title, "bold")
        if p.active and p.modules:
            heading += "  " + paint(", ".join(p.modules), "dim")
        out += ["", heading]
        var_rows: list[list[tuple[str, tuple[str, ...]]]] = []
        for v in shown:
            if v.value is None:
                var_rows.append([(v.name, ()), ("unset", ("dim",)), ("", ())])
            elif v.default_from:
                var_rows.append(
                    [(v.name, ()), (v.value, ()), (f"→ {v.default_from} ({v.source})", ("dim",))]
                )
            else:
                var_rows.append([(v.name, ()), (v.value, ()), (v.source or "", ("dim",))])
        out += columns(var_rows, paint, indent=2)

    if report.findings:
        out += ["", paint("findings", "bold")]
        for f in report.findings:
            out += finding_lines(f, paint)
    s = report.summary
    verdict = paint("ok", "green") if report.ok else paint("failed", "bold", "red")
    out += [
        "",
        f"{s.active} active, {s.inactive} inactive · {s.errors} errors, "
        f"{s.warnings} warnings, {s.info} info · {verdict}"
        + (" (--strict)" if report.strict else ""),
    ]
    return "\n".join(out)


def finding_lines(f: Finding, paint: Painter) -> list[str]:
    head = "  " + paint(
        f"{_SEVERITY_MARK[f.severity]} {f.severity.value:<7}", _SEVERITY_STYLE[f.severity]
    )
    head += " " + paint(f.code, "bold")
    if f.source:
        head += "  " + paint(f.source, "dim")
    lines = [head, f"      {f.message}"]
    if f.hint:
        lines.append(paint(f"      hint: {f.hint}", "dim"))
    return lines


# --- doctor -------------------------------------------------------------------------------------

_STATUS_MARK = {
    Status.OK: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.SKIP: ("–", "dim"),
    Status.ERROR: ("✗", "red"),
}


def _title(provider: str) -> str:
    from storectl.providers.registry import PROVIDERS

    titles = {p.name: p.title for p in PROVIDERS}
    return titles.get(provider, "Env files" if provider == "env" else provider)


def render_doctor(report: DoctorReport, fmt: DoctorFormat, output: Path | None = None) -> None:
    """Render to stdout, or to `output` (atomically) with a one-line summary on stdout."""
    report = scrub_data(report)
    match fmt:
        case DoctorFormat.TABLE:
            text = doctor_table(report, Painter(output is None and use_color(sys.stdout)))
        case DoctorFormat.JSON:
            text = to_json(report)
        case DoctorFormat.JUNIT:
            text = doctor_junit(report)
        case DoctorFormat.GITHUB:
            text = doctor_github(report)
            append_step_summary(report)
        case _:
            assert_never(fmt)
    structured = fmt is not DoctorFormat.TABLE
    if output is None:
        write(text, structured=structured)
        return
    from storectl.fsutil import atomic_write

    if not structured:
        text = scrub(text)
    atomic_write(output, (text if text.endswith("\n") else text + "\n").encode())
    write(f"{summary_line(report)} · report written to {output}")


def summary_line(report: DoctorReport) -> str:
    s = report.summary
    verdict = "ok" if report.ok else "failed"
    return (
        f"{s.total} checks, {s.fail} failed, {s.warn} warnings, {s.error} errors, "
        f"{s.skip} skipped in {s.duration_ms / 1000:.1f} s · {verdict}"
        + (" (--strict)" if report.strict else "")
    )


def _label(check: Check) -> str:
    return f"{check.check} [{check.target}]" if check.target else check.check


def doctor_table(report: DoctorReport, paint: Painter) -> str:
    out: list[str] = []
    by_provider: dict[str, list[Check]] = {}
    for check in report.checks:
        by_provider.setdefault(check.provider, []).append(check)
    for provider, checks in by_provider.items():
        if out:
            out.append("")
        out.append(paint(_title(provider), "bold"))
        rows: list[list[tuple[str, tuple[str, ...]]]] = []
        notes: dict[int, list[str]] = {}
        for check in checks:
            mark, style = _STATUS_MARK[check.status]
            stage = f"{check.stage.value} " if check.stage else ""
            duration = f"{check.duration_ms} ms" if check.duration_ms else ""
            rows.append(
                [
                    (mark, (style,)),
                    (_label(check), ()),
                    (duration, ("dim",)),
                    (stage + check.summary, (style,) if check.status is not Status.OK else ()),
                ]
            )
            if check.hint and check.status in (Status.WARN, Status.FAIL, Status.ERROR):
                notes[len(rows) - 1] = [paint(f"      hint: {check.hint}", "dim")]
        for index, line in enumerate(columns(rows, paint, indent=2)):
            out.append(line)
            out.extend(notes.get(index, []))
    verdict_style = ("green",) if report.ok else ("bold", "red")
    out += ["", paint(summary_line(report), *verdict_style)]
    return "\n".join(out)


def doctor_junit(report: DoctorReport) -> str:
    """JUnit XML: one testcase per check; warnings fail only under --strict."""
    from xml.etree import ElementTree as ET

    s = report.summary
    failing = {Status.FAIL} | ({Status.WARN} if report.strict else set())
    suites = ET.Element("testsuites", name="storectl doctor")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="storectl doctor",
        tests=str(s.total),
        failures=str(sum(c.status in failing for c in report.checks)),
        errors=str(s.error),
        skipped=str(s.skip),
        time=f"{s.duration_ms / 1000:.3f}",
    )
    for check in report.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"storectl.{check.provider}",
            name=_label(check),
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


def _gh_escape(text: str, *, prop: bool = False) -> str:
    """Escape for a workflow command (actions/toolkit's escapeData / escapeProperty)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def doctor_github(report: DoctorReport) -> str:
    """`::error`/`::warning` workflow commands, then the summary line."""
    lines = []
    for check in report.checks:
        if check.status in (Status.FAIL, Status.ERROR):
            level = "error"
        elif check.status is Status.WARN:
            level = "warning"
        else:
            continue
        title = _gh_escape(f"storectl {check.provider} {_label(check)}", prop=True)
        message = check.summary + (f" (hint: {check.hint})" if check.hint else "")
        stage = f"{check.stage.value}: " if check.stage else ""
        lines.append(f"::{level} title={title}::{_gh_escape(stage + message)}")
    lines.append(summary_line(report))
    return "\n".join(lines)


def append_step_summary(report: DoctorReport) -> None:
    """Append a markdown table to $GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    rows = ["| | provider | check | stage | summary |", "|---|---|---|---|---|"]
    for check in report.checks:
        mark = _STATUS_MARK[check.status][0]
        summary = check.summary.replace("|", "\\|")
        stage = check.stage.value if check.stage else ""
        rows.append(f"| {mark} | {check.provider} | {_label(check)} | {stage} | {summary} |")
    text = "### storectl doctor\n\n" + "\n".join(rows) + f"\n\n{summary_line(report)}\n\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)  # built from the scrubbed report


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, names: Sequence[str]) -> None:
        self.pending = list(names)
        self.total = len(names)
        self.enabled = bool(names) and sys.stderr.isatty()
        self._show()

    def _show(self) -> None:
        if self.enabled:
            done = self.total - len(self.pending)
            sys.stderr.write(f"\r\x1b[2Kchecking {' '.join(self.pending)} ({done}/{self.total})")
            sys.stderr.flush()

    def done(self, name: str) -> None:
        if name in self.pending:
            self.pending.remove(name)
        self._show()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


# --- webhooks and regions ------------------------------------------------------------------------

_Row = list[tuple[str, tuple[str, ...]]]


def render(result: Any, fmt: StatusFormat, text: Callable[[Any, Painter], str]) -> None:
    """A result as JSON, or as the human text `text` makes of it."""
    result = scrub_data(result)
    match fmt:
        case StatusFormat.TABLE:
            write(text(result, Painter(use_color(sys.stdout))))
        case StatusFormat.JSON:
            write(to_json(result), structured=True)
        case _:
            assert_never(fmt)


def note(message: str) -> None:
    """A remark for the person running the command: stderr, never mixed into results."""
    write(f"note: {message}", sys.stderr)


def webhook_url_text(result: Any, paint: Painter) -> str:
    lines = [result.url, paint(f"from {result.source}", "dim")]
    if result.note:
        lines.append(paint(f"note: {result.note}", "yellow"))
    return "\n".join(lines)


def webhook_list_text(result: Any, paint: Painter) -> str:
    if not result.endpoints:
        return f"no webhook endpoints on this Stripe account (expected: {result.expected_url})"
    rows: list[_Row] = [
        [
            ("", ()),
            ("id", ("bold",)),
            ("status", ("bold",)),
            ("events", ("bold",)),
            ("url", ("bold",)),
        ]
    ]
    for e in result.endpoints:
        mark = ("!", ("yellow",)) if e.duplicate else ("✓", ("green",)) if e.matches else ("", ())
        status_style = ("green",) if e.status == "enabled" else ("red",)
        rows.append(
            [mark, (e.id, ()), (e.status, status_style), (str(len(e.events)), ()), (e.url, ())]
        )
    lines = columns(rows, paint)
    lines.append("")
    lines.append(f"expected URL: {result.expected_url or '(unknown: set MEDUSA_BACKEND_URL)'}")
    matching = [e for e in result.endpoints if e.matches]
    if not matching:
        lines.append(paint("no endpoint matches it: run 'storectl webhooks register'", "red"))
    elif len(matching) > 1:
        lines.append(paint(f"{len(matching)} endpoints match it (duplicates)", "yellow"))
    for e in matching:
        if e.missing_events:
            lines.append(paint(f"{e.id} lacks {', '.join(e.missing_events)}", "yellow"))
    return "\n".join(lines)


def register_text(result: Any, paint: Painter) -> str:
    head = "plan (dry run, nothing changed)" if result.dry_run else "done"
    lines = [f"webhook URL: {result.url}", paint(f"  from {result.url_source}", "dim")]
    if not result.actions:
        lines.append(
            paint(f"up to date: endpoint {result.endpoint_id} already matches; no change", "green")
        )
    else:
        lines.append(paint(head, "bold"))
        for action in result.actions:
            target = action.endpoint_id or "new endpoint"
            verb = action.kind.value if (action.done or result.dry_run) else f"{action.kind.value}?"
            lines.append(f"  {verb:7} {target}  {action.reason}")
    if result.secret_written_to:
        lines.append(f"STRIPE_WEBHOOK_SECRET written to {result.secret_written_to}")
    if result.secret:
        lines.append(f"signing secret: {result.secret}")
    lines += [paint(f"note: {n}", "yellow") for n in result.notes]
    return "\n".join(lines)


def webhook_test_text(result: Any, paint: Painter) -> str:
    mark, style = _STATUS_MARK[result.status]
    stage = f"{result.stage.value} " if result.stage else ""
    lines = [
        f"POST {result.url}  (signed {result.event_type} {result.event_id})",
        paint(f"{mark} {result.http_status}: {stage}{result.summary}", style),
    ]
    if result.hint:
        lines.append(paint(f"hint: {result.hint}", "dim"))
    return "\n".join(lines)


def regions_text(result: Any, paint: Painter) -> str:
    rows: list[_Row] = [
        [(h, ("bold",)) for h in ("stripe", "name", "id", "currency", "countries", "providers")]
    ]
    for r in result.regions:
        rows.append(
            [
                ("✓", ("green",)) if r.stripe else ("✗", ("red",)),
                (r.name, ()),
                (r.id, ("dim",)),
                (r.currency_code, ()),
                (",".join(r.countries), ()),
                (", ".join(r.payment_providers) or "none", ()),
            ]
        )
    with_stripe = sum(r.stripe for r in result.regions)
    return "\n".join(
        [
            *columns(rows, paint),
            "",
            f"Stripe enabled in {with_stripe} of {len(result.regions)} regions",
        ]
    )


def region_changes_text(result: Any, paint: Painter) -> str:
    head = f"{result.action} {', '.join(result.providers)}" + (
        " (dry run: nothing changed)" if result.dry_run else ""
    )
    lines = [paint(head, "bold")]
    for change in result.changes:
        if not change.changed:
            lines.append(f"  = {change.name}: already {', '.join(change.after) or 'none'}")
            continue
        verb = "would change" if result.dry_run else "changed"
        lines.append(f"  {paint('~', 'yellow')} {change.name}: {verb}")
        lines.append(f"      before: {', '.join(change.before) or 'none'}")
        lines.append(f"      after:  {', '.join(change.after) or 'none'}")
    lines += [paint(f"note: {n}", "yellow") for n in result.notes]
    return "\n".join(lines)


# --- mail ----------------------------------------------------------------------------------------


def templates_text(result: Any, paint: Painter) -> str:
    rows: list[_Row] = [[(h, ("bold",)) for h in ("template", "from", "path")]]
    for t in result.templates:
        rows.append(
            [
                (t.name, ()),
                (t.source, ("yellow",) if t.source == "override" else ()),
                (t.path, ("dim",)),
            ]
        )
    return "\n".join(columns(rows, paint))


def test_mail_text(result: Any, paint: Painter) -> str:
    return f"sent to {result.to} via {result.server}\n{paint(result.reply, 'green')}"


def preview_text(result: Any, paint: Painter) -> str:
    lines = [f"subject: {result.subject}", *(f"wrote {f}" for f in result.files)]
    if result.html_bytes > 102 * 1024:
        lines.append(paint(f"HTML is {result.html_bytes:,} bytes: Gmail clips over 102 KB", "red"))
    shot = result.screenshot
    if shot:
        scheme = "dark" if shot["dark"] else "light"
        lines.append(f"screenshot: {shot['width']} px, {scheme}, {shot['height']} px tall")
        if shot["overflows"]:
            lines.append(paint(f"wider than the screen: {shot['scroll_width']} px", "yellow"))
        for item in shot["low_contrast"]:
            lines.append(paint(f"low contrast {item['ratio']}:1 {item['text']!r}", "yellow"))
        for src in shot["images_without_alt"]:
            lines.append(paint(f"image without alt text: {src}", "yellow"))
    return "\n".join(lines)


def replay_text(result: Any, paint: Painter) -> str:
    lines = []
    for d in result.deliveries:
        if d.status == "sent":
            reply = paint(d.reply or "", "dim")
            lines.append(f"{paint('✓', 'green')} #{d.display_id} {d.order_id} → {d.to}  {reply}")
        elif d.status == "planned":
            lines.append(f"– #{d.display_id} {d.order_id} → {d.to}  {d.subject} (dry run)")
        else:
            stage = f"{d.stage.value} " if d.stage else ""
            lines.append(paint(f"✗ {d.order_id} → {d.to}: {stage}{d.error}", "red"))
    verdict = paint(f"{result.failed} failed", "red") if result.failed else "0 failed"
    lines.append("")
    lines.append(
        f"{result.event} ({result.template}): {result.sent} sent, {verdict}"
        + (f", {len(result.deliveries)} planned (dry run)" if result.dry_run else "")
        + f" over {result.connections} SMTP connection(s) in {result.duration_ms / 1000:.1f} s"
    )
    return "\n".join(lines)
