"""The metric cube in the database: bulk upsert of facts and loading the cube back as a frame.

Bulk load goes around the ORM on purpose: PostgreSQL gets ``COPY`` into a temporary table followed by one
``INSERT … ON CONFLICT DO UPDATE``; SQLite gets one ``executemany`` of an upsert. Both keep re-imports
idempotent (the same (series, date) updates, never duplicates) and run in one transaction, so a failure
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import String, func, select, text, type_coerce
from sqlalchemy.engine import Connection, Engine

from core.cube import DATE, MEASURES
from storage.db import as_date, is_sqlite
from storage.tables import CubeDimension, MetricFact, MetricSeries

KEY_SEPARATOR = "\x1f"


class DimensionMismatch(ValueError):
    """The file's dimensions differ from the stored cube's; importing would mix two cubes."""


def series_key(dimensions: Sequence[str], values: Sequence[str]) -> str:
    return KEY_SEPARATOR.join(f"{d}={v}" for d, v in zip(dimensions, values, strict=True))


def stored_dimensions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(select(CubeDimension.name).order_by(CubeDimension.position)).all()
    return [r[0] for r in rows]


def upsert_metrics(
    engine: Engine, frame: pd.DataFrame, dimensions: Sequence[str], *, replace: bool = False
) -> int:
    """Write validated cube rows; returns the number of fact rows written.

    ``replace`` drops the stored cube first (needed when the dimension set changes).
    """
    dimensions = list(dimensions)
    with engine.begin() as connection:
        if replace:
            _clear_cube(connection)
        _ensure_dimensions(connection, dimensions)
        series_ids = _ensure_series(connection, frame, dimensions)
        facts = pd.DataFrame(
            {
                "series_id": series_ids,
                "date": pd.to_datetime(frame[DATE]).dt.date,
                **{m: frame[m].astype(float).to_numpy() for m in MEASURES},
            }
        )
        if is_sqlite(engine):
            _upsert_sqlite(connection, facts)
        else:
            _upsert_postgres(connection, facts)
    return len(facts)


def load_cube(engine: Engine, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """The cube as a long frame: ``date``, the dimension columns (file order), the measures.

    Dates are fetched without SQLAlchemy's per-row date processing (pandas parses the whole column at once),
    and dimension values are joined by series id: a 200k-row cube loads in a fraction of a second.
    """
    dimensions = stored_dimensions(engine)
    query = select(
        MetricFact.series_id,
        type_coerce(MetricFact.date, String),
        *[getattr(MetricFact, m) for m in MEASURES],
    ).order_by(MetricFact.date, MetricFact.series_id)
    if start is not None:
        query = query.where(MetricFact.date >= start)
    if end is not None:
        query = query.where(MetricFact.date <= end)
    columns = ["series_id", DATE, *MEASURES]
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        # column-wise: building a frame from 200k Row objects one by one costs seconds
        values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
        facts = pd.DataFrame({name: np.asarray(column) for name, column in zip(columns, values, strict=True)})
        series = connection.execute(select(MetricSeries.id, MetricSeries.dims)).all()
    dims = pd.DataFrame(
        [d if isinstance(d, dict) else json.loads(d) for _, d in series],
        index=[sid for sid, _ in series],
        columns=dimensions,
    )
    cube = pd.DataFrame({DATE: pd.to_datetime(facts[DATE].astype(str).str.slice(0, 10), format="%Y-%m-%d")})
    rows_of_series = dims.index.get_indexer(facts["series_id"])
    for dimension in dimensions:
        cube[dimension] = dims[dimension].to_numpy(dtype=object)[rows_of_series]
    for measure in MEASURES:
        cube[measure] = facts[measure].astype(float)
    return cube


def date_range(engine: Engine) -> tuple[dt.date | None, dt.date | None, int]:
    """First day, last day and number of fact rows stored."""
    with engine.connect() as connection:
        first, last, count = connection.execute(
            select(func.min(MetricFact.date), func.max(MetricFact.date), func.count())
        ).one()
    return as_date(first), as_date(last), int(count)


def _clear_cube(connection: Connection) -> None:
    for table in ("metric_fact", "metric_series", "cube_dimension"):
        connection.execute(text(f"DELETE FROM {table}"))


def _ensure_dimensions(connection: Connection, dimensions: list[str]) -> None:
    """Record the cube's dimensions on first import; refuse a file whose dimensions differ afterwards."""
    stored = [r[0] for r in connection.execute(select(CubeDimension.name).order_by(CubeDimension.position))]
    has_cube = connection.execute(select(MetricSeries.id).limit(1)).first() is not None
    if not has_cube and not stored:
        if dimensions:
            connection.execute(
                CubeDimension.__table__.insert(),  # type: ignore[attr-defined]
                [{"position": i, "name": name} for i, name in enumerate(dimensions)],
            )
    elif stored != dimensions:
        raise DimensionMismatch(
            f"the stored cube has dimensions {stored or '(none: totals only)'}, the file has "
            f"{dimensions or '(none: totals only)'}; import with --replace to replace the whole cube"
        )


def _ensure_series(connection: Connection, frame: pd.DataFrame, dimensions: list[str]) -> np.ndarray:
    """Map every row to its series id, creating the series that are new. Returns one id per row."""
    if dimensions:
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame[dimensions].astype(str)))
        combos = [tuple(u) for u in uniques]
    else:
        codes, combos = np.zeros(len(frame), dtype=np.int64), [()]
    keys = [series_key(dimensions, combo) for combo in combos]
    existing = dict(connection.execute(select(MetricSeries.key, MetricSeries.id)).all())
    new = [
        {"key": key, "dims": dict(zip(dimensions, combo, strict=True))}
        for key, combo in zip(keys, combos, strict=True)
        if key not in existing
    ]
    if new:
        connection.execute(MetricSeries.__table__.insert(), new)  # type: ignore[attr-defined]
        existing = dict(connection.execute(select(MetricSeries.key, MetricSeries.id)).all())
    ids = np.array([existing[key] for key in keys], dtype=np.int64)
    return ids[codes]


_COLUMNS = ("series_id", "date", *MEASURES)
COPY_BLOCK_ROWS = 100_000
_UPDATE = ", ".join(f"{m} = excluded.{m}" for m in MEASURES)


def _upsert_sqlite(connection: Connection, facts: pd.DataFrame) -> None:
    placeholders = ", ".join("?" for _ in _COLUMNS)
    statement = (
        f"INSERT INTO metric_fact ({', '.join(_COLUMNS)}) VALUES ({placeholders}) "
        f"ON CONFLICT (series_id, date) DO UPDATE SET {_UPDATE}"
    )
    rows = zip(
        facts["series_id"].tolist(),
        [d.isoformat() for d in facts["date"]],
        *(facts[m].tolist() for m in MEASURES),
        strict=True,
    )
    connection.connection.driver_connection.executemany(statement, rows)  # type: ignore[union-attr]


def _upsert_postgres(connection: Connection, facts: pd.DataFrame) -> None:
    """COPY the rows (as one tab-separated text stream, written in blocks) into a temporary table, then
    upsert them in one statement."""
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(
            "CREATE TEMP TABLE metric_fact_load (LIKE metric_fact INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY metric_fact_load ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(facts), COPY_BLOCK_ROWS):
                block = facts.iloc[start : start + COPY_BLOCK_ROWS]
                copy.write(block.to_csv(sep="\t", header=False, index=False, float_format="%.17g"))
        cursor.execute(
            f"INSERT INTO metric_fact ({', '.join(_COLUMNS)}) "
            f"SELECT {', '.join(_COLUMNS)} FROM metric_fact_load "
            f"ON CONFLICT (series_id, date) DO UPDATE SET {_UPDATE}"
        )
        cursor.execute("DROP TABLE metric_fact_load")


def recent_day_rows(engine: Engine, days: int) -> list[tuple[dt.date, int, float]]:
    """(date, rows, DAU) of the last ``days`` days with data, oldest first."""
    last = date_range(engine)[1]
    if last is None:
        return []
    since = last - dt.timedelta(days=days - 1)
    query = (
        select(MetricFact.date, func.count(), func.sum(MetricFact.dau))
        .where(MetricFact.date >= since)
        .group_by(MetricFact.date)
        .order_by(MetricFact.date)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(as_date(d), int(n), float(dau or 0.0)) for d, n, dau in rows]  # type: ignore[misc]
