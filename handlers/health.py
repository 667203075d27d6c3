"""What ``GET /healthz`` reports: the database answers and which data is loaded."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from storage.metrics_repo import date_range
from storage.migrate import current_revision


class HealthReport(BaseModel):
    ok: bool
    database: str
    schema_revision: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    fact_rows: int = 0
    error: str | None = None


def health_report(engine: Engine) -> HealthReport:
    try:
        first, last, rows = date_range(engine)
        revision = current_revision(engine)
    except Exception as exc:  # the point of a health check is to report, not raise
        return HealthReport(ok=False, database=engine.dialect.name, error=type(exc).__name__)
    return HealthReport(
        ok=True,
        database=engine.dialect.name,
        schema_revision=revision,
        first_day=first,
        last_day=last,
        fact_rows=rows,
    )
