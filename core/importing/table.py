"""Read CSV text into a table of stripped cells, with each row's spreadsheet row number.

The C parser of ``pandas.read_csv`` does the tokenising (quotes, embedded newlines, CRLF) in bulk. Two
reads are possible:

* *typed*: the columns named in ``float_columns`` are parsed as ``float64`` by the C parser directly,
  which is several times faster for a million-row metrics file than making a Python string per cell;
* *text*: every cell is a string (held as a stripped categorical, see ``_stripped_categorical``). Used
  when the typed read fails (a cell is not a plain number, e.g. ``"1,234"``) or leaves a hole (an empty
  cell, a short row, a blank line) — i.e. when there is something to report precisely or a blank line to
  skip, both of which need the cell's text. A typed read of the first ``PROBE_ROWS`` rows decides first
  whether the full typed read is worth trying, so a file with separators is not tokenised twice.

Blank lines are kept during parsing (``skip_blank_lines=False``) so that the record index is the row
number a spreadsheet shows; rows whose cells are all empty are dropped afterwards.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import pandas as pd

from core.importing.collector import ProblemCollector
from core.importing.column_checks import empty_cells

HEADER_PREFIX_CHARS = 1 << 16  # the header is within the first 64 KiB; copying the whole text is slow
PROBE_ROWS = 1000
TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True)
class RawTable:
    """Cells of the data rows, by stripped header name (float columns may already be ``float64``)."""

    header_row: int
    columns: list[str]
    cells: pd.DataFrame
    rows: np.ndarray  # spreadsheet row number of each row of ``cells``


def read_raw_table(
    text: str,
    collector: ProblemCollector,
    *,
    required: Sequence[str],
    allowed: Collection[str] | None = None,
    float_columns: Collection[str] = (),
) -> RawTable:
    """Parse ``text``, check its header and return its non-blank rows; header problems are raised at once.

    ``allowed=None`` accepts any extra column (the metrics cube's dimensions).
    """
    skipped_lines, body = _skip_leading_blank_lines(text)
    header_row = skipped_lines + 1
    header = _read_header(body)
    if header is None:
        collector.reject(1, "", "the file is empty (no header row)")
    names = [name.strip() for name in header]
    collector.set_columns(names)

    cells = _read_cells(body, names, float_columns, collector, header_row)
    rows = np.arange(len(cells), dtype=np.int64) + header_row + 1
    keep = ~_blank_rows(cells)
    cells, rows = cells.loc[keep].reset_index(drop=True), rows[keep]

    cells = _drop_empty_unnamed_columns(cells, names)
    names = list(cells.columns)
    check_header(names, required, allowed, header_row, collector)
    collector.raise_if_any()
    return RawTable(header_row=header_row, columns=names, cells=cells, rows=rows)


def _skip_leading_blank_lines(text: str) -> tuple[int, str]:
    skipped, start = 0, 0
    while start < len(text):
        end = text.find("\n", start)
        line = text[start : len(text) if end < 0 else end]
        if line.strip(" \t\r,") or end < 0:
            break
        skipped, start = skipped + 1, end + 1
    return skipped, text[start:]


def _read_header(body: str) -> list[str] | None:
    header = next(csv.reader(io.StringIO(body[:HEADER_PREFIX_CHARS])), None)
    return header if header and any(cell.strip() for cell in header) else None


def _read_cells(
    body: str,
    names: list[str],
    float_columns: Collection[str],
    collector: ProblemCollector,
    header_row: int,
) -> pd.DataFrame:
    float_positions = [i for i, name in enumerate(names) if name in float_columns]
    positions = list(range(len(names)))
    try:
        if float_positions and _parse(body, positions, float_positions, rows=PROBE_ROWS) is not None:
            typed = _parse(body, positions, float_positions)
            if typed is not None and np.isfinite(typed[float_positions].to_numpy(dtype=float)).all():
                return _stripped(typed, names)
        return _stripped(_parse(body, positions, []), names)
    except pd.errors.ParserError as error:
        _reject_parser_error(error, collector, header_row)


def _parse(
    body: str, positions: list[int], float_positions: list[int], rows: int | None = None
) -> pd.DataFrame | None:
    dtypes: dict[int, str | type] = dict.fromkeys(positions, object)
    dtypes.update(dict.fromkeys(float_positions, "float64"))
    try:
        return pd.read_csv(
            io.BytesIO(body.encode("utf-8")),  # the C parser reads bytes ~5x faster than a StringIO
            encoding="utf-8",
            header=0,
            names=positions,
            dtype=dtypes,
            keep_default_na=False,
            na_values={position: [""] for position in float_positions},
            skip_blank_lines=False,
            low_memory=False,
            nrows=rows,
        )
    except ValueError as error:
        if isinstance(error, pd.errors.ParserError) or not float_positions:
            raise
        return None  # a float column holds text: read everything as text instead


def _stripped(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Text cells as stripped categoricals (missing cells of short rows become ``""``); floats as they are."""
    columns = [
        stripped_categorical(frame[position]) if frame[position].dtype == object else frame[position]
        for position in range(len(names))
    ]
    out = pd.concat(columns, axis=1, ignore_index=True)
    out.columns = names
    return out


def stripped_categorical(column: pd.Series) -> pd.Series:
    """Strip each distinct value once: cube columns repeat a few values a million times, so this (and
    every later per-value step: comparing, parsing numbers and dates) costs per distinct value."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    stripped = [value.strip() if isinstance(value, str) else "" for value in uniques]
    stripped_codes, categories = pd.factorize(np.array(stripped, dtype=object))
    return pd.Series(pd.Categorical.from_codes(stripped_codes[codes], categories=pd.Index(categories)))


def _blank_rows(cells: pd.DataFrame) -> np.ndarray:
    blank = np.ones(len(cells), dtype=bool)
    for position in range(cells.shape[1]):
        column = cells.iloc[:, position]
        blank &= empty_cells(column)
    return blank


def _drop_empty_unnamed_columns(cells: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Trailing commas in the header (common in Excel exports) make unnamed, empty columns: ignore them."""
    keep = [
        position
        for position, name in enumerate(names)
        if name or not empty_cells(cells.iloc[:, position]).all()
    ]
    return cells.iloc[:, keep]


def check_header(
    names: list[str],
    required: Sequence[str],
    allowed: Collection[str] | None,
    header_row: int,
    collector: ProblemCollector,
) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            collector.add(header_row, "", f"column {position} has values but no name")
        elif name in seen:
            collector.add(
                header_row, name, f"column name appears twice (columns {seen[name]} and {position})"
            )
        else:
            seen[name] = position
        if name and allowed is not None and name not in allowed:
            expected = ", ".join(sorted(allowed))
            collector.add(header_row, name, f"unknown column (expected columns: {expected})")
    for name in required:
        if name not in seen:
            collector.add(header_row, name, "required column is missing")


def _reject_parser_error(
    error: pd.errors.ParserError, collector: ProblemCollector, header_row: int
) -> NoReturn:
    """The C parser stops at the first malformed record; its line counts from the header line."""
    message = str(error)
    too_many = TOO_MANY_FIELDS.search(message)
    if too_many:
        expected, line, seen = (int(group) for group in too_many.groups())
        collector.reject(
            header_row - 1 + line, "", f"row has {seen} cells but the header has {expected} columns"
        )
    collector.reject(header_row, "", f"cannot read the file as CSV: {message.strip()}")
