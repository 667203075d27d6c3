"""Frames for the handlers, loaded through storage and kept until the data changes.

The cube of a typical team is a few hundred thousand rows: loading it per request would cost a second, so
the frames are cached and reloaded only when an import has happened since (the newest ``import_run`` id).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from storage.catalog_repo import load_table
from storage.metrics_repo import load_cube
from storage.tables import ImportRun


@dataclass
class DataAccess:
    engine: Engine
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _version: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _current_version(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one())

    def _frame(self, name: str) -> pd.DataFrame:
        version = self._current_version()
        with self._lock:
            if version != self._version:
                self._frames.clear()
                self._version = version
            if name not in self._frames:
                self._frames[name] = (
                    load_cube(self.engine) if name == "cube" else load_table(self.engine, name)
                )
            return self._frames[name]

    def invalidate(self) -> None:
        with self._lock:
            self._frames.clear()
            self._version = None

    def cube(self) -> pd.DataFrame:
        return self._frame("cube")

    def segments(self) -> pd.DataFrame:
        return self._frame("segments")

    def campaigns(self) -> pd.DataFrame:
        return self._frame("campaigns")

    def resources(self) -> pd.DataFrame:
        return self._frame("resources")
