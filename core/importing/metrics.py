"""Validate a metrics (daily cube) file column by column.

A million-row cube must validate in seconds, so no per-row model is built here: each check is a
vectorised mask over a whole column and problems are only materialised for the first flagged rows.
The reasons are the same as the per-row pydantic path uses for the small tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import is_float_dtype

from core.cube import DATE, MEASURES
from core.importing.collector import ProblemCollector
from core.importing.column_checks import (
    duplicate_key_rows,
    empty_cells,
    parse_date_column,
    parse_number_column,
)
from core.importing.table import RawTable
from core.importing.values import (
    EMPTY_CELL,
    MUST_BE_NON_NEGATIVE,
    not_a_date,
    not_a_number,
    not_a_whole_number,
)

REQUIRED_COLUMNS: tuple[str, ...] = (DATE, *MEASURES)
COUNT_MEASURES: tuple[str, ...] = ("new_members", "renew_members")
REVENUE_WITHOUT_DAU = "revenue without DAU"


def metrics_dimensions(columns: list[str]) -> list[str]:
    """Every column that is neither ``date`` nor a measure is a dimension, in file order."""
    return [column for column in columns if column != DATE and column not in MEASURES]


def validate_metrics(table: RawTable, collector: ProblemCollector) -> pd.DataFrame:
    """Return the cube frame (``date``, dimensions as ``str``, measures as ``float64``); report problems."""
    cells, rows = table.cells, table.rows
    dimensions = metrics_dimensions(table.columns)

    dates = parse_date_column(cells[DATE])
    collector.add_where(dates.empty, rows, DATE, EMPTY_CELL)
    collector.add_where(dates.bad, rows, DATE, not_a_date, cells[DATE])

    key_ok = ~dates.empty & ~dates.bad
    for dimension in dimensions:
        empty = empty_cells(cells[dimension])
        collector.add_where(empty, rows, dimension, EMPTY_CELL)
        key_ok &= ~empty

    measures = {measure: _checked_measure(cells[measure], rows, measure, collector) for measure in MEASURES}
    _check_revenue_has_dau(measures["revenue"], measures["dau"], rows, collector)
    _check_duplicate_keys(dates.values, cells[dimensions], key_ok, rows, collector)

    frame = pd.DataFrame({DATE: dates.values})
    for dimension in dimensions:
        frame[dimension] = cells[dimension].astype("str").to_numpy()
    for measure in MEASURES:
        frame[measure] = measures[measure]
    return frame


def _checked_measure(
    cells: pd.Series, rows: np.ndarray, measure: str, collector: ProblemCollector
) -> np.ndarray:
    parsed = parse_number_column(cells)
    collector.add_where(parsed.empty, rows, measure, EMPTY_CELL)
    collector.add_where(parsed.bad, rows, measure, not_a_number, cells)
    values = parsed.values
    with np.errstate(invalid="ignore"):
        collector.add_where(values < 0, rows, measure, MUST_BE_NON_NEGATIVE)
        if measure in COUNT_MEASURES:
            fractional = (values >= 0) & (values != np.floor(values))
            if fractional.any():
                shown = pd.Series(values).map(repr) if is_float_dtype(cells.dtype) else cells
                collector.add_where(fractional, rows, measure, not_a_whole_number, shown)
    return values


def _check_revenue_has_dau(
    revenue: np.ndarray, dau: np.ndarray, rows: np.ndarray, collector: ProblemCollector
) -> None:
    with np.errstate(invalid="ignore"):
        collector.add_where((revenue > 0) & (dau == 0), rows, "revenue", REVENUE_WITHOUT_DAU)


def _check_duplicate_keys(
    dates: np.ndarray,
    dimension_cells: pd.DataFrame,
    key_ok: np.ndarray,
    rows: np.ndarray,
    collector: ProblemCollector,
) -> None:
    """A (date, dimension values) key may appear once; a repeat names the row it repeats."""
    keys = dimension_cells.assign(**{DATE: dates}).loc[key_ok]
    duplicate, first_rows = duplicate_key_rows(keys, rows[key_ok])
    collector.add_where(duplicate, rows[key_ok], "", lambda first: f"duplicate of row {first}", first_rows)
