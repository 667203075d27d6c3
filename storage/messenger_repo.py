"""Bindings (``绑定告警群``) and interactive alert cards of DingTalk and WeCom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.db import session_scope
from storage.tables import MessengerBinding, MessengerCard


def bind(
    engine: Engine, platform: str, purpose: str, target: str, bound_by: str | None, now: dt.datetime
) -> None:
    with session_scope(engine) as session:
        row = session.get(MessengerBinding, (platform, purpose))
        if row is None:
            session.add(
                MessengerBinding(platform=platform, purpose=purpose, target=target, bound_by=bound_by, at=now)
            )
        else:
            row.target, row.bound_by, row.at = target, bound_by, now


def bound_target(engine: Engine, platform: str, purpose: str) -> str | None:
    with session_scope(engine) as session:
        row = session.get(MessengerBinding, (platform, purpose))
        return row.target if row is not None else None


def remember_card(
    engine: Engine, platform: str, card_id: str, alert_key: str, target: str, now: dt.datetime
) -> bool:
    """Record a card about to be sent; False when it was recorded before (the same alert, the same card)."""
    try:
        with session_scope(engine) as session:
            session.add(
                MessengerCard(platform=platform, card_id=card_id, alert_key=alert_key, target=target, at=now)
            )
        return True
    except IntegrityError:
        return False


def card(engine: Engine, platform: str, card_id: str) -> MessengerCard | None:
    with session_scope(engine) as session:
        row = session.get(MessengerCard, (platform, card_id))
        if row is not None:
            session.expunge(row)
        return row


def cards_ending_with(engine: Engine, platform: str, suffix: str) -> list[MessengerCard]:
    """Cards whose alert key ends with ``suffix`` (``|<fingerprint>``: every alert of one series)."""
    query = select(MessengerCard).where(
        MessengerCard.platform == platform,  # type: ignore[arg-type]
        MessengerCard.alert_key.endswith(suffix, autoescape=True),  # type: ignore[attr-defined]
    )
    return _cards(engine, query)


def cards_with_status(engine: Engine, platform: str, prefixes: tuple[str, ...]) -> list[MessengerCard]:
    """Cards whose status line starts with one of ``prefixes`` (e.g. the snoozed ones)."""
    query = select(MessengerCard).where(
        MessengerCard.platform == platform,  # type: ignore[arg-type]
        or_(*(MessengerCard.status.startswith(p) for p in prefixes)),  # type: ignore[union-attr]
    )
    return _cards(engine, query)


def _cards(engine: Engine, query: Any) -> list[MessengerCard]:
    with engine.connect() as connection:
        return [MessengerCard.model_validate(dict(row._mapping)) for row in connection.execute(query)]


def set_status(engine: Engine, platform: str, card_id: str, status: str) -> None:
    with session_scope(engine) as session:
        row = session.get(MessengerCard, (platform, card_id))
        if row is not None:
            row.status = status[:512]
