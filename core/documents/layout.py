"""The neutral layout every document is built as, before it becomes Markdown or an Excel workbook.

A :class:`Layout` is a title plus parts; a part has a heading, paragraphs / bullet points and at most one
table. Tables carry typed columns so that the Markdown writer formats numbers as text and the Excel writer
stores them as numbers with a cell format. Each part becomes one sheet of the workbook.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

ColumnKind = Literal["text", "int", "money", "number", "percent", "date"]


class Num(BaseModel):
    """A number that brings its own format (for columns that mix metrics, such as KPI targets)."""

    value: float
    kind: ColumnKind = "number"


Cell = str | float | int | dt.date | Num | None


def num(value: float | None, kind: ColumnKind = "number") -> Num | None:
    """A number cell with its own format, or an empty cell when the value is unknown."""
    return Num(value=value, kind=kind) if value is not None else None


class Column(BaseModel):
    """A table column: the header label and how its values are formatted."""

    label: str
    kind: ColumnKind = "text"


class Table(BaseModel):
    columns: list[Column]
    rows: list[list[Cell]] = Field(default_factory=list)


class Part(BaseModel):
    """One part of a document (one Markdown section, one sheet)."""

    heading: str
    sheet: str = Field(description="Short sheet name (Excel allows 31 characters).")
    paragraphs: list[str] = Field(default_factory=list)
    bullets: list[str] = Field(default_factory=list)
    table: Table | None = None


class Layout(BaseModel):
    title: str
    subtitle: str = ""
    parts: list[Part] = Field(default_factory=list)
