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
        frame = frame.copy()
        for measure in MEASURES:
            if measure not in frame.columns:
                frame[measure] = np.nan
        self.frame = normalise_cube(frame)
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
        for dimension, value in (scope or {}).items():
            frame = frame[frame[dimension] == value]
        return frame.reset_index(drop=True)


def _window(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    if start is not None:
        frame = frame[frame[DATE] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame[DATE] <= pd.Timestamp(end)]
    return frame
