"""Named leases in the database: at most one holder at a time, taken over only after expiry.

Works the same on SQLite and PostgreSQL without advisory locks: a holder is the one whose INSERT of the
lease row succeeded, or whose conditional UPDATE (``WHERE expires_at <= now OR holder = me``) changed the
row. PostgreSQL re-evaluates that WHERE after a concurrent writer commits (READ COMMITTED), and SQLite
serialises writers, so two replicas can never both see their statement succeed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.db import session_scope
from storage.tables import SchedulerLease


def acquire_lease(engine: Engine, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Take (or renew) the lease ``name`` for ``holder`` until ``now + ttl``; False when someone else holds it."""
    try:
        with session_scope(engine) as session:
            session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
        return True
    except IntegrityError:
        pass
    with engine.begin() as connection:
        result = connection.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == name,  # type: ignore[arg-type]
                or_(SchedulerLease.expires_at <= now, SchedulerLease.holder == holder),  # type: ignore[arg-type]
            )
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        return result.rowcount == 1


def release_lease(engine: Engine, name: str, holder: str) -> None:
    """Give the lease up (only if ``holder`` still holds it)."""
    with engine.begin() as connection:
        connection.execute(
            delete(SchedulerLease).where(
                SchedulerLease.name == name,  # type: ignore[arg-type]
                SchedulerLease.holder == holder,  # type: ignore[arg-type]
            )
        )
