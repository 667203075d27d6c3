"""A cube source as the analytics' :class:`~core.cube_reader.CubeReader`, over a window of history.

The scan asks for the grouped series (one query: GROUPING SETS on a warehouse; with a
:class:`~storage.sources.series_cache.SeriesCache`, only for the days not read before or changed since) and
the leaf rows of the few days its root causes need (one query with those days), instead of the whole cube.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence

import pandas as pd

from core.cube_reader import SET, breakdown_from_series, daily_from_series, scope_mask
from storage.sources.base import CubeSource
from storage.sources.series_cache import SeriesCache

KEPT_LEAF_DAYS = 16  # a day of 100 k leaves is ~10 MB in memory


class SourceReader:
    def __init__(
        self, source: CubeSource, *, history_days: int | None = None, cache: SeriesCache | None = None
    ) -> None:
        self.source = source
        self.history_days = history_days
        self.cache = cache
        self._span = source.span()
        self._dimensions: list[str] | None = None
        self._series: dict[tuple[dt.date | None, dt.date | None], pd.DataFrame] = {}
        self._leaves: dict[dt.date, pd.DataFrame] = {}  # by day, the most recently read last
        self._lock = threading.RLock()  # one reader serves the requests of a data version at once

    def dimensions(self) -> list[str]:
        if self._dimensions is None:
            self._dimensions = self.source.dimensions()
        return self._dimensions

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = self._span
        if first is not None and last is not None and self.history_days is not None:
            first = max(first, last - dt.timedelta(days=self.history_days - 1))
        return first, last

    def series(self, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        """One grouped query per window, kept for the reader's life (one data version)."""
        first = self.span()[0]
        start = max(start, first) if start is not None and first is not None else (start or first)
        key = (start, end)
        with self._lock:
            if key not in self._series:
                if len(self._series) >= 8:
                    self._series.pop(next(iter(self._series)))
                self._series[key] = self._read_series(start, end)
            return self._series[key]

    def _read_series(self, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        last = self._span[1]
        if self.cache is None or start is None or last is None:
            return self.source.series(self.dimensions(), start, end)
        return self.cache.series(self.dimensions(), start, min(end, last) if end is not None else last)

    def dimension_values(self) -> dict[str, list[str]]:
        series = self.series(None, self._span[1])
        return {
            d: sorted(series.loc[series[SET] == i, "value"].unique())
            for i, d in enumerate(self.dimensions(), start=1)
        }

    def daily(self, scope: Mapping[str, str], end: dt.date) -> pd.DataFrame:
        first = self.span()[0] or end
        series = self.series(None, self._span[1])
        from_series = daily_from_series(series, self.dimensions(), scope, first, end)
        if from_series is not None:
            return from_series
        wide = self.source.scoped_daily(dict(scope), first, end)
        present = series.loc[series[SET] == 0, "date"]
        return daily_from_series(
            wide.assign(**{SET: 0, "value": ""}), self.dimensions(), {}, first, end, present=present
        )

    def breakdown(self, by: str, scope: Mapping[str, str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """The whole cube's breakdown from the grouped series (one query, kept); a slice's from the source
        (one GROUP BY day, value inside the slice)."""
        if not scope:
            return breakdown_from_series(self.series(None, self._span[1]), self.dimensions(), by, start, end)
        return self.source.scoped_daily(dict(scope), start, end, by=by)

    def leaves(self, days: Sequence[dt.date], scope: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The days' leaf rows: the days not read yet in one query, the rest kept from earlier (the scan's
        alert and baseline days are what /mo-why asks about next)."""
        wanted = list(dict.fromkeys(days))
        if not wanted:
            return self.source.load_cube(days=[])
        with self._lock:
            missing = [d for d in wanted if d not in self._leaves]
            if missing:
                frame = self.source.load_cube(days=missing)
                by_day = dict(iter(frame.groupby(frame["date"].dt.date, sort=False)))
                for day in missing:
                    self._leaves[day] = by_day.get(day, frame.iloc[:0])
            for day in wanted:  # most recently used last; the oldest go first
                self._leaves[day] = self._leaves.pop(day)
            while len(self._leaves) > max(KEPT_LEAF_DAYS, len(wanted)):
                self._leaves.pop(next(iter(self._leaves)))
            frame = pd.concat([self._leaves[d] for d in wanted], ignore_index=True)
        return frame[scope_mask(frame, scope or {})].reset_index(drop=True)
