"""Checks as people read them, in the manner of `flutter doctor` and `brew doctor`: a verdict
line per area (its mark, its name, its target once, a one-line summary), under it only what is
not ok, each problem's text on its own indented lines and its fix beneath it in normal weight
after `→ fix:`; every check with -v. Every line is wrapped at the terminal width."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from storectl.model import Check, Status
from storectl.output.color import INFO_MARK, STATUS_MARK, Painter
from storectl.output.table import INACTIVE_CHECK, is_info, is_lint
from storectl.output.wrap import flow

#: The marker of a fix: a colour, never dim (the fix is what the reader came for).
FIX = "→ fix:"
#: Statuses shown without -v: what is not ok.
PROBLEMS = frozenset({Status.WARN, Status.FAIL, Status.ERROR})


def mark_of(check: Check) -> tuple[str, str]:
    """A check's mark and its style: an info-level lint finding reads `i`, not ✓."""
    return INFO_MARK if is_info(check) else STATUS_MARK[check.status]


def is_inactive(check: Check) -> bool:
    """The one row an inactive provider gets: skipped, with its fallback as the summary."""
    return check.check == INACTIVE_CHECK and check.status is Status.SKIP


def _paint_start(lines: list[str], indent: int, plain: str, painted: str) -> list[str]:
    """Swap the plain `plain` at `indent` on the first line for its painted form."""
    if lines and lines[0][indent:].startswith(plain):
        lines[0] = lines[0][:indent] + painted + lines[0][indent + len(plain) :]
    return lines


def fix_lines(hint: str, paint: Painter, indent: int, total: int) -> list[str]:
    """`→ fix: <hint>` at `indent`, continuation lines under the hint's first word."""
    lines = flow(f"{FIX} {hint}", indent, indent + len(FIX) + 1, total)
    return _paint_start(lines, indent, FIX, paint(FIX, "cyan"))


def _name(check: Check, target: str | None, prefix: str) -> str:
    name = "skipped" if is_inactive(check) else check.check
    own = f" [{check.target}]" if check.target and check.target != target else ""
    return f"{prefix}{name}{own}"


def problem_lines(
    check: Check,
    paint: Painter,
    *,
    indent: int,
    total: int,
    target: str | None = None,
    prefix: str = "",
) -> list[str]:
    """A check that is not ok: mark, name (its target unless it is the area's `target`) and
    stage on one line; its text on its own lines beneath; then its fix."""
    mark, style = mark_of(check)
    head = f"{mark} {_name(check, target, prefix)}"
    if check.stage:
        head += f"  {check.stage.value}"
    lines = _paint_start(flow(head, indent, indent + 4, total), indent, mark, paint(mark, style))
    lines += flow(check.summary, indent + 2, indent + 2, total)
    if check.hint and check.status in PROBLEMS:
        lines += fix_lines(check.hint, paint, indent + 2, total)
    return lines


def ok_lines(
    check: Check,
    paint: Painter,
    *,
    indent: int,
    total: int,
    target: str | None = None,
    prefix: str = "",
) -> list[str]:
    """A check that passed (or was skipped), for -v: mark, name, its text and duration on one
    wrapped line."""
    mark, style = mark_of(check)
    took = f" · {check.duration_ms} ms" if check.duration_ms else ""
    text = f"{mark} {_name(check, target, prefix)}  {check.summary}{took}"
    return _paint_start(flow(text, indent, indent + 2, total), indent, mark, paint(mark, style))


def check_lines(
    check: Check,
    paint: Painter,
    *,
    indent: int,
    total: int,
    target: str | None = None,
    prefix: str = "",
) -> list[str]:
    """A problem's block, or a passed check's line."""
    render = problem_lines if check.status in PROBLEMS else ok_lines
    return render(check, paint, indent=indent, total=total, target=target, prefix=prefix)


def area_target(checks: Sequence[Check]) -> str | None:
    """The target most of an area's live checks share (a URL, a host:port, a bucket): shown
    once on the verdict line, not on every row. Lint findings' targets are file:line."""
    targets = Counter(c.target for c in checks if c.target and not is_lint(c))
    return targets.most_common(1)[0][0] if targets else None


def area_status(checks: Sequence[Check]) -> Status:
    """The worst status among an area's checks; skipped only when every check was."""
    for status in (Status.ERROR, Status.FAIL, Status.WARN):
        if any(c.status is status for c in checks):
            return Status.FAIL if status is Status.ERROR else status
    if checks and all(c.status is Status.SKIP for c in checks):
        return Status.SKIP
    return Status.OK


def area_summary(checks: Sequence[Check]) -> str:
    """`2 of 12 checks failed, 1 warning`, `12 checks ok, 2 skipped`, or an inactive
    provider's `skipped: X unset → fallback`."""
    if len(checks) == 1 and is_inactive(checks[0]):
        return f"skipped: {checks[0].summary}"
    count = Counter(c.status for c in checks)
    bad = count[Status.FAIL] + count[Status.ERROR]
    warn, skip = count[Status.WARN], count[Status.SKIP]
    parts = []
    if bad:
        parts.append(f"{bad} of {len(checks)} checks failed")
    if warn:
        parts.append(f"{warn} warning" + ("s" if warn > 1 else ""))
    if not parts:
        ok = count[Status.OK]
        parts.append(f"{ok} check{'s' if ok != 1 else ''} ok")
    if skip:
        parts.append(f"{skip} skipped")
    return ", ".join(parts)


def area_lines(
    title: str,
    checks: Sequence[Check],
    paint: Painter,
    *,
    indent: int,
    total: int,
    shown: Collection[Status] = PROBLEMS,
) -> list[str]:
    """An area's verdict line, then its checks whose status is in `shown` (all with -v)."""
    mark, style = STATUS_MARK[area_status(checks)]
    target = area_target(checks)
    head = f"{mark} {title}" + (f" · {target}" if target else "")
    lines = flow(f"{head} · {area_summary(checks)}", indent, indent + 4, total)
    painted = f"{paint(mark, style)} {paint(title, 'bold')}"
    lines = _paint_start(lines, indent, f"{mark} {title}", painted)
    for check in checks:
        if check.status in shown and not is_inactive(check):  # the verdict line says it
            lines += check_lines(check, paint, indent=indent + 2, total=total, target=target)
    return lines
