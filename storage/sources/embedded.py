"""The embedded store (what ``memberops import metrics`` writes), queried with DuckDB like a warehouse.

The cube is date-partitioned Parquet files (:mod:`storage.cube_files`); DuckDB reads the files of the
current list through a view and answers the same SQL expressions as a PostgreSQL warehouse
(:class:`~storage.sources.queries.CubeQueries`: GROUPING SETS, one-argument GROUPING(), bound values), so
a scan reads grouped series and a few days' leaves, not the cube. DuckDB runs in this process on an
in-memory database with a memory limit; a new file list (an import) gets a new view.

Freshness (rows and DAU per day, the date range) comes from the file list itself, without reading a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import Column, Date, Float, MetaData, String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from core.cube import DATE, MEASURES
from storage.cube_files import CubeFiles, Partition
from storage.sources.base import DateRange, DayRows, SourceError
from storage.sources.frames import result_frame
from storage.sources.mapping import CubeMapping
from storage.sources.queries import SET_COLUMN, CubeQueries, DuckDBQueries

VIEW = "cube"
DUCKDB_SETTINGS = {"threads": 2, "memory_limit": "1GB", "preserve_insertion_order": False}
_DIALECT = postgresql.dialect(paramstyle="numeric_dollar")  # DuckDB speaks PostgreSQL's SQL, $n values


class _DuckDB:
    """The process's DuckDB connection with a view over the files of the latest query."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows_read = 0
        self.queries_run = 0
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._paths: list[Path] | None = None

    def view(self, paths: list[Path]) -> duckdb.DuckDBPyConnection:
        """The connection with ``VIEW`` over ``paths`` (call with the lock held)."""
        if self._connection is None:
            self._connection = duckdb.connect(":memory:", config=dict(DUCKDB_SETTINGS))
        if paths != self._paths:
            self._connection.read_parquet([str(p) for p in paths]).create_view(VIEW, replace=True)
            self._paths = paths
        return self._connection


class EmbeddedSource:
    name = "embedded"

    def __init__(
        self, engine: Engine, files: CubeFiles | None = None, *, pinned: list[Partition] | None = None
    ) -> None:
        self.engine = engine
        self.files = files or CubeFiles(engine)
        self.pinned = pinned  # None: the current file list at every query; else this list only
        self._duckdb = _DuckDB()
        self._dimensions: list[str] | None = None  # set when pinned: the dimensions of that moment
        self._queries: CubeQueries | None = None

    def __repr__(self) -> str:
        return f"EmbeddedSource({self.files.directory})"

    @property
    def rows_read(self) -> int:
        """Rows DuckDB returned, to this source and to every source pinned from it (bench, /metrics)."""
        return self._duckdb.rows_read

    @property
    def queries_run(self) -> int:
        return self._duckdb.queries_run

    def pin(self) -> EmbeddedSource:
        """The cube as it is now: a source that keeps reading this file list after an import swaps it (the
        files stay for ``GRACE_S``), so that one request never mixes two imports."""
        pinned = EmbeddedSource(self.engine, self.files, pinned=self.files.partitions())
        pinned._duckdb = self._duckdb  # one connection, one lock, one count
        pinned._dimensions = self.files.dimensions()  # no database round trip per query
        return pinned

    def _listed(self, start: dt.date | None = None, end: dt.date | None = None) -> list[Partition]:
        if self.pinned is None:
            return self.files.partitions(start, end)
        return [
            p for p in self.pinned if (start is None or p.date >= start) and (end is None or p.date <= end)
        ]

    def dimensions(self) -> list[str]:
        return list(self._dimensions) if self._dimensions is not None else self.files.dimensions()

    # -- the view over the listed files ----------------------------------------------------------------------
    def _run(self, statement: Select, partitions: list[Partition]) -> pd.DataFrame | None:
        """The statement's answer as a frame, over ``partitions`` (None when there is no file to read)."""
        if not partitions:
            return None
        compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
        values = [compiled.params[name] for name in compiled.positiontup or ()]
        shared = self._duckdb
        with shared.lock:
            connection = shared.view([self.files.directory / p.file for p in partitions])
            try:
                frame = connection.execute(compiled.string, values).df()
            except duckdb.IOException as exc:  # a listed file gone: the directory is not the list's
                raise SourceError(
                    "DATABASE_URL",
                    f"a cube file listed in the database is missing under {self.files.directory}: {exc}",
                ) from exc
            shared.rows_read += len(frame)
            shared.queries_run += 1
        return frame

    def _builder(self) -> CubeQueries:
        dimensions = tuple(self.dimensions())
        if self._queries is None or self._queries.mapping.dimensions != dimensions:
            table = Table(
                VIEW,
                MetaData(),
                Column(DATE, Date),
                *(Column(d, String) for d in dimensions),
                *(Column(m, Float) for m in MEASURES),
            )
            self._queries = DuckDBQueries(
                table, CubeMapping(VIEW, DATE, dimensions, {m: m for m in MEASURES})
            )
        return self._queries

    def _partitions(
        self, start: dt.date | None, end: dt.date | None, days: Sequence[dt.date] | None = None
    ) -> list[Partition]:
        """The files a query needs: those of the window or of ``days`` (DuckDB opens no other file)."""
        if days is not None:
            if not days:
                return []
            wanted = set(days)
            return [p for p in self._listed(min(days), max(days)) if p.date in wanted]
        return self._listed(start, end)

    # -- the cube ---------------------------------------------------------------------------------------------
    def load_cube(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        days: Sequence[dt.date] | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        queries = self._builder()
        kept = [d for d in queries.mapping.dimensions if dimensions is None or d in dimensions]
        frame = self._run(queries.leaves(start, end, days, kept), self._partitions(start, end, days))
        return result_frame(frame, [DATE, *kept, *MEASURES], kept)

    def series(
        self,
        dimensions: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        days: Sequence[dt.date] | None = None,
    ) -> pd.DataFrame:
        """Total (``grouping_set`` 0) and one-dimension slices per day, with ``rows`` summed."""
        queries = self._builder()
        frame = self._run(queries.series(dimensions, start, end, days), self._partitions(start, end, days))
        frame = result_frame(frame, [DATE, SET_COLUMN, "value", "rows", *MEASURES], ["value"])
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
        queries = self._builder()
        unknown = (set(scope) | ({by} if by else set())) - set(queries.mapping.dimensions)
        if unknown:
            raise SourceError("dimension", f"not a dimension of the cube: {', '.join(sorted(unknown))}")
        frame = self._run(queries.scoped_daily(scope, start, end, by), self._partitions(start, end))
        keys = [DATE] if by is None else [DATE, "value"]
        return result_frame(frame, [*keys, *MEASURES], keys[1:])

    # -- freshness, from the file list -------------------------------------------------------------------------
    def span(self) -> tuple[dt.date | None, dt.date | None]:
        partitions = self._listed()
        return (partitions[0].date, partitions[-1].date) if partitions else (None, None)

    def date_range(self) -> DateRange:
        partitions = self._listed()
        if not partitions:
            return DateRange(None, None, 0)
        return DateRange(partitions[0].date, partitions[-1].date, sum(p.rows for p in partitions))

    def recent_days(self, days: int) -> list[DayRows]:
        last = self.span()[1]
        if last is None:
            return []
        since = last - dt.timedelta(days=days - 1)
        return [DayRows(p.date, p.rows, p.dau or 0.0) for p in self._listed(since, last)]

    def fingerprint(self) -> str:
        """Changes with every import: each writes new files."""
        listed = repr([p.file for p in self._listed()])
        return hashlib.sha256(listed.encode()).hexdigest()[:16]
