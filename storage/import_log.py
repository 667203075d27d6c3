"""A log of successful imports (CSV files and demo data)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.tables import ImportRun


def record_import(engine: Engine, *, kind: str, source: str, rows: int, encoding: str | None = None) -> None:
    with session_scope(engine) as session:
        session.add(ImportRun(kind=kind, source=source, rows=rows, encoding=encoding))


def recent_imports(engine: Engine, limit: int = 10) -> list[ImportRun]:
    with session_scope(engine) as session:
        return list(session.exec(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).scalars())  # type: ignore[union-attr]
