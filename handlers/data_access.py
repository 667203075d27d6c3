"""Frames for the handlers, loaded through storage and kept until the data changes.

The cube of a typical team is a few hundred thousand rows: loading it per request would cost a second, so
the frames are cached and reloaded only when an import has happened since (the newest ``import_run`` id).
Values computed from them (a day's anomaly scan, the latest day) are kept the same way with
:meth:`DataAccess.derived`, so that asking twice about unchanged data computes once.

A request works on a :meth:`DataAccess.snapshot`: the data version is read once when the request starts, so
all its frames come from one version even if an import lands meanwhile, at the cost of one version query
instead of one per frame.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from storage.catalog_repo import load_table
from storage.metrics_repo import date_range, load_cube
from storage.tables import ImportRun

T = TypeVar("T")
MAX_DERIVED = 64  # values kept per data version (oldest dropped first)


@dataclass
class DataAccess:
    engine: Engine
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _derived: dict[Hashable, Any] = field(default_factory=dict)
    _version: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _current_version(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one())

    def _follow(self, version: int) -> None:
        """Forget everything loaded from an older version of the data (call with the lock held).

        Only ever moves forward: a request pinned to an older version than the cache already follows is
        served the newer data rather than throwing the cache away and reloading.
        """
        if self._version is None or version > self._version:
            self._frames.clear()
            self._derived.clear()
            self._version = version

    def snapshot(self) -> DataSnapshot:
        """A view pinned to the data version of this moment (one query), for the length of a request."""
        return DataSnapshot(self, self._current_version())

    def _frame(self, name: str, version: int | None = None) -> pd.DataFrame:
        version = self._current_version() if version is None else version
        with self._lock:
            self._follow(version)
            if name not in self._frames:
                self._frames[name] = (
                    load_cube(self.engine) if name == "cube" else load_table(self.engine, name)
                )
            return self._frames[name]

    def derived(self, key: Hashable, compute: Callable[[], T], *, version: int | None = None) -> T:
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
            self._derived.clear()
            self._version = None

    def cube(self) -> pd.DataFrame:
        return self._frame("cube")

    def segments(self) -> pd.DataFrame:
        return self._frame("segments")

    def campaigns(self) -> pd.DataFrame:
        return self._frame("campaigns")

    def resources(self) -> pd.DataFrame:
        return self._frame("resources")

    def last_day(self) -> dt.date | None:
        """The latest day with data, without loading the cube: one query, kept until the data changes."""
        return self.derived("last_day", lambda: date_range(self.engine)[1])


@dataclass
class DataSnapshot:
    """The shared cache of a :class:`DataAccess`, read at one data version (same methods)."""

    shared: DataAccess
    version: int

    @property
    def engine(self) -> Engine:
        return self.shared.engine

    def cube(self) -> pd.DataFrame:
        return self.shared._frame("cube", self.version)

    def segments(self) -> pd.DataFrame:
        return self.shared._frame("segments", self.version)

    def campaigns(self) -> pd.DataFrame:
        return self.shared._frame("campaigns", self.version)

    def resources(self) -> pd.DataFrame:
        return self.shared._frame("resources", self.version)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.shared.derived(key, compute, version=self.version)

    def last_day(self) -> dt.date | None:
        return self.derived("last_day", lambda: date_range(self.engine)[1])

    def invalidate(self) -> None:
        """After the request's own write: forget the cache and read the version again."""
        self.shared.invalidate()
        self.version = self.shared._current_version()


Data = DataAccess | DataSnapshot  # what handlers read from: the shared cache or a request's snapshot
