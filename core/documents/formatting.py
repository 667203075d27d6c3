"""How a typed cell is shown as text (Markdown) and which Excel number format it gets."""

from __future__ import annotations

import datetime as dt
import math

from core.documents.layout import Cell, ColumnKind, Num

EXCEL_FORMATS: dict[ColumnKind, str] = {
    "int": "#,##0",
    "money": "#,##0.00",
    "number": "0.0000",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}


def is_missing(value: Cell) -> bool:
    if isinstance(value, Num):
        return math.isnan(value.value)
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell_text(value: Cell, kind: ColumnKind) -> str:
    """The display text of a cell: thousands separators, percentages with one decimal, ISO dates."""
    if isinstance(value, Num):
        return cell_text(value.value, value.kind)
    if is_missing(value):
        return "—" if kind != "text" else ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    number = float(value)
    if kind == "int":
        return f"{number:,.0f}"
    if kind == "money":
        return f"{number:,.2f}"
    if kind == "percent":
        return f"{number:+.1%}" if number < 0 else f"{number:.1%}"
    if kind == "number":
        return f"{number:,.4f}"
    return f"{number:g}"
