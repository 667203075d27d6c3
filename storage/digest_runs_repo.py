"""What the daily job did for each day (``digest_run``): the last word per day wins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.tables import DigestRun


def record_digest_run(engine: Engine, day: dt.date, state: str, detail: str | None, now: dt.datetime) -> None:
    with session_scope(engine) as session:
        row = session.get(DigestRun, day)
        if row is None:
            session.add(DigestRun(day=day, state=state, detail=(detail or None) and detail[:1000], at=now))
        else:
            row.state, row.detail, row.at = state, (detail or None) and detail[:1000], now


def digest_run(engine: Engine, day: dt.date) -> DigestRun | None:
    with session_scope(engine) as session:
        row = session.get(DigestRun, day)
        if row is not None:
            session.expunge(row)
        return row
