"""APScheduler 3 inside ``memberops serve``: the daily alert job in our database, the delivery worker.

* ``alerts_daily`` — ``ALERT_CRON`` in ``TIMEZONE``, kept in a ``SQLAlchemyJobStore`` on our database
  (table ``apscheduler_jobs``, created by migration 0004) so that its next run time survives restarts.
  ``coalesce=True`` and ``misfire_grace_time=ALERT_MISFIRE_GRACE_S``: runs missed while the service was
  down are run **once** at start-up if the latest is within the grace time. At start-up the stored job is
  kept as it is when its trigger did not change — replacing it would move its next run time past the
  missed run and silently drop it.
* ``alerts_recheck:<day>`` — one-off re-checks while data is late (database store too).
* ``alerts_delivery`` — every ``DELIVERY_POLL_S`` in memory: recovery of failed rows, then due rows.
* ``alerts_startup`` — when the console is a channel (no messenger configured) and yesterday's digest has
  not been queued for it yet, the daily job runs once right away, so ``make run`` shows the digest.

Several replicas may share the job store; APScheduler 3 does not coordinate them, so each may fire the
same job — the pipeline's lease and unique rows make that harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from scheduler.jobs import (
    DAILY_JOB_ID,
    DB_STORE,
    DELIVERY_JOB_ID,
    MEMORY_STORE,
    STARTUP_JOB_ID,
    AlertHost,
    install,
)
from scheduler.pipeline import AlertRuntime, digest_key, runtime_from_context
from scheduler.settings import SchedulerSettings
from storage.outbox_repo import queued_channels

if TYPE_CHECKING:
    from bot.context import AppContext

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"


def build_scheduler(engine: Engine, timezone: ZoneInfo, settings: SchedulerSettings) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={
            MEMORY_STORE: MemoryJobStore(),
            DB_STORE: SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE),
        },
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.alert_misfire_grace_s,
        },
        timezone=timezone,
    )


def ensure_daily_job(
    scheduler: BackgroundScheduler, cron: str, timezone: ZoneInfo, misfire_grace_s: int
) -> Job:
    """Add the daily job, or keep the stored one (and its pending missed run) when nothing changed."""
    trigger = CronTrigger.from_crontab(cron, timezone=timezone)
    job = scheduler.get_job(DAILY_JOB_ID, jobstore=DB_STORE)
    if job is None:
        return scheduler.add_job(
            "scheduler.jobs:daily_alert_job",
            trigger=trigger,
            id=DAILY_JOB_ID,
            jobstore=DB_STORE,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=misfire_grace_s,
        )
    if job.misfire_grace_time != misfire_grace_s or not job.coalesce:
        job = scheduler.modify_job(DAILY_JOB_ID, DB_STORE, misfire_grace_time=misfire_grace_s, coalesce=True)
    if str(job.trigger) != str(trigger):
        logger.info("ALERT_CRON changed: %s -> %s", job.trigger, trigger)
        job = scheduler.reschedule_job(DAILY_JOB_ID, DB_STORE, trigger=trigger)
    return job


@dataclass
class AlertService:
    scheduler: BackgroundScheduler
    runtime: AlertRuntime

    def shutdown(self, *, wait: bool = False) -> None:
        """Stop the scheduler; ``wait`` lets a running job finish first (its delivery recorded)."""
        self.scheduler.shutdown(wait=wait)
        install(None)


def needs_startup_run(runtime: AlertRuntime) -> bool:
    """The console is a channel and yesterday's digest has not been queued for it."""
    if "console" not in runtime.channels:
        return False
    return "console" not in queued_channels(runtime.engine, digest_key(runtime.yesterday()))


def start_alert_service(
    context: AppContext | None,
    *,
    runtime: AlertRuntime | None = None,
    stream: TextIO | None = None,
    cron: str | None = None,
    startup_run: bool = True,
) -> AlertService:
    """Start the scheduler (background threads) with the alert jobs; the caller shuts it down."""
    from scheduler.feedback import register_lifecycle_hooks

    if runtime is None:
        if context is None:
            raise ValueError("start_alert_service needs an AppContext or a runtime")
        runtime = runtime_from_context(context, stream=stream)
    cron = cron or (context.settings.alert_cron if context is not None else "0 9 * * *")
    register_lifecycle_hooks(runtime.lifecycle_policy)
    scheduler = build_scheduler(runtime.engine, runtime.timezone, runtime.settings)
    scheduler.start(paused=True)
    install(AlertHost(runtime, scheduler))
    job = ensure_daily_job(scheduler, cron, runtime.timezone, runtime.settings.alert_misfire_grace_s)
    scheduler.add_job(
        "scheduler.jobs:delivery_job",
        trigger="interval",
        seconds=runtime.settings.delivery_poll_s,
        id=DELIVERY_JOB_ID,
        jobstore=MEMORY_STORE,
        replace_existing=True,
    )
    if startup_run and needs_startup_run(runtime):
        scheduler.add_job(
            "scheduler.jobs:daily_alert_job",
            id=STARTUP_JOB_ID,
            jobstore=MEMORY_STORE,
            replace_existing=True,
        )
    scheduler.resume()
    logger.info("daily alerts: next run %s to %s", job.next_run_time, ", ".join(runtime.channels))
    return AlertService(scheduler, runtime)
