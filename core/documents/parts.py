"""Part shapes several documents share: a field/value table and a bullet list that says when it is empty."""

from __future__ import annotations

from core.documents.labels import pick
from core.documents.layout import Cell, Column, ColumnKind, Part, Table


def field_value_table(rows: list[list[Cell]], language: str, value_kind: ColumnKind = "text") -> Table:
    """A two-column table of ``[field label, value]`` rows (项目 / 内容, Field / Value)."""
    return Table(
        columns=[
            Column(label=pick(language, "项目", "Field")),
            Column(label=pick(language, "内容", "Value"), kind=value_kind),
        ],
        rows=rows,
    )


def bullet_part(heading: str, sheet: str, bullets: list[str], language: str) -> Part:
    """A part of bullet points; with none it shows ``（暂无）`` / ``(none)`` rather than an empty section."""
    return Part(heading=heading, sheet=sheet, bullets=list(bullets) or [pick(language, "（暂无）", "(none)")])
