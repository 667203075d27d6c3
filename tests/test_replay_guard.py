from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from storage.replay_guard import first_time, sweep
from storage.tables import SeenRequest

NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def test_a_replay_is_refused_on_every_backend(engine) -> None:
    assert first_time(engine, "slack", "v0=abc", NOW) is True
    assert first_time(engine, "slack", "v0=abc", NOW + dt.timedelta(seconds=30)) is False
    assert first_time(engine, "dingtalk", "v0=abc", NOW) is True  # sources are separate


def test_one_source_forgetting_does_not_forget_another(engine) -> None:
    assert first_time(engine, "dingtalk", "sig-1", NOW, keep_s=3720)
    assert first_time(engine, "slack", "sig-0", NOW, keep_s=600)
    # a Slack sweep 20 minutes later forgets Slack's own old entries only
    sweep(engine, "slack", NOW + dt.timedelta(minutes=20), keep_s=600)
    assert first_time(engine, "dingtalk", "sig-1", NOW + dt.timedelta(minutes=21), keep_s=3720) is False
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(SeenRequest)).scalar_one() == 1
