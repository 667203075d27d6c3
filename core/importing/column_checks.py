"""Column-wise (vectorised) parsing for large files: whole columns at once, Python only for odd cells.

Text columns arrive as categoricals (see ``table``), so numbers and dates are parsed once per distinct
value and spread back to the rows through the category codes. Each function returns the parsed values
with boolean masks of the empty and the unreadable cells; the caller reports problems per mask (see
``ProblemCollector.add_where``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_float_dtype

from core.importing.values import DATE_FORMATS, parse_number


@dataclass(frozen=True)
class ParsedColumn:
    values: np.ndarray
    empty: np.ndarray
    bad: np.ndarray

    def take(self, codes: np.ndarray) -> ParsedColumn:
        return ParsedColumn(self.values[codes], self.empty[codes], self.bad[codes])


def empty_cells(cells: pd.Series) -> np.ndarray:
    """``""`` in a text column, NaN in a float column."""
    if is_float_dtype(cells.dtype):
        return cells.isna().to_numpy()
    return cells.eq("").to_numpy()


def parse_number_column(cells: pd.Series) -> ParsedColumn:
    """Numbers as ``float64`` (NaN where empty or bad)."""
    if is_float_dtype(cells.dtype):
        values = cells.to_numpy(dtype=float, copy=True)
        return ParsedColumn(values, np.isnan(values), np.zeros(len(values), dtype=bool))
    return _per_distinct_value(cells, _parse_numbers)


def parse_date_column(cells: pd.Series) -> ParsedColumn:
    """Dates (``YYYY-MM-DD``, else ``YYYY/MM/DD``) as ``datetime64[ns]`` (NaT where empty or bad)."""
    return _per_distinct_value(cells, _parse_dates)


def duplicate_key_rows(keys: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, whether its key was seen before, and the row number of its key's first occurrence."""
    duplicate = keys.duplicated(keep="first").to_numpy()
    if not duplicate.any():
        return duplicate, rows
    groups = keys.groupby(list(keys.columns), sort=False, observed=True, dropna=False).ngroup().to_numpy()
    first_row_by_group = pd.Series(rows).groupby(groups).transform("first").to_numpy()
    return duplicate, first_row_by_group


def _per_distinct_value(cells: pd.Series, parse: Callable[[np.ndarray], ParsedColumn]) -> ParsedColumn:
    if isinstance(cells.dtype, pd.CategoricalDtype):
        categories = cells.cat.categories.to_numpy(dtype=object)
        return parse(categories).take(cells.cat.codes.to_numpy())
    return parse(cells.to_numpy(dtype=object))


def _parse_numbers(text: np.ndarray) -> ParsedColumn:
    """``pd.to_numeric`` reads the plain numbers in bulk; the cells it cannot read (thousands separators
    such as ``1,234``, full-width digits, or mistakes) go through the scalar parser of the small tables,
    so both paths accept and refuse exactly the same text."""
    empty = text == ""
    values = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(dtype=float, copy=True)
    bad = np.zeros(len(text), dtype=bool)
    for index in np.flatnonzero(~empty & ~np.isfinite(values)):
        try:
            values[index] = parse_number(text[index])
        except ValueError:
            values[index] = np.nan
            bad[index] = True
    return ParsedColumn(values, empty, bad)


def _parse_dates(text: np.ndarray) -> ParsedColumn:
    """``to_datetime`` with an explicit format is exact: no time part, no guessing of day-first orders."""
    empty = text == ""
    series = pd.Series(text, dtype=object)
    dates = pd.to_datetime(series, format=DATE_FORMATS[0], errors="coerce").astype("datetime64[ns]")
    for date_format in DATE_FORMATS[1:]:
        retry = dates.isna().to_numpy() & ~empty
        if retry.any():
            dates.loc[retry] = pd.to_datetime(series.loc[retry], format=date_format, errors="coerce")
    values = dates.to_numpy(dtype="datetime64[ns]")
    return ParsedColumn(values, empty, np.isnat(values) & ~empty)
