"""SQL of the alert lifecycle: per-series state, per-alert records (one decision per key) and feedback.

The scan side and the button side write *different columns* of ``alert_series`` (the scan: last seen day,
episode, last notification; buttons: acknowledgement, snooze, false positives, sensitivity), each with a
column-limited UPDATE, so a button pressed while the daily job runs is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.db import as_utc, session_scope
from storage.tables import AlertFeedback, AlertRecord, AlertSeriesState

SCAN_COLUMNS = ("last_seen_day", "episode_start", "last_notified_day", "last_notified_severity")


def load_series(engine: Engine, fingerprints: Sequence[str]) -> dict[str, AlertSeriesState]:
    if not fingerprints:
        return {}
    with session_scope(engine) as session:
        rows = session.exec(
            select(AlertSeriesState).where(AlertSeriesState.fingerprint.in_(list(fingerprints)))  # type: ignore[attr-defined]
        ).all()
    for row in rows:
        row.snoozed_until = as_utc(row.snoozed_until)
        row.updated_at = as_utc(row.updated_at)  # type: ignore[assignment]
    return {row.fingerprint: row for row in rows}


def load_records(engine: Engine, keys: Sequence[str]) -> dict[str, AlertRecord]:
    if not keys:
        return {}
    with session_scope(engine) as session:
        rows = session.exec(select(AlertRecord).where(AlertRecord.key.in_(list(keys)))).all()  # type: ignore[attr-defined]
    return {row.key: row for row in rows}


def record_by_key(engine: Engine, key: str) -> AlertRecord | None:
    with session_scope(engine) as session:
        return session.get(AlertRecord, key)


def records_of_day(engine: Engine, day: dt.date) -> list[AlertRecord]:
    with session_scope(engine) as session:
        return list(session.exec(select(AlertRecord).where(AlertRecord.day == day)).all())


def ensure_series(
    engine: Engine, fingerprint: str, metric: str, scope: dict[str, Any], now: dt.datetime
) -> None:
    """Create the series row if it does not exist yet (concurrent creators: one wins, the rest skip)."""
    with session_scope(engine) as session:
        if session.get(AlertSeriesState, fingerprint) is not None:
            return
    try:
        with session_scope(engine) as session:
            session.add(AlertSeriesState(fingerprint=fingerprint, metric=metric, scope=scope, updated_at=now))
    except IntegrityError:
        pass


def save_scan_state(engine: Engine, states: Iterable[AlertSeriesState], now: dt.datetime) -> None:
    """Write the scan-owned columns of each series (creating missing rows)."""
    for state in states:
        ensure_series(engine, state.fingerprint, state.metric, dict(state.scope), now)
        with engine.begin() as connection:
            connection.execute(
                update(AlertSeriesState)
                .where(AlertSeriesState.fingerprint == state.fingerprint)  # type: ignore[arg-type]
                .values(**{c: getattr(state, c) for c in SCAN_COLUMNS}, updated_at=now)
            )


def ended_episodes(engine: Engine, day: dt.date) -> list[AlertSeriesState]:
    """Series whose announced episode was last seen the day before ``day`` and is not resolved yet (the
    day's scan has already moved ``last_seen_day`` of every series still alerting)."""
    before = day - dt.timedelta(days=1)
    with session_scope(engine) as session:
        rows = session.exec(
            select(AlertSeriesState).where(
                AlertSeriesState.last_seen_day == before,  # type: ignore[arg-type]
                AlertSeriesState.last_notified_day.is_not(None),  # type: ignore[union-attr]
                AlertSeriesState.last_notified_day >= AlertSeriesState.episode_start,  # type: ignore[operator]
            )
        ).all()
    return [
        r for r in rows if r.resolved_day is None or (r.episode_start and r.resolved_day <= r.episode_start)
    ]


def mark_resolved(engine: Engine, fingerprints: Iterable[str], day: dt.date, now: dt.datetime) -> None:
    for fingerprint in fingerprints:
        update_series(engine, fingerprint, now, resolved_day=day)


def insert_records(engine: Engine, records: Iterable[AlertRecord]) -> None:
    """Insert each record unless its key exists (a decision is taken once per alert key)."""
    for record in records:
        try:
            with session_scope(engine) as session:
                session.add(record)
        except IntegrityError:
            continue


def add_feedback(engine: Engine, feedback: AlertFeedback) -> None:
    with session_scope(engine) as session:
        session.add(feedback)


def update_series(engine: Engine, fingerprint: str, now: dt.datetime, **values: Any) -> None:
    """Button-owned columns: acked_episode, acked_by, snoozed_until."""
    with engine.begin() as connection:
        connection.execute(
            update(AlertSeriesState)
            .where(AlertSeriesState.fingerprint == fingerprint)  # type: ignore[arg-type]
            .values(**values, updated_at=now)
        )


def count_false_positive(
    engine: Engine, fingerprint: str, now: dt.datetime, step: float, cap: float
) -> tuple[int, float]:
    """Add one false positive to the series and set its threshold multiplier to ``min(cap, step ** n)``."""
    with engine.begin() as connection:
        connection.execute(
            update(AlertSeriesState)
            .where(AlertSeriesState.fingerprint == fingerprint)  # type: ignore[arg-type]
            .values(false_positives=AlertSeriesState.false_positives + 1, updated_at=now)
        )
        count = int(
            connection.execute(
                select(AlertSeriesState.false_positives).where(AlertSeriesState.fingerprint == fingerprint)
            ).scalar_one()
        )
        multiplier = min(cap, step**count)
        connection.execute(
            update(AlertSeriesState)
            .where(AlertSeriesState.fingerprint == fingerprint)  # type: ignore[arg-type]
            .values(threshold_multiplier=multiplier)
        )
    return count, multiplier


def feedback_of(engine: Engine, fingerprint: str) -> list[AlertFeedback]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(AlertFeedback).where(AlertFeedback.fingerprint == fingerprint).order_by(AlertFeedback.id)  # type: ignore[arg-type]
        ).all()
    return list(rows)


def recently_announced(engine: Engine, since: dt.date) -> list[tuple[AlertSeriesState, AlertRecord]]:
    """Series announced on or after ``since`` with the record of their latest announced alert, newest first
    (what the Slack Home lists with its state)."""
    with session_scope(engine) as session:
        series = session.exec(
            select(AlertSeriesState).where(AlertSeriesState.last_notified_day >= since)  # type: ignore[operator]
        ).all()
        records = session.exec(
            select(AlertRecord).where(
                AlertRecord.day >= since,  # type: ignore[operator]
                AlertRecord.announced == True,  # noqa: E712 - SQL
            )
        ).all()
    latest: dict[str, AlertRecord] = {}
    for record in records:
        if record.fingerprint not in latest or record.day > latest[record.fingerprint].day:
            latest[record.fingerprint] = record
    out = []
    for state in series:
        state.snoozed_until = as_utc(state.snoozed_until)
        if state.fingerprint in latest:
            out.append((state, latest[state.fingerprint]))
    return sorted(out, key=lambda pair: (pair[1].day, pair[1].severity), reverse=True)
