"""The embedded store (what ``memberops import metrics`` writes) behind the same interface as a warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.cube import MEASURES
from core.cube_reader import grouping_sets, scope_mask
from storage.metrics_repo import date_range, load_cube, recent_day_rows, stored_dimensions
from storage.sources.base import DateRange, DayRows
from storage.tables import ImportRun


class EmbeddedSource:
    name = "embedded"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows_read = 0  # leaf rows loaded (bench, /metrics)

    def __repr__(self) -> str:
        return f"EmbeddedSource({self.engine.dialect.name})"

    def dimensions(self) -> list[str]:
        return stored_dimensions(self.engine)

    def load_cube(
        self, start: dt.date | None = None, end: dt.date | None = None, days: Sequence[dt.date] | None = None
    ) -> pd.DataFrame:
        if days is not None:  # the span of the days, then only those days
            if not days:
                return load_cube(self.engine, dt.date.max, dt.date.max)  # no rows, the cube's columns
            frame = load_cube(self.engine, min(days), max(days))
            self.rows_read += len(frame)
            return frame[frame["date"].isin(pd.to_datetime(list(days)))].reset_index(drop=True)
        frame = load_cube(self.engine, start, end)
        self.rows_read += len(frame)
        return frame

    def series(
        self, dimensions: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Grouped like a warehouse's GROUPING SETS, computed from the loaded leaf rows."""
        return grouping_sets(self.load_cube(start, end), dimensions)

    def scoped_daily(
        self, scope: dict[str, str], start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        frame = self.load_cube(start, end)
        inside = frame[scope_mask(frame, scope)]
        return inside.groupby("date")[list(MEASURES)].sum().reset_index()

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        first, last, _ = date_range(self.engine)
        return first, last

    def date_range(self) -> DateRange:
        return DateRange(*date_range(self.engine))

    def recent_days(self, days: int) -> list[DayRows]:
        return [DayRows(d, n, dau) for d, n, dau in recent_day_rows(self.engine, days)]

    def fingerprint(self) -> str:
        """The newest import: every import (and only an import) changes the embedded cube."""
        with self.engine.connect() as connection:
            newest = connection.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one()
        return str(int(newest))
