"""APScheduler wiring: the daily job lives in our database, keeps a missed run across a restart (run once at
start-up), follows an ALERT_CRON change, and with no messenger the console prints yesterday's digest at
start-up — once."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from scheduler.channels import ConsoleChannel
from scheduler.jobs import DAILY_JOB_ID, DB_STORE, RECHECK_JOB_PREFIX, AlertHost, follow_up
from scheduler.pipeline import RunOutcome
from scheduler.scheduler_app import ensure_daily_job, start_alert_service
from storage.outbox_repo import deliveries_of
from tests.test_scheduler_support import TZ, FakeClock, ScriptedScans, local, make_alert, make_runtime

DAY = dt.date(2026, 3, 2)
MORNING = local(DAY + dt.timedelta(days=1), 9)
WAIT_S = 20.0


class StoreEditor(BackgroundScheduler):
    """A scheduler that only edits the job store: it never runs jobs (not even while shutting down)."""

    def _process_jobs(self) -> None:  # type: ignore[override]
        return None


def store_editor(engine: Engine) -> StoreEditor:
    editor = StoreEditor(jobstores={DB_STORE: SQLAlchemyJobStore(engine=engine)}, timezone=TZ)
    editor.start(paused=True)
    return editor


class SignallingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def write(self, text: str) -> int:
        count = super().write(text)
        self.written.set()
        return count


class SignallingClock(FakeClock):
    def __init__(self, start: dt.datetime) -> None:
        super().__init__(start)
        self.called = threading.Event()

    def __call__(self) -> dt.datetime:
        self.called.set()
        return self.now


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    return sqlite_engine  # conftest's migrated SQLite app database


def console_runtime(engine: Engine, stream: io.StringIO, clock: FakeClock):  # type: ignore[no-untyped-def]
    scans = ScriptedScans(alerts={DAY: [make_alert(DAY, z=-3.0)]}, days_with_data={DAY})
    return make_runtime(engine, {"console": ConsoleChannel(stream)}, clock, scans), scans


def test_stored_job_keeps_a_missed_run_and_follows_a_cron_change(engine: Engine) -> None:
    first = store_editor(engine)
    job = ensure_daily_job(first, "0 9 * * *", TZ, 3600)
    assert (job.coalesce, job.misfire_grace_time, str(job.trigger)) == (
        True,
        3600,
        "cron[month='*', day='*', day_of_week='*', hour='9', minute='0']",
    )
    missed = dt.datetime.now(TZ).replace(microsecond=0) - dt.timedelta(minutes=20)
    first.modify_job(DAILY_JOB_ID, jobstore=DB_STORE, next_run_time=missed)
    first.shutdown(wait=False)

    restarted = store_editor(engine)
    kept = ensure_daily_job(restarted, "0 9 * * *", TZ, 3600)
    assert kept.next_run_time == missed  # not replaced: the missed run still fires once at start-up
    changed = ensure_daily_job(restarted, "30 8 * * 1-5", TZ, 7200)
    assert changed.misfire_grace_time == 7200
    assert changed.next_run_time > missed and (changed.next_run_time.hour, changed.next_run_time.minute) == (
        8,
        30,
    )
    restarted.shutdown(wait=False)


def test_console_prints_yesterdays_digest_at_startup_once(engine: Engine) -> None:
    stream = SignallingStream()
    clock = SignallingClock(MORNING)
    runtime, scans = console_runtime(engine, stream, clock)
    service = start_alert_service(None, runtime=runtime, cron="0 9 * * *")
    try:
        assert stream.written.wait(WAIT_S), "the start-up run did not print"
    finally:
        service.shutdown(wait=True)  # the printing job records its delivery before we read it
    text = stream.getvalue()
    assert "[严重] Digest 2026-03-02" in text
    assert "severe arpu total -30.0%" in text
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.channel, row.status) == ("console", "sent")

    # restart with the daily job overdue (the service was down at 09:00): it runs once, prints nothing new
    paused = store_editor(engine)
    paused.modify_job(
        DAILY_JOB_ID, jobstore=DB_STORE, next_run_time=dt.datetime.now(TZ) - dt.timedelta(minutes=5)
    )
    paused.shutdown(wait=False)
    stream2 = SignallingStream()
    clock2 = SignallingClock(MORNING + dt.timedelta(hours=2))
    runtime2, _ = console_runtime(engine, stream2, clock2)
    runtime2.scan_day = scans.scan
    service2 = start_alert_service(None, runtime=runtime2, cron="0 9 * * *")
    try:
        assert clock2.called.wait(WAIT_S), "the missed daily run did not run at start-up"
        job = service2.scheduler.get_job(DAILY_JOB_ID, jobstore=DB_STORE)
    finally:
        service2.shutdown(wait=True)  # anything the missed run would print is printed by now
    assert stream2.getvalue() == ""
    assert scans.calls == [DAY]
    assert job is not None


def test_late_data_schedules_a_persistent_recheck(engine: Engine) -> None:
    scheduler = store_editor(engine)
    runtime, _ = console_runtime(engine, io.StringIO(), FakeClock(MORNING))
    at = MORNING + dt.timedelta(minutes=30)
    follow_up(AlertHost(runtime, scheduler), RunOutcome(DAY, "waiting_for_data", recheck_at=at))
    job = scheduler.get_job(RECHECK_JOB_PREFIX + "2026-03-02", jobstore=DB_STORE)
    assert job is not None
    assert (job.next_run_time, job.args, job.func_ref) == (
        at,
        ("2026-03-02",),
        "scheduler.jobs:freshness_recheck_job",
    )
    scheduler.shutdown(wait=False)
