"""What analytics ask of the cube, instead of the whole cube: grouped series and the leaves of a few days.

A scan needs the total and every one-dimension slice per day (the *series*: what a warehouse answers with
``GROUPING SETS``), and, for root causes, the leaf rows of the anomalous days and their baseline days —
never every leaf of every day. :class:`CubeReader` is that interface; storage implements it over the
embedded store and warehouse tables (aggregation pushed down), :class:`FrameReader` over a frame in memory
(tests, benchmarks, small cubes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, dimension_columns, normalise_cube

SET = "grouping_set"  # 0: the total; i: the slices of dimension i (1-based, in dimension order)


class CubeReader(Protocol):
    def dimensions(self) -> list[str]: ...

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day with data."""
        ...

    def series(self, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        """Grouped sums per day: ``date``, ``grouping_set``, ``value`` and the measures (see ``SET``).

        A measure is NaN where any summed row has NaN, like the embedded store's frames."""
        ...

    def leaves(self, days: Sequence[dt.date], scope: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The leaf rows (``date``, dimensions, measures) of ``days`` inside ``scope``."""
        ...

    def dimension_values(self) -> dict[str, list[str]]:
        """Every value of every dimension, sorted."""
        ...

    def daily(self, scope: Mapping[str, str], end: dt.date) -> pd.DataFrame:
        """Measure sums of ``scope`` per consecutive day from the first day to ``end`` (index: dates):
        0 on a day the scope has no rows, NaN on a day without any row."""
        ...

    def breakdown(self, by: str, scope: Mapping[str, str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Measure sums of ``scope`` per day and value of dimension ``by`` (columns ``date``, ``value``
        and the measures; only the days and values with rows), aggregated by the source."""
        ...


def daily_from_series(
    series: pd.DataFrame,
    dimensions: Sequence[str],
    scope: Mapping[str, str],
    start: dt.date,
    end: dt.date,
    *,
    present: pd.Series | None = None,
) -> pd.DataFrame | None:
    """:meth:`CubeReader.daily` for the total or a one-dimension scope, read off grouped ``series``
    (None for a wider scope: the caller asks its source). ``present``: the days with any row (default:
    the total's days in ``series``)."""
    if len(scope) > 1:
        return None
    dates = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D").as_unit("ns")
    present = series.loc[series[SET] == 0, DATE] if present is None else present
    if scope:
        ((dimension, value),) = scope.items()
        rows = series[(series[SET] == dimensions.index(dimension) + 1) & (series["value"] == str(value))]
    else:
        rows = series[series[SET] == 0]
    return _on_days(rows.set_index(DATE)[list(MEASURES)], dates, present)


def breakdown_from_series(
    series: pd.DataFrame, dimensions: Sequence[str], by: str, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """:meth:`CubeReader.breakdown` of the whole cube, read off grouped ``series``."""
    rows = series[
        (series[SET] == dimensions.index(by) + 1)
        & (series[DATE] >= pd.Timestamp(start))
        & (series[DATE] <= pd.Timestamp(end))
    ]
    return rows[[DATE, "value", *MEASURES]].reset_index(drop=True)


def _on_days(sums: pd.DataFrame, dates: pd.DatetimeIndex, present: pd.Series) -> pd.DataFrame:
    out = sums.reindex(dates).fillna(0.0)
    out.loc[~dates.isin(present.unique())] = np.nan  # a day without any row is missing, not zero
    return out


def grouping_sets(frame: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame:
    """The total and one-dimension slices per day from leaf rows, in the shape :meth:`CubeReader.series`
    returns, sorted by set, value and date. A sum with any NaN row is NaN."""
    parts = []
    for i, dimension in enumerate([None, *dimensions]):
        keys = [frame[DATE]] if dimension is None else [frame[DATE], frame[dimension].astype(str)]
        grouped = frame[list(MEASURES)].groupby(keys, observed=True)
        sums = grouped.sum().where(~frame[list(MEASURES)].isna().groupby(keys, observed=True).any())
        sums = sums.reset_index()
        if dimension is None:
            sums.insert(1, "value", "")
        else:
            sums = sums.rename(columns={dimension: "value"})
        sums.insert(1, SET, i)
        parts.append(sums[[DATE, SET, "value", *MEASURES]])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values([SET, "value", DATE], ignore_index=True)


class FrameReader:
    """A :class:`CubeReader` over a cube frame held in memory."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = {m: np.nan for m in MEASURES if m not in frame.columns}  # they then fail the data checks
        self.frame = normalise_cube(frame.assign(**missing) if missing else frame)  # one copy of the cube
        self.frame[DATE] = self.frame[DATE].astype("datetime64[ns]")

    def dimensions(self) -> list[str]:
        return dimension_columns(self.frame)

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        if self.frame.empty:
            return None, None
        return self.frame[DATE].min().date(), self.frame[DATE].max().date()

    def series(self, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        return grouping_sets(_window(self.frame, start, end), self.dimensions())

    def leaves(self, days: Sequence[dt.date], scope: Mapping[str, str] | None = None) -> pd.DataFrame:
        frame = self.frame[self.frame[DATE].isin(pd.to_datetime(list(days)))]
        return frame[scope_mask(frame, scope or {})].reset_index(drop=True)

    def dimension_values(self) -> dict[str, list[str]]:
        return {d: sorted(self.frame[d].astype(str).unique()) for d in self.dimensions()}

    def daily(self, scope: Mapping[str, str], end: dt.date) -> pd.DataFrame:
        cube = self.frame
        dates = pd.date_range(cube[DATE].min(), pd.Timestamp(end), freq="D")
        inside = cube[scope_mask(cube, scope) & (cube[DATE] <= pd.Timestamp(end)).to_numpy()]
        return _on_days(inside.groupby(DATE)[list(MEASURES)].sum(), dates, cube[DATE])

    def breakdown(self, by: str, scope: Mapping[str, str], start: dt.date, end: dt.date) -> pd.DataFrame:
        cube = _window(self.frame, start, end)
        inside = cube[scope_mask(cube, scope)]
        sums = inside.groupby([DATE, inside[by].astype(str).rename("value")], observed=True)
        return sums[list(MEASURES)].sum().reset_index()


def as_reader(cube: pd.DataFrame | CubeReader) -> CubeReader:
    """A frame (tests, small cubes) as a reader; a reader as it is."""
    return FrameReader(cube) if isinstance(cube, pd.DataFrame) else cube


def scope_mask(cube: pd.DataFrame, scope: Mapping[str, str]) -> np.ndarray:
    mask = np.ones(len(cube), dtype=bool)
    for dimension, value in scope.items():
        mask &= (cube[dimension].astype(str) == str(value)).to_numpy()
    return mask


def _window(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    if start is not None:
        frame = frame[frame[DATE] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame[DATE] <= pd.Timestamp(end)]
    return frame
