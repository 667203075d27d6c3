"""Excel writer for a :class:`~core.documents.layout.Layout`: one sheet per part (openpyxl).

Each sheet starts with the part's heading, its paragraphs and bullets (one per row in column A), then the
table: a bold header row (frozen below it) and the rows with numbers stored as numbers and a number format
per column kind, never as text. Column widths follow the longest shown value, counting a CJK character as
two, within [8, 60].
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.documents.formatting import EXCEL_FORMATS, cell_text, is_missing
from core.documents.layout import Cell, ColumnKind, Layout, Num, Part

SHEET_NAME_LIMIT = 31
INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)


def to_xlsx(layout: Layout) -> bytes:
    """The document as an .xlsx workbook (bytes)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used_names: set[str] = set()
    for part in layout.parts:
        sheet = workbook.create_sheet(_unique_sheet_name(part.sheet or part.heading, used_names))
        _write_part(sheet, part)
    if not layout.parts:
        workbook.create_sheet("Sheet1")["A1"] = layout.title
    buffer = io.BytesIO()
    workbook.properties.title = layout.title
    workbook.save(buffer)
    return buffer.getvalue()


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _unique_sheet_name(name: str, used: set[str]) -> str:
    base = INVALID_SHEET_CHARACTERS.sub("_", name).strip("'") or "Sheet"
    candidate, counter = base[:SHEET_NAME_LIMIT], 2
    while candidate.lower() in used:
        suffix = f" ({counter})"
        candidate, counter = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix, counter + 1
    used.add(candidate.lower())
    return candidate


def _write_part(sheet: Worksheet, part: Part) -> None:
    sheet.cell(row=1, column=1, value=part.heading).font = TITLE_FONT
    row = 2
    for text in [*part.paragraphs, *(f"• {b}" for b in part.bullets)]:
        sheet.cell(row=row, column=1, value=text).alignment = Alignment(wrap_text=False)
        row += 1
    widths: dict[int, int] = {}
    if part.table is not None and part.table.columns:
        row += 1 if row > 2 else 0
        header_row = row
        for column, definition in enumerate(part.table.columns, start=1):
            sheet.cell(row=header_row, column=column, value=definition.label).font = BOLD
            widths[column] = display_width(definition.label)
        for values in part.table.rows:
            row += 1
            for column, (value, definition) in enumerate(
                zip(values, part.table.columns, strict=True), start=1
            ):
                _write_cell(sheet, row, column, value, definition.kind)
                widths[column] = max(widths[column], display_width(cell_text(value, definition.kind)))
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    if 1 not in widths:
        sheet.column_dimensions["A"].width = MAX_WIDTH


def _write_cell(sheet: Worksheet, row: int, column: int, value: Cell, kind: ColumnKind) -> None:
    if is_missing(value):
        return
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Num):
        value, kind = value.value, value.kind
    if kind == "text" or isinstance(value, str):
        cell.value = str(value)
        return
    if kind == "date" and isinstance(value, dt.date):
        cell.value = value
    else:
        cell.value = float(value) if kind != "int" else round(float(value))
    cell.number_format = EXCEL_FORMATS.get(kind, "General")
