"""Markdown writer for a :class:`~core.documents.layout.Layout` (GitHub-flavoured tables)."""

from __future__ import annotations

from core.documents.formatting import cell_text
from core.documents.layout import Layout, Part, Table


def escape_cell(text: str) -> str:
    """Make text safe inside a table cell: backslashes and pipes escaped, line breaks turned into spaces."""
    escaped = text.replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(escaped.splitlines())


def to_markdown(layout: Layout) -> bytes:
    """The document as UTF-8 Markdown: ``#`` title, ``##`` per part, paragraphs, bullets, one table."""
    lines = [f"# {layout.title}", ""]
    if layout.subtitle:
        lines += [layout.subtitle, ""]
    for part in layout.parts:
        lines += _part_lines(part)
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def _part_lines(part: Part) -> list[str]:
    lines = [f"## {part.heading}", ""]
    for paragraph in part.paragraphs:
        lines += [paragraph, ""]
    if part.bullets:
        lines += [f"- {' '.join(bullet.splitlines())}" for bullet in part.bullets]
        lines.append("")
    if part.table is not None and part.table.columns:
        lines += _table_lines(part.table)
        lines.append("")
    return lines


def _table_lines(table: Table) -> list[str]:
    header = "| " + " | ".join(escape_cell(c.label) for c in table.columns) + " |"
    rule = "| " + " | ".join("---:" if c.kind != "text" else "---" for c in table.columns) + " |"
    body = [
        "| "
        + " | ".join(escape_cell(cell_text(v, c.kind)) for v, c in zip(row, table.columns, strict=True))
        + " |"
        for row in table.rows
    ]
    return [header, rule, *body]
