"""Read a Parquet file (what warehouses export) into the same :class:`RawTable` a CSV becomes.

The validation that follows is the CSV's, cell for cell: a numeric column without nulls stays ``float64``
(the fast path), anything else becomes stripped text — a null is an empty cell, so it is reported as one;
dates and timestamps become ``YYYY-MM-DD`` text. Parquet has no spreadsheet rows: row N of a problem is
the (N-1)-th record, counting the header as row 1 as a spreadsheet would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from core.importing.collector import ProblemCollector
from core.importing.table import RawTable, check_header, stripped_categorical

HEADER_ROW = 1


def read_parquet_table(
    path: Path,
    collector: ProblemCollector,
    *,
    required: Sequence[str],
    allowed: Collection[str] | None = None,
    float_columns: Collection[str] = (),
) -> RawTable:
    import pyarrow.parquet as pq
    from pyarrow import ArrowInvalid

    try:
        frame = pq.read_table(path).to_pandas()
    except (ArrowInvalid, OSError) as error:
        collector.reject(HEADER_ROW, "", f"not a readable Parquet file: {error}")
    names = [str(name).strip() for name in frame.columns]
    collector.set_columns(names)
    check_header(names, required, allowed, HEADER_ROW, collector)
    collector.raise_if_any()
    cells = pd.DataFrame(
        {name: _cells(frame.iloc[:, position], name in float_columns) for position, name in enumerate(names)}
    )
    return RawTable(
        header_row=HEADER_ROW,
        columns=names,
        cells=cells,
        rows=np.arange(len(cells), dtype=np.int64) + HEADER_ROW + 1,
    )


def _cells(column: pd.Series, numeric: bool) -> pd.Series:
    column = column.reset_index(drop=True)
    if numeric and pd.api.types.is_numeric_dtype(column) and not column.isna().any():
        return column.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(column):
        column = column.dt.strftime("%Y-%m-%d")
    values = column.to_numpy(dtype=object)
    text = np.array(
        [
            "" if _missing(v) else v.isoformat() if isinstance(v, dt.date) else str(v)
            for v in pd.unique(values)
        ],
        dtype=object,
    )
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    del uniques  # the codes index pd.unique's order: both keep first appearance
    return stripped_categorical(pd.Series(text[codes]))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT
