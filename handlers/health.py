"""What ``GET /healthz`` reports: the database answers, which data is loaded, and alert delivery health
(failed outbox rows and the last failure; they do not make the check fail — the service itself is up)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from storage.metrics_repo import date_range
from storage.migrate import current_revision


class DeliveryFailure(BaseModel):
    at: dt.datetime | None = None
    digest: str | None = None
    channel: str | None = None
    error: str | None = None


class HealthReport(BaseModel):
    ok: bool
    database: str
    schema_revision: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    fact_rows: int = 0
    deliveries_failed: int = 0
    deliveries_pending: int = 0
    last_delivery_failure: DeliveryFailure | None = None
    error: str | None = None


def health_report(engine: Engine) -> HealthReport:
    try:
        first, last, rows = date_range(engine)
        revision = current_revision(engine)
    except Exception as exc:  # the point of a health check is to report, not raise
        return HealthReport(ok=False, database=engine.dialect.name, error=type(exc).__name__)
    report = HealthReport(
        ok=True,
        database=engine.dialect.name,
        schema_revision=revision,
        first_day=first,
        last_day=last,
        fact_rows=rows,
    )
    return _with_deliveries(report, engine)


def _with_deliveries(report: HealthReport, engine: Engine) -> HealthReport:
    from storage.outbox_repo import failure_summary

    try:
        summary = failure_summary(engine)
    except Exception:  # schema older than the outbox: nothing to report
        return report
    report.deliveries_failed = summary.failed
    report.deliveries_pending = summary.pending
    if summary.last_failure_at is not None:
        report.last_delivery_failure = DeliveryFailure(
            at=summary.last_failure_at,
            digest=summary.last_failure_digest,
            channel=summary.last_failure_channel,
            error=summary.last_failure_error,
        )
    return report
