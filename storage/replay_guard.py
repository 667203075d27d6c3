"""Refuse exact replays of signed inbound requests (Slack, DingTalk, WeCom).

Signature checks accept a request whose timestamp is within a window (Slack: 5 minutes); an attacker who
captured one can resend it unchanged inside that window. ``first_time`` records the request's signature in
the database with a primary key, so the second arrival — on this replica or another — is refused.

It sits on the acknowledgement path of every inbound request, so it costs one INSERT; entries older than a
source's window are swept every ``SWEEP_EVERY`` calls rather than on each one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.tables import SeenRequest

SWEEP_EVERY = 50
_calls = itertools.count()


def first_time(engine: Engine, source: str, signature: str, now: dt.datetime, *, keep_s: int = 600) -> bool:
    """True the first time ``(source, signature)`` is seen; False for a replay.

    Forgets this source's entries after ``keep_s`` (each source keeps them as long as its signatures stay
    valid, so one source's sweep never forgets another's).
    """
    key = f"{source}:{hashlib.sha256(signature.encode()).hexdigest()}"
    try:
        with engine.begin() as connection:
            connection.execute(insert(SeenRequest).values(key=key, seen_at=now))
    except IntegrityError:
        return False
    if next(_calls) % SWEEP_EVERY == 0:
        sweep(engine, source, now, keep_s=keep_s)
    return True


def sweep(engine: Engine, source: str, now: dt.datetime, *, keep_s: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            delete(SeenRequest).where(
                SeenRequest.key.startswith(f"{source}:"),  # type: ignore[attr-defined]
                SeenRequest.seen_at < now - dt.timedelta(seconds=keep_s),
            )
        )
