"""The mail commands' human text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storectl.output import Painter, Row, columns

if TYPE_CHECKING:
    from storectl.mail.preview import Preview, TemplateList, TestMail
    from storectl.mail.replay import ReplayReport


def templates_text(result: TemplateList, paint: Painter) -> str:
    rows: list[Row] = [[(h, ("bold",)) for h in ("template", "from", "path")]]
    for t in result.templates:
        rows.append(
            [
                (t.name, ()),
                (t.source, ("yellow",) if t.source == "override" else ()),
                (t.path, ("dim",)),
            ]
        )
    return "\n".join(columns(rows, paint))


def test_mail_text(result: TestMail, paint: Painter) -> str:
    return f"sent to {result.to} via {result.server}\n{paint(result.reply, 'green')}"


def preview_text(result: Preview, paint: Painter) -> str:
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
    lines += [paint(f"note: {n}", "yellow") for n in result.notes]
    return "\n".join(lines)


def replay_text(result: ReplayReport, paint: Painter) -> str:
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
