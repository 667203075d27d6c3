"""Alert lifecycle on SQLite and PostgreSQL: keys, episodes, repeat interval, severity rise, acknowledge,
snooze, false positive (stored, lowers that scope's sensitivity) and explain more."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from core.detection import DetectionConfig
from handlers.alert_actions import AlertClick, handle_alert_action
from scheduler.alert_keys import alert_key, split_key, split_snooze_value
from scheduler.feedback import facts_card, register_lifecycle_hooks
from scheduler.lifecycle import LifecyclePolicy, evaluate
from storage.alerts_repo import feedback_of, load_series, records_of_day
from tests.test_scheduler_support import handler_context, local, make_alert

D1 = dt.date(2026, 3, 2)
POLICY = LifecyclePolicy(repeat_days=3)
CONFIG = DetectionConfig()
IOS = {"platform": "iOS"}


def day(n: int) -> dt.date:
    return D1 + dt.timedelta(days=n)


def run(engine: Engine, n: int, *alerts) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = evaluate(engine, list(alerts), local(day(n + 1), 9), POLICY, CONFIG)
    return {d.key: d.decision for d in result.announced + result.quiet}


def click(action: str, value: str, at: dt.datetime) -> AlertClick:
    return AlertClick(action=action, alert_id=value, user_id="U1", user_name="alice", platform="slack", at=at)


@pytest.fixture(autouse=True)
def hooks() -> None:
    register_lifecycle_hooks(POLICY)


def test_alert_key_is_stable_and_parsable() -> None:
    a = make_alert(D1, scope={"platform": "iOS", "segment": "新会员"})
    b = make_alert(D1, scope={"segment": "新会员", "platform": "iOS"})
    assert alert_key(a) == alert_key(b) == "2026-03-02|arpu|platform=iOS&segment=新会员"
    assert alert_key(make_alert(D1)) == "2026-03-02|arpu|*"
    assert split_key(alert_key(a)) == (D1, "arpu|platform=iOS&segment=新会员")
    assert split_snooze_value("2026-03-02|arpu|*@3d", dt.timedelta(hours=24)) == (
        "2026-03-02|arpu|*",
        dt.timedelta(days=3),
    )
    assert split_snooze_value("2026-03-02|arpu|*", dt.timedelta(hours=24))[1] == dt.timedelta(hours=24)
    with pytest.raises(ValueError):
        split_key("not-a-key")


def test_continuing_anomaly_is_quiet_until_severity_rises_or_repeat_interval(engine: Engine) -> None:
    assert run(engine, 0, make_alert(day(0), z=-1.8)) == {alert_key(make_alert(day(0))): "new"}
    assert list(run(engine, 1, make_alert(day(1), z=-1.9)).values()) == ["continuing"]
    assert list(run(engine, 2, make_alert(day(2), z=-3.0)).values()) == ["escalated"]  # minor -> severe
    assert list(run(engine, 3, make_alert(day(3), z=-3.1)).values()) == ["continuing"]
    assert list(run(engine, 4, make_alert(day(4), z=-3.1)).values()) == ["continuing"]
    assert list(run(engine, 5, make_alert(day(5), z=-3.1)).values()) == ["repeat"]  # 3 days after day 2
    # a day without the anomaly ends the episode: the next occurrence is new again
    assert list(run(engine, 7, make_alert(day(7), z=-3.1)).values()) == ["new"]
    state = load_series(engine, ["arpu|*"])["arpu|*"]
    assert (state.episode_start, state.last_notified_day, state.last_notified_severity) == (
        day(7),
        day(7),
        "severe",
    )


def test_decisions_are_taken_once_per_key(engine: Engine) -> None:
    alert = make_alert(day(0), z=-3.0)
    assert list(run(engine, 0, alert).values()) == ["new"]
    assert list(run(engine, 0, alert).values()) == ["new"]  # a rerun reuses the stored decision
    records = records_of_day(engine, day(0))
    assert [(r.key, r.decision, r.announced) for r in records] == [(alert_key(alert), "new", True)]


def test_acknowledged_episode_stays_quiet_until_it_ends(engine: Engine) -> None:
    first = make_alert(day(0), scope=IOS, z=-2.2)
    run(engine, 0, first)
    outcome = handle_alert_action(
        click("alert_ack", alert_key(first), local(day(1), 10)), handler_context(engine)
    )
    assert outcome.note == "已确认，本次异常持续期间不再提醒"
    assert list(run(engine, 1, make_alert(day(1), scope=IOS, z=-3.5)).values()) == ["acked"]
    for n in (2, 3, 4, 5):  # even past the repeat interval and with a severity rise on day 1
        assert list(run(engine, n, make_alert(day(n), scope=IOS, z=-2.2)).values()) == ["acked"]


def test_ack_does_not_cover_the_next_episode(engine: Engine) -> None:
    first = make_alert(day(0), z=-2.2)
    run(engine, 0, first)
    handle_alert_action(click("alert_ack", alert_key(first), local(day(1), 10)), handler_context(engine))
    assert list(run(engine, 3, make_alert(day(3), z=-2.2)).values()) == ["new"]


def test_snooze_keeps_the_series_quiet_until_it_expires(engine: Engine) -> None:
    first = make_alert(day(0), metric="dau", z=2.2)
    run(engine, 0, first)
    outcome = handle_alert_action(
        click("alert_snooze", alert_key(first) + "@2d", local(day(1), 10)), handler_context(engine, "en")
    )
    assert outcome.note == "snoozed for 2 days"
    assert list(run(engine, 1, make_alert(day(1), metric="dau", z=2.2)).values()) == ["snoozed"]
    assert list(run(engine, 2, make_alert(day(2), metric="dau", z=2.2)).values()) == ["snoozed"]
    # day 3 is evaluated on day 4 at 09:00, after the snooze (day 1 10:00 + 2 days) expired; the episode
    # was never announced while snoozed beyond day 0, and 3 days passed: announced again
    assert list(run(engine, 3, make_alert(day(3), metric="dau", z=2.2)).values()) == ["repeat"]
    [feedback] = feedback_of(engine, "dau|*")
    assert (feedback.action, feedback.detail, feedback.user_name) == ("alert_snooze", "2d", "alice")


def test_false_positive_is_stored_and_lowers_that_scope_sensitivity(engine: Engine) -> None:
    first = make_alert(day(0), scope=IOS, z=-1.8)
    other = make_alert(day(0), z=-1.8)
    run(engine, 0, first, other)
    context = handler_context(engine)
    outcome = handle_alert_action(click("alert_false_positive", alert_key(first), local(day(1), 10)), context)
    assert outcome.note == "标记为误报：该范围的告警阈值提高到 1.25 倍"
    state = load_series(engine, ["arpu|platform=iOS"])["arpu|platform=iOS"]
    assert (state.false_positives, state.threshold_multiplier) == (1, 1.25)
    assert [f.action for f in feedback_of(engine, "arpu|platform=iOS")] == ["alert_false_positive"]
    # new episodes three days later: |z| 1.8 / 1.25 = 1.44 < 1.5 is no longer an alert in that scope only
    decisions = run(engine, 3, make_alert(day(3), scope=IOS, z=-1.8), make_alert(day(3), z=-1.8))
    assert decisions == {
        alert_key(make_alert(day(3), scope=IOS)): "desensitised",
        alert_key(make_alert(day(3))): "new",
    }
    # a severe move still alerts, one severity lower: 3.0 / 1.25 = 2.4 -> moderate
    result = evaluate(engine, [make_alert(day(6), scope=IOS, z=-3.0)], local(day(7), 9), POLICY, CONFIG)
    assert [(d.decision, d.alert.severity) for d in result.announced] == [("new", "moderate")]
    # more false positives: 1.25^2 = 1.5625, then capped at 2.0
    handle_alert_action(click("alert_false_positive", alert_key(first), local(day(8), 10)), context)
    handle_alert_action(click("alert_false_positive", alert_key(first), local(day(8), 11)), context)
    handle_alert_action(click("alert_false_positive", alert_key(first), local(day(8), 12)), context)
    state = load_series(engine, ["arpu|platform=iOS"])["arpu|platform=iOS"]
    assert (state.false_positives, state.threshold_multiplier) == (4, 2.0)


def test_explain_more_returns_the_alert_facts(engine: Engine) -> None:
    alert = make_alert(day(0), scope=IOS, z=-3.0)
    run(engine, 0, alert)
    outcome = handle_alert_action(
        click("explain_more", alert_key(alert), local(day(1), 10)), handler_context(engine)
    )
    assert outcome.note == "请求了更多解释"
    assert outcome.card is not None
    assert "2026-03-02" in outcome.card.title + (outcome.card.subtitle or "")
    facts = facts_card(alert, handler_context(engine))
    assert facts.title == "边现 异常详情 · 2026-03-02"
    fields = {f.label: f.value for f in facts.sections[0].fields}
    assert fields == {
        "实际": "0.3500",
        "预期": "0.5000",
        "正常范围": "0.4500 – 0.5500",
        "变化": "-30.0%",
        "异常分数": "-3.00",
    }


def test_unknown_value_is_recorded_without_failing(engine: Engine) -> None:
    outcome = handle_alert_action(click("alert_ack", "whatever", local(day(1), 10)), handler_context(engine))
    assert outcome.note.startswith("已确认")
