"""The functions APScheduler runs: the daily alert job, the data-freshness re-check and the delivery worker.

Jobs in the database job store are pickled by reference (``scheduler.jobs:daily_alert_job``) with plain
arguments, so they survive restarts; what they work with (engine, channels, clock) is the process's
:class:`AlertHost`, installed by :func:`scheduler.scheduler_app.start_alert_service`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from apscheduler.schedulers.base import BaseScheduler

from scheduler.outbox import DeliveryReport, deliver_due, recover_failed
from scheduler.pipeline import AlertRuntime, RunOutcome, run_daily, run_for_day

logger = logging.getLogger(__name__)

DAILY_JOB_ID = "alerts_daily"
DELIVERY_JOB_ID = "alerts_delivery"
STARTUP_JOB_ID = "alerts_startup"
RECHECK_JOB_PREFIX = "alerts_recheck:"
DB_STORE = "db"
MEMORY_STORE = "default"


@dataclass
class AlertHost:
    runtime: AlertRuntime
    scheduler: BaseScheduler | None = None


_HOST: AlertHost | None = None


def install(host: AlertHost | None) -> None:
    global _HOST
    _HOST = host


def current() -> AlertHost:
    if _HOST is None:
        raise RuntimeError("the alert service is not started in this process")
    return _HOST


def daily_alert_job() -> RunOutcome:
    host = current()
    outcome = run_daily(host.runtime)
    follow_up(host, outcome)
    return outcome


def freshness_recheck_job(day_iso: str) -> RunOutcome:
    host = current()
    outcome = run_for_day(host.runtime, dt.date.fromisoformat(day_iso))
    follow_up(host, outcome)
    return outcome


def delivery_job() -> DeliveryReport:
    """Every ``DELIVERY_POLL_S``: give young failed rows another chance, then send what is due."""
    runtime = current().runtime
    policy = runtime.delivery_policy
    recovered = recover_failed(runtime.engine, runtime.clock(), policy)
    if recovered:
        logger.info("recovery: %d failed deliveries queued again", recovered)
    return deliver_due(
        runtime.engine, runtime.channels, clock=runtime.clock, worker=runtime.worker, policy=policy
    )


def follow_up(host: AlertHost, outcome: RunOutcome) -> None:
    """Data not there yet: schedule the re-check (in the database store: a restart keeps it)."""
    if outcome.recheck_at is None or host.scheduler is None:
        return
    schedule_recheck(host.scheduler, outcome.day, outcome.recheck_at)


def schedule_recheck(scheduler: BaseScheduler, day: dt.date, at: dt.datetime) -> None:
    scheduler.add_job(
        "scheduler.jobs:freshness_recheck_job",
        trigger="date",
        run_date=at,
        args=[day.isoformat()],
        id=RECHECK_JOB_PREFIX + day.isoformat(),
        jobstore=DB_STORE,
        replace_existing=True,
    )
