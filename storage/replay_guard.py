"""Refuse exact replays of signed inbound requests (Slack, DingTalk, WeCom).

Signature checks accept a request whose timestamp is within a window (Slack: 5 minutes); an attacker who
captured one can resend it unchanged inside that window. ``first_time`` records the request's signature in
the database with a primary key, so the second arrival — on this replica or another — is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.db import session_scope
from storage.tables import SeenRequest


def first_time(engine: Engine, source: str, signature: str, now: dt.datetime, *, keep_s: int = 600) -> bool:
    """True the first time ``(source, signature)`` is seen; False for a replay.

    Forgets this source's entries after ``keep_s`` (each source keeps them as long as its signatures stay valid).
    """
    key = f"{source}:{hashlib.sha256(signature.encode()).hexdigest()}"
    try:
        with session_scope(engine) as session:
            session.add(SeenRequest(key=key, seen_at=now))
    except IntegrityError:
        return False
    with session_scope(engine) as session:
        session.exec(  # type: ignore[call-overload]
            delete(SeenRequest).where(
                SeenRequest.key.startswith(f"{source}:"),  # type: ignore[attr-defined]
                SeenRequest.seen_at < now - dt.timedelta(seconds=keep_s),
            )
        )
    return True
