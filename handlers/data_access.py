"""Frames for the handlers, loaded through storage and kept until the data changes.

The scan and /mo-why read the cube through :meth:`DataAccess.reader` (grouped series and a few days'
leaves, aggregated by the source); the planners and retros take a window of leaf rows with
:meth:`DataAccess.cube`. Both are kept until the data changes: an import (the newest ``import_run`` id)
or, for a warehouse source, a change of its fingerprint (a new or restated day; the source reads it at
most once per ``METRICS_REFRESH_S``). The cube comes from the configured source (:mod:`storage.sources`);
a warehouse is read for the last ``METRICS_HISTORY_DAYS`` days.
Values computed from them (a day's anomaly scan, the latest day) are kept the same way with
:meth:`DataAccess.derived`, so that asking twice about unchanged data computes once.

A request works on a :meth:`DataAccess.snapshot`: the data version is read once when the request starts, so
all its frames come from one version even if an import lands meanwhile, at the cost of one version query
instead of one per frame.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.cube_reader import CubeReader
from storage.catalog_repo import load_table
from storage.sources import CubeSource, EmbeddedSource, SourceError
from storage.sources.reader import SourceReader
from storage.sources.series_cache import SeriesCache
from storage.sources.warehouse import WarehouseSource
from storage.tables import ImportRun

logger = logging.getLogger(__name__)

T = TypeVar("T")
KEPT_WINDOWS = 2  # cube windows kept per data version (/goal's and /mo-retro's)
MAX_DERIVED = 64  # values kept per data version (oldest dropped first)
Version = tuple[int, int]  # (newest import, generation of the source's data); both only grow


@dataclass
class DataAccess:
    engine: Engine
    source: CubeSource | None = None  # None: the embedded store on ``engine``
    history_days: int | None = None  # how far back a warehouse is read (None: everything)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _windows: dict[tuple[object, ...], pd.DataFrame] = field(default_factory=dict)
    _derived: dict[Hashable, Any] = field(default_factory=dict)
    _version: Version | None = None
    _source_fingerprint: str | None = None
    _source_generation: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.source is None:
            self.source = EmbeddedSource(self.engine)

    @property
    def cube_source(self) -> CubeSource:
        assert self.source is not None
        return self.source

    @property
    def source_name(self) -> str:
        return self.cube_source.name

    def _current_version(self) -> Version:
        with self.engine.connect() as connection:
            newest = int(connection.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one())
        if isinstance(self.source, EmbeddedSource):
            return newest, 0
        try:
            fingerprint = self.cube_source.fingerprint()
        except SourceError as error:  # keep serving what was read; loading the cube says what is wrong
            logger.warning("cube source unavailable, keeping the data read before: %s", error)
            return newest, self._source_generation
        with self._lock:
            if fingerprint != self._source_fingerprint:
                self._source_fingerprint = fingerprint
                self._source_generation += 1
            return newest, self._source_generation

    def _load_cube(
        self,
        source: CubeSource,
        start: dt.date | None,
        end: dt.date | None,
        dimensions: tuple[str, ...] | None,
    ) -> pd.DataFrame:
        if self.history_days is not None and not isinstance(self.source, EmbeddedSource):
            last = self.cube_source.span()[1]
            earliest = last - dt.timedelta(days=self.history_days - 1) if last else None
            start = earliest if start is None or (earliest and start < earliest) else start
        return source.load_cube(start=start, end=end, dimensions=dimensions)

    def _follow(self, version: Version) -> None:
        """Forget everything loaded from an older version of the data (call with the lock held).

        Only ever moves forward: a request pinned to an older version than the cache already follows is
        served the newer data rather than throwing the cache away and reloading.
        """
        if self._version is None or version > self._version:
            self._frames.clear()
            self._windows.clear()
            self._derived.clear()
            self._version = version

    def snapshot(self) -> DataSnapshot:
        """A view pinned to the data version of this moment (one query), for the length of a request."""
        return DataSnapshot(self, self._current_version())

    def _frame(self, name: str, version: Version | None = None) -> pd.DataFrame:
        version = self._current_version() if version is None else version
        with self._lock:
            self._follow(version)
            if name not in self._frames:
                self._frames[name] = load_table(self.engine, name)
            return self._frames[name]

    def _cube(
        self,
        start: dt.date | None,
        end: dt.date | None,
        dimensions: Sequence[str] | None,
        version: Version | None,
    ) -> pd.DataFrame:
        """Leaf rows of a window, the last ``KEPT_WINDOWS`` windows kept (a big cube's window is large)."""
        dimensions = None if dimensions is None else tuple(dimensions)
        version = self._current_version() if version is None else version
        source = self._source_at(version)  # takes the lock itself
        with self._lock:
            self._follow(version)
            key = (start, end, dimensions)
            if key not in self._windows:
                while len(self._windows) >= KEPT_WINDOWS:
                    self._windows.pop(next(iter(self._windows)))
                self._windows[key] = self._load_cube(source, start, end, dimensions)
            self._windows[key] = self._windows.pop(key)  # most recently used last
            return self._windows[key]

    def derived(self, key: Hashable, compute: Callable[[], T], *, version: Version | None = None) -> T:
        """``compute()``, kept under ``key`` until the data changes. The value is shared: do not mutate it.

        It is computed outside the lock (a scan takes a second; other requests go on meanwhile), so two
        simultaneous first requests may both compute it; a value computed while an import landed is
        returned but not kept.
        """
        version = self._current_version() if version is None else version
        with self._lock:
            self._follow(version)
            if key in self._derived:
                return self._derived[key]
        value = compute()
        with self._lock:
            if self._version == version:
                if len(self._derived) >= MAX_DERIVED:
                    del self._derived[next(iter(self._derived))]
                self._derived[key] = value
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._frames.clear()
            self._windows.clear()
            self._derived.clear()
            self._version = None

    def cube(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The cube's leaf rows from ``start`` to ``end`` (default: all the history read), summed down to
        ``dimensions`` when given."""
        return self._cube(start, end, dimensions, None)

    def reader(self, version: Version | None = None) -> CubeReader:
        """What the scan reads: a warehouse answers grouped series and a few days' leaves itself; the
        embedded cube, already held in memory for the other commands, is read from that frame."""
        version = self._current_version() if version is None else version
        cache = SeriesCache(self.engine, self.source) if isinstance(self.source, WarehouseSource) else None
        return self.derived(
            "reader",
            lambda: SourceReader(self._source_at(version), history_days=self.history_days, cache=cache),
            version=version,
        )

    def _source_at(self, version: Version) -> CubeSource:
        """The source as of ``version``: the embedded store pinned to its file list of that moment (one
        request, one import: an import landing meanwhile is seen by the next version); a warehouse as is."""
        if isinstance(self.source, EmbeddedSource):
            return self.derived("pinned", self.source.pin, version=version)
        return self.cube_source

    def segments(self) -> pd.DataFrame:
        return self._frame("segments")

    def campaigns(self) -> pd.DataFrame:
        return self._frame("campaigns")

    def resources(self) -> pd.DataFrame:
        return self._frame("resources")

    def last_day(self) -> dt.date | None:
        """The latest day with data, without loading the cube: one query, kept until the data changes."""
        return self.derived("last_day", lambda: self.cube_source.span()[1])


@dataclass
class DataSnapshot:
    """The shared cache of a :class:`DataAccess`, read at one data version (same methods)."""

    shared: DataAccess
    version: Version

    @property
    def engine(self) -> Engine:
        return self.shared.engine

    def cube(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        return self.shared._cube(start, end, dimensions, self.version)

    def reader(self) -> CubeReader:
        return self.shared.reader(self.version)

    @property
    def source_name(self) -> str:
        return self.shared.source_name

    def segments(self) -> pd.DataFrame:
        return self.shared._frame("segments", self.version)

    def campaigns(self) -> pd.DataFrame:
        return self.shared._frame("campaigns", self.version)

    def resources(self) -> pd.DataFrame:
        return self.shared._frame("resources", self.version)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.shared.derived(key, compute, version=self.version)

    def last_day(self) -> dt.date | None:
        return self.derived("last_day", lambda: self.shared.cube_source.span()[1])

    def invalidate(self) -> None:
        """After the request's own write: forget the cache and read the version again."""
        self.shared.invalidate()
        self.version = self.shared._current_version()


Data = DataAccess | DataSnapshot  # what handlers read from: the shared cache or a request's snapshot
