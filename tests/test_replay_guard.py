from __future__ import annotations

import datetime as dt

from storage.replay_guard import first_time

NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


def test_a_replay_is_refused_on_every_backend(engine) -> None:
    assert first_time(engine, "slack", "v0=abc", NOW) is True
    assert first_time(engine, "slack", "v0=abc", NOW + dt.timedelta(seconds=30)) is False
    assert first_time(engine, "dingtalk", "v0=abc", NOW) is True  # sources are separate


def test_one_source_forgetting_does_not_forget_another(engine) -> None:
    assert first_time(engine, "dingtalk", "sig-1", NOW, keep_s=3720)
    # a Slack request 20 minutes later purges Slack's own old entries only
    assert first_time(engine, "slack", "sig-2", NOW + dt.timedelta(minutes=20), keep_s=600)
    assert first_time(engine, "dingtalk", "sig-1", NOW + dt.timedelta(minutes=21), keep_s=3720) is False
