"""The small reference tables: user segments, campaign history (the experience library), resource capacity.

Each is upserted by its natural key, so re-importing the same rows updates them and never duplicates.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy import Date, DateTime, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine

from storage.tables import Campaign, ResourceCapacity, Segment, utcnow

_TABLES: dict[str, tuple[Table, str]] = {
    "segments": (Segment.__table__, "segment"),  # type: ignore[attr-defined]
    "campaigns": (Campaign.__table__, "campaign_id"),  # type: ignore[attr-defined]
    "resources": (ResourceCapacity.__table__, "position"),  # type: ignore[attr-defined]
}


def upsert_segments(engine: Engine, frame: pd.DataFrame) -> int:
    return _upsert_frame(engine, "segments", frame)


def upsert_resources(engine: Engine, frame: pd.DataFrame) -> int:
    return _upsert_frame(engine, "resources", frame)


def upsert_campaigns(engine: Engine, frame: pd.DataFrame, tokens: list[list[str]] | None = None) -> int:
    """Upsert campaigns; ``tokens`` (one list per row) are the search tokens kept for the BM25 index."""
    frame = frame.copy()
    frame["updated_at"] = utcnow()
    if tokens is not None:
        frame["tokens"] = pd.Series(tokens, index=frame.index, dtype=object)
    return _upsert_frame(engine, "campaigns", frame)


def load_table(engine: Engine, kind: str) -> pd.DataFrame:
    table, key = _TABLES[kind]
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c[key])).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in table.columns])


def count_rows(engine: Engine, kind: str) -> int:
    table, _ = _TABLES[kind]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _upsert_frame(engine: Engine, kind: str, frame: pd.DataFrame) -> int:
    table, key = _TABLES[kind]
    columns = [c for c in table.columns if c.name in frame.columns]
    rows = [{c.name: _plain(record[c.name], c.type) for c in columns} for record in frame.to_dict("records")]
    with engine.begin() as connection:
        _upsert_rows(connection, table, key, rows)
    return len(rows)


def _upsert_rows(connection: Connection, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    insert = sqlite_insert if connection.dialect.name == "sqlite" else pg_insert
    statement = insert(table)
    updates = {c: statement.excluded[c] for c in rows[0] if c != key}
    connection.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates), rows)


def _plain(value: Any, column_type: TypeEngine[Any]) -> Any:
    """pandas/numpy scalars to the plain Python value the column expects; NaN/NaT to None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if (
        isinstance(value, dt.datetime)
        and isinstance(column_type, Date)
        and not isinstance(column_type, DateTime)
    ):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        return value.item()
    return value
