"""A team's warehouse table as the cube source: reflected once, queried with aggregation pushed down.

The table is named by ``METRICS_TABLE`` and mapped by ``METRICS_DATE_COLUMN``, ``METRICS_DIMENSIONS`` and
``METRICS_MEASURES`` (:mod:`storage.sources.mapping`); the SQL comes from the dialect's query builder
(:mod:`storage.sources.queries`). Sessions are read-only where the engine has such a mode, and the product
only ever sends ``SELECT``.

Freshness: :meth:`fingerprint` reads the rows and sums of the last days (one small grouped query), at most
once per ``refresh_s``; a new or restated recent day changes it, and the product then reads again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.engine import Engine

from core.cube import DATE
from storage.db import as_date
from storage.sources.base import DateRange, DayRows, SourceError
from storage.sources.connect import parse_source_url, shown_url
from storage.sources.frames import result_frame, rows_frame
from storage.sources.links import Link, SqlAlchemyLink
from storage.sources.mapping import CubeMapping, parse_measures, resolve_mapping
from storage.sources.queries import QUERIES, SET_COLUMN, CubeQueries

FINGERPRINT_DAYS = 8
T = TypeVar("T")


class WarehouseSource:
    def __init__(
        self,
        url: str,
        *,
        table: str,
        date_column: str = "date",
        dimensions: str = "",
        measures: str = "",
        timeout_s: float = 60.0,
        refresh_s: float = 300.0,
    ) -> None:
        self.url, self.scheme = parse_source_url(url)
        self.name = self.scheme.flavour
        parse_measures(measures)  # syntax now; the columns on first connection
        self.settings = (table, date_column, dimensions, measures)
        self.timeout_s = timeout_s
        self.refresh_s = refresh_s
        self._link: Link | None = None
        self._queries: CubeQueries | None = None
        self._lock = threading.Lock()
        self._kept_values: dict[object, tuple[float, Any]] = {}
        self.rows_read = 0  # rows the warehouse has sent us, queries and their time (bench, /metrics)
        self.queries_run = 0
        self.query_seconds = 0.0

    def __repr__(self) -> str:
        return f"WarehouseSource({shown_url(self.url)}, table={self.settings[0]!r})"

    @property
    def shown_url(self) -> str:
        return shown_url(self.url)

    # -- connection and mapping -----------------------------------------------------------------------------
    @property
    def link(self) -> Link:
        if self._link is None:
            if self.scheme.flavour == "clickhouse":
                from storage.sources.clickhouse import ClickHouseLink

                self._link = ClickHouseLink(self.url, timeout_s=self.timeout_s)
            else:
                self._link = SqlAlchemyLink(self.url, self.scheme, timeout_s=self.timeout_s)
        return self._link

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (not for ClickHouse, which has its own client)."""
        link = self.link
        if not isinstance(link, SqlAlchemyLink):
            raise TypeError(f"{self.scheme.flavour} is not reached through SQLAlchemy")
        return link.engine

    @property
    def queries(self) -> CubeQueries:
        """Reflect the table and check the mapping (first use; raises SourceError naming the setting)."""
        with self._lock:
            if self._queries is None:
                self._queries = self._reflect()
            return self._queries

    @property
    def mapping(self) -> CubeMapping:
        return self.queries.mapping

    def _reflect(self) -> CubeQueries:
        table_setting = self.settings[0]
        if not table_setting:
            raise SourceError(
                "METRICS_TABLE", "required with METRICS_SOURCE: the table or view holding the cube"
            )
        schema, _, name = table_setting.rpartition(".")
        types = self.link.columns(name, schema or None)
        mapping = resolve_mapping(*self.settings, columns=list(types))
        used = {mapping.date_column, *mapping.dimensions, *mapping.measures.values()}
        table = Table(
            name, MetaData(), *(Column(c, types[c]) for c in types if c in used), schema=schema or None
        )
        return QUERIES[self.scheme.flavour](table, mapping)

    def _rows(self, statement) -> list:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            rows = self.link.rows(statement)
        finally:
            self.query_seconds += time.perf_counter() - started
        self.rows_read += len(rows)
        self.queries_run += 1
        return rows

    def server_version(self) -> str:
        return self.link.version()

    # -- the cube ---------------------------------------------------------------------------------------------
    def dimensions(self) -> list[str]:
        return list(self.mapping.dimensions)

    def load_cube(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        days: Sequence[dt.date] | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        queries = self.queries
        kept = [d for d in queries.mapping.dimensions if dimensions is None or d in dimensions]
        rows = self._rows(queries.leaves(start, end, days, kept))
        return _frame(rows, [DATE, *kept, *queries.mapping.measures], kept)

    def series(
        self,
        dimensions: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        days: Sequence[dt.date] | None = None,
    ) -> pd.DataFrame:
        """Total (``grouping_set`` 0) and one-dimension slices (``grouping_set`` i: ``dimensions[i-1]``),
        with ``rows``: how many table rows each sum covers."""
        queries = self.queries
        rows = self._rows(queries.series(dimensions, start, end, days))
        frame = _frame(rows, [DATE, SET_COLUMN, "value", "rows", *queries.mapping.measures], ["value"])
        frame[SET_COLUMN] = frame[SET_COLUMN].astype(int)
        frame["rows"] = frame["rows"].astype(int)
        return frame.sort_values([SET_COLUMN, "value", DATE], ignore_index=True)

    def scoped_daily(
        self,
        scope: dict[str, str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        by: str | None = None,
    ) -> pd.DataFrame:
        """Measure sums per day inside ``scope`` (only days where it has rows); with ``by``, per day and
        value of that dimension (column ``value``)."""
        queries = self.queries
        unknown = (set(scope) | ({by} if by else set())) - set(queries.mapping.dimensions)
        if unknown:
            raise SourceError("METRICS_DIMENSIONS", f"not a mapped dimension: {', '.join(sorted(unknown))}")
        rows = self._rows(queries.scoped_daily(scope, start, end, by))
        keys = [DATE] if by is None else [DATE, "value"]
        return _frame(rows, [*keys, *queries.mapping.measures], keys[1:])

    def date_range(self) -> DateRange:
        """First and last day and rows (a COUNT over the table: kept for ``refresh_s``, so that /healthz
        and every request do not scan a big table)."""

        def read() -> DateRange:
            first, last, rows = self._rows(self.queries.date_range())[0]
            return DateRange(as_date(first), as_date(last), int(rows or 0))

        return self._kept("date_range", read)

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day without counting the rows (what every request needs; kept likewise)."""

        def read() -> tuple[dt.date | None, dt.date | None]:
            first, last = self._rows(self.queries.span())[0]
            return as_date(first), as_date(last)

        return self._kept("span", read)

    def recent_days(self, days: int) -> list[DayRows]:
        def read() -> list[DayRows]:
            last = self.span()[1]
            if last is None:
                return []
            rows = self._rows(self.queries.recent_days(last - dt.timedelta(days=days - 1)))
            return [DayRows(as_date(d), int(n), float(dau or 0.0)) for d, n, dau in rows]  # type: ignore[arg-type]

        return self._kept(("recent_days", days), read)

    def fingerprint(self) -> str:
        """A digest of the last days' rows and DAU: changes with a new or restated recent day."""
        days = self.recent_days(FINGERPRINT_DAYS)
        return hashlib.sha256(repr([(d.date, d.rows, round(d.dau, 6)) for d in days]).encode()).hexdigest()[
            :16
        ]

    def _kept(self, key: object, read: Callable[[], T]) -> T:
        """``read()``, re-read at most once per ``refresh_s`` (the warehouse's freshness is not per request)."""
        now = time.monotonic()
        cached = self._kept_values.get(key)
        if cached is not None and now - cached[0] < self.refresh_s:
            return cached[1]
        value = read()
        self._kept_values[key] = (now, value)
        return value

    @property
    def identity(self) -> str:
        """Which table and mapping the data comes from (no password): the series cache's key."""
        mapping = self.mapping
        text = repr(
            (self.shown_url, mapping.table, mapping.date_column, mapping.dimensions, mapping.measures)
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def dispose(self) -> None:
        if self._link is not None:
            self._link.dispose()


def _frame(rows: list, columns: list[str], text_columns: list[str]) -> pd.DataFrame:
    return result_frame(rows_frame(rows, columns), columns, text_columns)
