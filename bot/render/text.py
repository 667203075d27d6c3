"""Cards as plain terminal text (``memberops ask --format text``, the console alert channel)."""

from __future__ import annotations

import unicodedata

from handlers.card import Card, CardTable

_SEVERITY_MARK = {"info": "", "minor": "[轻微] ", "moderate": "[中度] ", "severe": "[严重] "}
_SEVERITY_MARK_EN = {"info": "", "minor": "[minor] ", "moderate": "[moderate] ", "severe": "[severe] "}


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_table(table: CardTable) -> list[str]:
    widths = [_width(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=False)]
    lines = [f"  {table.title}"] if table.title else []
    lines.append("  " + "  ".join(_pad(c, w) for c, w in zip(table.columns, widths, strict=False)))
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines.extend(
        "  " + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=False)) for row in table.rows
    )
    return lines


def render_text(card: Card) -> str:
    marks = _SEVERITY_MARK if card.language == "zh" else _SEVERITY_MARK_EN
    title = f"{marks[str(card.severity)]}{card.title}"
    lines = [title, "=" * _width(title)]
    if card.subtitle:
        lines.append(card.subtitle)
    for section in card.sections:
        lines.append("")
        if section.title:
            lines.append(f"■ {section.title}")
        if section.text:
            lines.extend(f"  {line}" for line in section.text.splitlines())
        lines.extend(f"  • {bullet}" for bullet in section.bullets)
        lines.extend(f"  {field.label}: {field.value}" for field in section.fields)
    for table in card.tables:
        lines.append("")
        lines.extend(render_table(table))
    if card.chart:
        lines.append("")
        lines.append(f"[chart] {card.chart.title}")
    if card.attachments:
        lines.append("")
        lines.extend(f"[download] {a.title}: {a.filename} (id {a.download_id})" for a in card.attachments)
    if card.buttons:
        lines.append("")
        lines.append("  ".join(f"[{b.label}]" for b in card.buttons))
    if card.context:
        lines.append("")
        lines.extend(f"  {line}" for line in card.context)
    return "\n".join(lines) + "\n"
