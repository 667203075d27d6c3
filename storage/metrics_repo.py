"""The metric cube in the embedded store: import writes, and reading it back as a frame.

The cube lives in date-partitioned Parquet files listed in the database (:mod:`storage.cube_files`) and is
read with DuckDB (:class:`storage.sources.embedded.EmbeddedSource`); these functions are the
engine-level entry points the import, the demo set-up and the tests use.

Before version 0006 the cube was stored in the database itself (``metric_series`` + ``metric_fact``):
:func:`adopt_legacy_cube` moves such a cube into files once, on upgrade.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from core.cube import DATE, MEASURES
from storage.cube_files import CubeFiles, DimensionMismatch
from storage.sources.embedded import EmbeddedSource
from storage.tables import CubeDimension, MetricFact, MetricSeries

__all__ = [
    "DimensionMismatch",
    "adopt_legacy_cube",
    "date_range",
    "load_cube",
    "stored_dimensions",
    "upsert_metrics",
]


def stored_dimensions(engine: Engine) -> list[str]:
    return CubeFiles(engine).dimensions()


def upsert_metrics(
    engine: Engine, frame: pd.DataFrame, dimensions: Sequence[str], *, replace: bool = False
) -> int:
    """Write validated cube rows; returns the number of rows written. The same (day, combination) again
    replaces the stored row; ``replace`` drops the stored cube first (needed when the dimensions change)."""
    return CubeFiles(engine).write(frame, dimensions, replace=replace)


def load_cube(engine: Engine, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """The cube's leaf rows of the window as a long frame: ``date``, the dimension columns, the measures."""
    return EmbeddedSource(engine).load_cube(start, end)


def date_range(engine: Engine) -> tuple[dt.date | None, dt.date | None, int]:
    """First day, last day and number of rows stored (from the file list: no file is read)."""
    stored = EmbeddedSource(engine).date_range()
    return stored.first, stored.last, stored.rows


def adopt_legacy_cube(engine: Engine) -> int:
    """Move a cube stored in ``metric_fact`` (before 0006) into the cube files; returns the rows moved."""
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(MetricFact)).scalar_one() == 0:
            return 0
        dimensions = [
            r[0] for r in connection.execute(select(CubeDimension.name).order_by(CubeDimension.position))
        ]
        series = {
            sid: d if isinstance(d, dict) else json.loads(d)
            for sid, d in connection.execute(select(MetricSeries.id, MetricSeries.dims))
        }
        facts = pd.DataFrame(
            connection.execute(
                select(MetricFact.series_id, MetricFact.date, *[getattr(MetricFact, m) for m in MEASURES])
            ).all(),
            columns=["series_id", DATE, *MEASURES],
        )
    cube = pd.DataFrame({DATE: pd.to_datetime(facts[DATE].astype(str).str.slice(0, 10))})
    for dimension in dimensions:
        cube[dimension] = [series[sid][dimension] for sid in facts["series_id"]]
    for measure in MEASURES:
        cube[measure] = facts[measure].astype(float)
    rows = CubeFiles(engine).write(cube, dimensions, replace=True)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM metric_fact"))
        connection.execute(text("DELETE FROM metric_series"))
    return rows
