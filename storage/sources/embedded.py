"""The embedded store (what ``memberops import metrics`` writes) behind the same interface as a warehouse."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from storage.metrics_repo import date_range, load_cube, recent_day_rows, stored_dimensions
from storage.sources.base import DateRange, DayRows
from storage.tables import ImportRun


class EmbeddedSource:
    name = "embedded"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"EmbeddedSource({self.engine.dialect.name})"

    def dimensions(self) -> list[str]:
        return stored_dimensions(self.engine)

    def load_cube(self, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        return load_cube(self.engine, start, end)

    def date_range(self) -> DateRange:
        return DateRange(*date_range(self.engine))

    def recent_days(self, days: int) -> list[DayRows]:
        return [DayRows(d, n, dau) for d, n, dau in recent_day_rows(self.engine, days)]

    def fingerprint(self) -> str:
        """The newest import: every import (and only an import) changes the embedded cube."""
        with self.engine.connect() as connection:
            newest = connection.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one()
        return str(int(newest))
