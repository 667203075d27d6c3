"""Why a morning has no digest: the last due day's digest as ``/healthz`` reports it.

The day whose digest was last due is yesterday once today's ``ALERT_CRON`` time has passed (else the day
before). Its state, from the outbox and the job's own record (``digest_run``): ``sent`` · ``delivering`` ·
``failed`` (with the last error) · ``waiting_for_data`` (the job waits for a late or half-loaded day) ·
``quiet_silent`` (no alert and ``DIGEST_QUIET_DAYS=silent``) · ``no_channel`` (the job ran, nowhere to post)
· ``not_run`` (the job did not run: the scheduler is down, or the process was not serving at that time).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from storage.digest_runs_repo import digest_run
from storage.outbox_repo import deliveries_of


class DigestHealth(BaseModel):
    day: dt.date
    due_at: dt.datetime
    state: str
    reason: str
    channels: dict[str, str] = {}  # channel → delivery status


def due_day(cron: str, timezone: str, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The day whose digest was due last, and when it was due."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    trigger = CronTrigger.from_crontab(cron, timezone=zone)
    for back in range(0, 8):
        day = today - dt.timedelta(days=back)
        midnight = dt.datetime.combine(day, dt.time(), zone)
        fire = trigger.get_next_fire_time(None, midnight)
        if fire is not None and fire.date() == day and fire <= now:
            return day - dt.timedelta(days=1), fire
    return today - dt.timedelta(days=1), dt.datetime.combine(today, dt.time(), zone)


def digest_health(engine: Engine, *, cron: str, timezone: str, now: dt.datetime) -> DigestHealth:
    day, due_at = due_day(cron, timezone, now)
    rows = deliveries_of(engine, f"digest:{day.isoformat()}")
    channels = {row.channel: row.status for row in rows}
    run = digest_run(engine, day)
    state, reason = _state(day, rows, run)
    return DigestHealth(day=day, due_at=due_at, state=state, reason=reason, channels=channels)


def _state(day: dt.date, rows: list, run: object) -> tuple[str, str]:
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        return "failed", f"delivery to {failed[0].channel} failed: {failed[0].last_error or 'unknown error'}"
    if rows and all(r.status == "sent" for r in rows):
        return "sent", f"the digest of {day} was delivered"
    if rows:
        return "delivering", f"the digest of {day} is queued and being delivered (retries back off)"
    if run is None:
        return "not_run", (
            f"the daily job did not run for {day}: is the scheduler running (memberops serve), and was it "
            "up at ALERT_CRON?"
        )
    state, detail = run.state, run.detail  # type: ignore[attr-defined]
    if state == "waiting_for_data":
        return state, f"waiting for the data of {day}: {detail or 'not complete yet'}"
    if state == "quiet":
        return "quiet_silent", f"no alert on {day} and DIGEST_QUIET_DAYS=silent: nothing was posted"
    return "no_channel", f"the job ran for {day} ({state}) but no alert channel is configured"
