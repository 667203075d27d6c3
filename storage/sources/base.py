"""What every cube source answers: the leaf rows of a window, the date range, a data fingerprint.

A source is where the metric cube lives: the embedded store (what ``memberops import`` writes) or a team's
warehouse table (PostgreSQL, MySQL/MariaDB, StarRocks, Doris). Analytics never see SQL: they
get frames in the cube's canonical shape (``core.cube``) — ``date``, the dimension columns, the measures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd


class SourceError(RuntimeError):
    """A source that cannot answer. ``setting`` names the variable to fix (``METRICS_TABLE``, …)."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


@dataclass(frozen=True)
class DateRange:
    first: dt.date | None
    last: dt.date | None
    rows: int


@dataclass(frozen=True)
class DayRows:
    """Rows and DAU of one day: what freshness checks compare with the trailing days."""

    date: dt.date
    rows: int
    dau: float


class CubeSource(Protocol):
    name: str  # "embedded", or the dialect: "postgresql", "mysql", "starrocks", …

    def dimensions(self) -> list[str]: ...

    def load_cube(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        days: Sequence[dt.date] | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Leaf rows (one per day per combination of the dimensions) with the summed measures, of the
        window ``start``…``end`` or only of ``days``; summed down to ``dimensions`` when given."""
        ...

    def series(
        self, dimensions: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """The total and one-dimension slices per day (``core.cube_reader.CubeReader.series``)."""
        ...

    def scoped_daily(
        self,
        scope: dict[str, str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        by: str | None = None,
    ) -> pd.DataFrame:
        """Measure sums per day inside ``scope`` (only the days where it has rows); with ``by``, per day and
        value of that dimension (column ``value``): a breakdown of the slice, aggregated by the source."""
        ...

    def date_range(self) -> DateRange: ...

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day, without counting rows (cheap on a big table)."""
        ...

    def recent_days(self, days: int) -> list[DayRows]:
        """Rows per day over the last ``days`` days with data, oldest first."""
        ...

    def fingerprint(self) -> str:
        """Changes whenever the data a scan would read changes (a new day, a restated day, an import)."""
        ...
