"""SQL of the delivery outbox (``delivery`` rows): queue, claim, checkpoint, finish, requeue, report.

Claiming is atomic so that several workers (threads or replicas) never send the same row at once:

* PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED LIMIT 1`` then ``UPDATE`` in the same transaction — a row
  another worker is claiming is skipped, not waited for.
* SQLite (one writer at a time): compare-and-set — ``UPDATE … WHERE id = :id AND status = :seen AND
  attempts = :seen_attempts``; only one worker's UPDATE can match, the others move on to the next row.

A row is due when it is ``pending`` and ``next_attempt_at <= now``, or ``sending`` with an expired claim
(its worker died mid-send: the row is recovered, never lost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from storage.db import as_utc, is_sqlite, session_scope
from storage.tables import Delivery

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
ERROR_LIMIT = 1000


@dataclass(frozen=True)
class NewDelivery:
    digest_key: str
    channel: str
    kind: str
    day: dt.date
    card: dict[str, Any]


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    digest_key: str
    channel: str
    kind: str
    day: dt.date
    card: dict[str, Any]
    attempts: int  # including this one
    parts_sent: int
    thread_ref: str | None
    recovered: bool  # it was ``sending`` under an expired claim: an earlier attempt may have gone out


def queue_deliveries(engine: Engine, rows: Iterable[NewDelivery], now: dt.datetime) -> list[str]:
    """Insert each row unless (digest_key, channel) exists; returns the channels actually queued."""
    queued: list[str] = []
    for row in rows:
        try:
            with session_scope(engine) as session:
                session.add(
                    Delivery(
                        digest_key=row.digest_key,
                        channel=row.channel,
                        kind=row.kind,
                        day=row.day,
                        card=row.card,
                        status=PENDING,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
            queued.append(row.channel)
        except IntegrityError:
            continue
    return queued


def queued_channels(engine: Engine, digest_key: str) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(select(Delivery.channel).where(Delivery.digest_key == digest_key))  # type: ignore[arg-type]
        return {str(r[0]) for r in rows}


def _due(channels: Sequence[str], now: dt.datetime) -> Any:
    return and_(
        Delivery.channel.in_(list(channels)),  # type: ignore[attr-defined]
        or_(
            and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now),  # type: ignore[arg-type]
            and_(Delivery.status == SENDING, Delivery.claimed_until <= now),  # type: ignore[arg-type,operator]
        ),
    )


def claim_next(
    engine: Engine, channels: Sequence[str], worker: str, now: dt.datetime, claim_for: dt.timedelta
) -> ClaimedDelivery | None:
    """Claim the oldest due row of ``channels`` for ``worker`` until ``now + claim_for``, or None."""
    if not channels:
        return None
    with engine.begin() as connection:
        if is_sqlite(engine):
            return _claim_compare_and_set(connection, channels, worker, now, claim_for)
        return _claim_skip_locked(connection, channels, worker, now, claim_for)


_ORDER = (Delivery.next_attempt_at, Delivery.id)


def _claim_skip_locked(
    connection: Connection, channels: Sequence[str], worker: str, now: dt.datetime, claim_for: dt.timedelta
) -> ClaimedDelivery | None:
    row = connection.execute(
        select(Delivery)
        .where(_due(channels, now))
        .order_by(*_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).one_or_none()
    if row is None:
        return None
    _take(connection, row, worker, now, claim_for)
    return _claimed(row)


def _claim_compare_and_set(
    connection: Connection, channels: Sequence[str], worker: str, now: dt.datetime, claim_for: dt.timedelta
) -> ClaimedDelivery | None:
    candidates = connection.execute(
        select(Delivery).where(_due(channels, now)).order_by(*_ORDER).limit(8)
    ).all()
    for row in candidates:
        if _take(connection, row, worker, now, claim_for):
            return _claimed(row)
    return None


def _take(connection: Connection, row: Any, worker: str, now: dt.datetime, claim_for: dt.timedelta) -> bool:
    result = connection.execute(
        update(Delivery)
        .where(
            Delivery.id == row.id,  # type: ignore[arg-type]
            Delivery.status == row.status,  # type: ignore[arg-type]
            Delivery.attempts == row.attempts,  # type: ignore[arg-type]
        )
        .values(
            status=SENDING,
            attempts=row.attempts + 1,
            claimed_by=worker,
            claimed_until=now + claim_for,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def _claimed(row: Any) -> ClaimedDelivery:
    day = row.day if isinstance(row.day, dt.date) else dt.date.fromisoformat(str(row.day))
    return ClaimedDelivery(
        id=int(row.id),
        digest_key=str(row.digest_key),
        channel=str(row.channel),
        kind=str(row.kind),
        day=day,
        card=dict(row.card),
        attempts=int(row.attempts) + 1,
        parts_sent=int(row.parts_sent),
        thread_ref=row.thread_ref,
        recovered=row.status == SENDING,
    )


def _set(engine: Engine, delivery_id: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))  # type: ignore[arg-type]


def _release(engine: Engine, delivery_id: int, now: dt.datetime, **values: Any) -> None:
    """Set ``values`` and give the claim up (the row is no longer being sent by anyone)."""
    _set(engine, delivery_id, **values, updated_at=now, claimed_by=None, claimed_until=None)


def save_progress(
    engine: Engine, delivery_id: int, parts_sent: int, thread_ref: str | None, now: dt.datetime
) -> None:
    """Checkpoint after each message of a multi-message card (a retry resumes after it)."""
    _set(engine, delivery_id, parts_sent=parts_sent, thread_ref=thread_ref, updated_at=now)


def mark_sent(engine: Engine, delivery_id: int, now: dt.datetime) -> None:
    _release(engine, delivery_id, now, status=SENT, sent_at=now)


def mark_retry(
    engine: Engine, delivery_id: int, error: str, next_attempt_at: dt.datetime, now: dt.datetime
) -> None:
    _release(
        engine,
        delivery_id,
        now,
        status=PENDING,
        last_error=error[:ERROR_LIMIT],
        next_attempt_at=next_attempt_at,
    )


def mark_failed(engine: Engine, delivery_id: int, error: str, now: dt.datetime) -> None:
    _release(engine, delivery_id, now, status=FAILED, last_error=error[:ERROR_LIMIT])


def requeue_failed(
    engine: Engine,
    now: dt.datetime,
    *,
    ids: Sequence[int] | None = None,
    failed_before: dt.datetime | None = None,
    created_after: dt.datetime | None = None,
) -> int:
    """Put failed rows back to ``pending`` with a fresh try budget (``attempts`` = 0); returns how many.

    ``ids`` picks rows; ``failed_before`` / ``created_after`` select the automatic recovery's rows.
    """
    conditions: list[Any] = [Delivery.status == FAILED]
    if ids is not None:
        conditions.append(Delivery.id.in_(list(ids)))  # type: ignore[union-attr]
    if failed_before is not None:
        conditions.append(Delivery.updated_at <= failed_before)  # type: ignore[arg-type]
    if created_after is not None:
        conditions.append(Delivery.created_at >= created_after)  # type: ignore[arg-type]
    with engine.begin() as connection:
        result = connection.execute(
            update(Delivery)
            .where(*conditions)
            .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )
        return int(result.rowcount)


def recent_deliveries(engine: Engine, limit: int = 20) -> list[Delivery]:
    return _deliveries(engine, select(Delivery).order_by(Delivery.id.desc()).limit(limit))  # type: ignore[union-attr]


def deliveries_of(engine: Engine, digest_key: str) -> list[Delivery]:
    return _deliveries(
        engine,
        select(Delivery).where(Delivery.digest_key == digest_key).order_by(Delivery.id),  # type: ignore[arg-type]
    )


def _deliveries(engine: Engine, query: Any) -> list[Delivery]:
    """The rows of ``query``, with every timestamp timezone-aware."""
    with session_scope(engine) as session:
        return [_aware(row) for row in session.scalars(query).all()]


def _aware(row: Delivery) -> Delivery:
    for name in ("next_attempt_at", "claimed_until", "created_at", "updated_at", "sent_at"):
        setattr(row, name, as_utc(getattr(row, name)))
    return row


@dataclass(frozen=True)
class FailureSummary:
    failed: int
    pending: int
    last_failure_at: dt.datetime | None
    last_failure_error: str | None
    last_failure_digest: str | None
    last_failure_channel: str | None


def state_counts(engine: Engine) -> dict[str, int]:
    """Deliveries by state (pending, sending, sent, failed…), for /metrics."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)  # type: ignore[attr-defined]
        ).all()
    return {str(state): int(count) for state, count in rows}


def failure_summary(engine: Engine) -> FailureSummary:
    """Counts for ``/healthz``: failed and pending rows, and the most recent failure."""
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                select(Delivery.status, func.count())
                .where(Delivery.status.in_([FAILED, PENDING]))
                .group_by(Delivery.status)  # type: ignore[attr-defined]
            ).all()
        )
        last = connection.execute(
            select(Delivery.updated_at, Delivery.last_error, Delivery.digest_key, Delivery.channel)
            .where(Delivery.status == FAILED)  # type: ignore[arg-type]
            .order_by(Delivery.updated_at.desc())  # type: ignore[attr-defined]
            .limit(1)
        ).one_or_none()
    return FailureSummary(
        failed=int(counts.get(FAILED, 0)),
        pending=int(counts.get(PENDING, 0)),
        last_failure_at=as_utc(last[0]) if last else None,
        last_failure_error=last[1] if last else None,
        last_failure_digest=last[2] if last else None,
        last_failure_channel=last[3] if last else None,
    )
