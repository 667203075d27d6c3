"""What ``GET /healthz`` reports: the database answers, which data is loaded and whether its latest day is
complete (from the cube's source: the embedded store or the warehouse), and alert delivery health (failed
outbox rows and the last failure; neither a late day nor failed deliveries make the check fail — the
service itself is up)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from core.freshness import TRAILING_DAYS, Freshness, assess_freshness
from handlers.digest_health import DigestHealth, digest_health
from storage.migrate import current_revision
from storage.sources import CubeSource, EmbeddedSource, SourceError

logger = logging.getLogger(__name__)


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
    source: str = "embedded"
    latest_day_complete: Freshness | None = None
    source_error: str | None = None
    deliveries_failed: int = 0
    deliveries_pending: int = 0
    last_delivery_failure: DeliveryFailure | None = None
    digest: DigestHealth | None = None  # the last due digest, and why it is missing if it is
    chart_font: dict[str, object] | None = None  # the charts' CJK font, or why there is none (bot/render)
    connections: dict[str, str] | None = None  # DingTalk Stream / WeCom AI bot: connected, standing by, …
    error: str | None = None


@dataclass(frozen=True)
class DigestSchedule:
    cron: str
    timezone: str


def health_report(
    engine: Engine,
    source: CubeSource | None = None,
    *,
    schedule: DigestSchedule | None = None,
    now: dt.datetime | None = None,
) -> HealthReport:
    report = _health(engine, source)
    if schedule is not None and report.schema_revision is not None:
        try:
            report.digest = digest_health(
                engine, cron=schedule.cron, timezone=schedule.timezone, now=now or dt.datetime.now(dt.UTC)
            )
        except Exception as exc:  # report, never raise: an older schema has no digest_run table
            logger.warning("digest health unavailable: %s", type(exc).__name__)
    return report


def _health(engine: Engine, source: CubeSource | None) -> HealthReport:
    source = source or EmbeddedSource(engine)
    try:
        revision = current_revision(engine)
    except Exception as exc:  # the point of a health check is to report, not raise
        return HealthReport(ok=False, database=engine.dialect.name, error=type(exc).__name__)
    report = HealthReport(ok=True, database=engine.dialect.name, schema_revision=revision, source=source.name)
    try:
        span = source.date_range()
        recent = source.recent_days(TRAILING_DAYS + 1)
    except SourceError as exc:  # the warehouse is down: the service is up, and says what is wrong
        report.source_error = str(exc)
    except Exception as exc:
        return HealthReport(ok=False, database=engine.dialect.name, error=type(exc).__name__)
    else:
        report.first_day, report.last_day, report.fact_rows = span.first, span.last, span.rows
        if span.last is not None:
            report.latest_day_complete = assess_freshness(span.last, [(d.date, d.rows) for d in recent])
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
