"""The Slack users whose App Home is kept up to date (remembered when they open it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.tables import SlackHomeUser


def remember_home_user(engine: Engine, team_id: str, user_id: str, now: dt.datetime) -> None:
    """Insert or refresh (team, user); opening the home twice keeps one row."""
    with session_scope(engine) as session:
        row = session.get(SlackHomeUser, (team_id, user_id))
        if row is None:
            session.add(SlackHomeUser(team_id=team_id, user_id=user_id, opened_at=now))
        else:
            row.opened_at = now


def home_users(engine: Engine) -> list[tuple[str, str]]:
    """(team, user) of everyone who opened the home, most recent first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(SlackHomeUser.team_id, SlackHomeUser.user_id).order_by(SlackHomeUser.opened_at.desc())  # type: ignore[attr-defined]
        )
        return [(str(team), str(user)) for team, user in rows]
