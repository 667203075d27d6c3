"""``/healthz`` says why a morning has no digest: from the outbox and the daily job's own record, through the
real pipeline with an injected clock (the job waits for data, is quiet and silent, or never ran)."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.engine import Engine

from bot.delivery_errors import PermanentDeliveryError
from handlers.digest_health import due_day
from handlers.health import DigestSchedule, health_report
from scheduler.outbox import deliver_due
from scheduler.pipeline import run_daily
from tests.test_scheduler_support import (
    FakeClock,
    RecordingChannel,
    ScriptedScans,
    local,
    make_alert,
    make_runtime,
)

DAY = dt.date(2026, 3, 2)
SCHEDULE = DigestSchedule("0 9 * * *", "Asia/Shanghai")


def digest(engine: Engine, now: dt.datetime) -> dict:
    report = health_report(engine, schedule=SCHEDULE, now=now)
    assert report.ok and report.digest is not None
    return report.digest.model_dump(mode="json")


def test_the_due_day_is_yesterday_once_the_cron_time_has_passed() -> None:
    assert due_day("0 9 * * *", "Asia/Shanghai", local(DAY + dt.timedelta(days=1), 9, 1))[0] == DAY
    assert due_day("0 9 * * *", "Asia/Shanghai", local(DAY + dt.timedelta(days=1), 8, 59))[
        0
    ] == DAY - dt.timedelta(days=1)


def test_a_job_that_did_not_run_is_named(sqlite_engine: Engine) -> None:
    state = digest(sqlite_engine, local(DAY + dt.timedelta(days=1), 10))
    assert state["day"] == "2026-03-02" and state["state"] == "not_run"
    assert "is the scheduler running" in state["reason"]


def test_waiting_for_data_then_sent(sqlite_engine: Engine) -> None:
    clock = FakeClock(local(DAY + dt.timedelta(days=1), 9))
    channel = RecordingChannel("console")
    scans = ScriptedScans(alerts={DAY: [make_alert(DAY, z=-3.2)]})
    runtime = make_runtime(sqlite_engine, {"console": channel}, clock, scans)
    assert run_daily(runtime).state == "waiting_for_data"
    state = digest(sqlite_engine, clock())
    assert state["state"] == "waiting_for_data" and "waiting for the data of 2026-03-02" in state["reason"]

    scans.days_with_data.add(DAY)
    clock.advance(minutes=30)
    assert run_daily(runtime).state == "queued"
    state = digest(sqlite_engine, clock())
    assert (state["state"], state["channels"]) == ("sent", {"console": "sent"})


def test_a_failed_delivery_says_its_error(sqlite_engine: Engine) -> None:
    clock = FakeClock(local(DAY + dt.timedelta(days=1), 9))
    failing = RecordingChannel(
        "console", failures=[PermanentDeliveryError("channel_not_found", platform="slack")]
    )
    runtime = make_runtime(sqlite_engine, {"console": failing}, clock, ScriptedScans(days_with_data={DAY}))
    run_daily(runtime)
    state = digest(sqlite_engine, clock())
    assert state["state"] == "failed" and "channel_not_found" in state["reason"]


def test_a_quiet_silent_day_is_not_a_missing_digest(sqlite_engine: Engine) -> None:
    clock = FakeClock(local(DAY + dt.timedelta(days=1), 9))
    runtime = make_runtime(
        sqlite_engine, {"console": RecordingChannel()}, clock, ScriptedScans(days_with_data={DAY}),
        digest_quiet_days="silent",
    )  # fmt: skip
    assert run_daily(runtime).state == "quiet"
    state = digest(sqlite_engine, clock())
    assert state["state"] == "quiet_silent" and "DIGEST_QUIET_DAYS=silent" in state["reason"]


def test_healthz_serves_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.context import AppContext
    from bot.http_app import create_app
    from core.config import load_settings
    from storage.migrate import upgrade
    from tests.fakes.slack_api import ServerThread

    context = AppContext(load_settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"))
    upgrade(context.engine)
    with ServerThread(create_app(context)) as server:
        body = httpx.get(f"{server.url}/healthz").json()
    assert body["digest"]["state"] == "not_run" and body["ok"] is True
    _ = deliver_due  # the delivery job is what moves a queued digest to "sent"
