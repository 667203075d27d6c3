"""A recovery end to end: an announced anomaly that stops alerting is resolved, the Slack digest that
announced it is updated in place (chat.update on the fake Slack Web API, real HTTP), DingTalk/WeCom-style
robot channels get one short notice, and a rerun announces nothing twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from scheduler.alert_keys import alert_fingerprint
from scheduler.pipeline import recovery_key, run_for_day
from storage.alerts_repo import load_series
from storage.outbox_repo import deliveries_of
from tests.fakes.slack_api import FakeSlack, Scripted
from tests.test_scheduler_slack import slack_channel
from tests.test_scheduler_support import (
    FakeClock,
    RecordingChannel,
    ScriptedScans,
    local,
    make_alert,
    make_runtime,
)

D1, D2, D3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)


def two_day_incident() -> ScriptedScans:
    """边现 of the total alerts on D1 and D2 (announced on D1, continuing on D2), back to normal on D3."""
    return ScriptedScans(
        alerts={D1: [make_alert(D1, z=-3.2)], D2: [make_alert(D2, z=-3.1)], D3: []},
        days_with_data={D1, D2, D3},
    )


def run_three_days(sqlite_engine: Engine, channels: dict, scans: ScriptedScans) -> list:  # type: ignore[type-arg]
    outcomes = []
    for day in (D1, D2, D3):
        clock = FakeClock(local(day + dt.timedelta(days=1), 9))
        outcomes.append(run_for_day(make_runtime(sqlite_engine, channels, clock, scans), day))
    return outcomes


def test_a_recovery_updates_the_slack_digest_in_place(sqlite_engine: Engine, slack: FakeSlack) -> None:
    outcomes = run_three_days(sqlite_engine, {"slack": slack_channel(slack)}, two_day_incident())
    assert [o.recovered for o in outcomes] == [0, 0, 1]
    posts = [c for c in slack.api("chat.postMessage") if c.status == 200]
    digest_ts = deliveries_of(sqlite_engine, "digest:2026-03-02")[0].thread_ref
    assert digest_ts is not None
    [update] = slack.api("chat.update")
    assert update.body["channel"] == "C0ALERTS" and update.body["ts"] == digest_ts
    last = update.body["blocks"][-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == (
        "✅ 已恢复 · 持续 2 天 · 边现 · 整体（2026-03-02 ~ 2026-03-03，2026-03-04 回到正常范围）"
    )
    assert update.body["blocks"][0] == posts[0].body["blocks"][0]  # the digest itself is kept
    # no new message for the recovery on Slack: the digests of D2 and D3 are the only other posts
    assert not any("已恢复" in str(p.body.get("blocks")) for p in posts)
    [row] = deliveries_of(sqlite_engine, recovery_key(D3))
    assert row.status == "sent"
    state = load_series(sqlite_engine, [alert_fingerprint(make_alert(D1))])
    assert next(iter(state.values())).resolved_day == D3


def test_the_update_keeps_what_the_message_shows_now(sqlite_engine: Engine, slack: FakeSlack) -> None:
    scans = two_day_incident()
    channels = {"slack": slack_channel(slack)}
    for day in (D1, D2):
        run_for_day(
            make_runtime(sqlite_engine, channels, FakeClock(local(day + dt.timedelta(days=1), 9)), scans), day
        )
    ts = deliveries_of(sqlite_engine, "digest:2026-03-02")[0].thread_ref
    acked = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "digest"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "<@U1> 已确认"}]},
    ]
    slack.script(
        "conversations.history", Scripted(200, {"ok": True, "messages": [{"ts": ts, "blocks": acked}]})
    )
    run_for_day(
        make_runtime(sqlite_engine, channels, FakeClock(local(D3 + dt.timedelta(days=1), 9)), scans), D3
    )
    [update] = slack.api("chat.update")
    assert update.body["blocks"][:2] == acked
    assert update.body["blocks"][2]["elements"][0]["text"].startswith("✅ 已恢复 · 持续 2 天")


def test_robot_channels_get_one_short_notice_and_a_rerun_sends_nothing(sqlite_engine: Engine) -> None:
    robot = RecordingChannel("dingtalk")
    scans = two_day_incident()
    run_three_days(sqlite_engine, {"dingtalk": robot}, scans)
    notices = [s for s in robot.sent if s[0] == recovery_key(D3)]
    assert notices == [(recovery_key(D3), 0, "2026-03-04 已恢复：1 个异常")]
    job = next(j for j in robot.jobs if j.digest_key == recovery_key(D3))
    assert job.card.sections[0].bullets[0].startswith("✅ 已恢复 · 持续 2 天 · 边现 · 整体")
    again = run_for_day(
        make_runtime(
            sqlite_engine, {"dingtalk": robot}, FakeClock(local(D3 + dt.timedelta(days=1), 10)), scans
        ),
        D3,
    )
    assert again.state == "already_queued" and again.recovered == 0
    assert [s for s in robot.sent if s[0] == recovery_key(D3)] == notices


def test_a_quiet_episode_never_announced_does_not_recover_and_a_new_one_can(sqlite_engine: Engine) -> None:
    robot = RecordingChannel("wecom")
    d4, d5 = D3 + dt.timedelta(days=1), D3 + dt.timedelta(days=2)
    scans = ScriptedScans(
        alerts={D1: [make_alert(D1, z=-3.2)], D2: [], D3: [make_alert(D3, z=-3.3)], d4: [], d5: []},
        days_with_data={D1, D2, D3, d4, d5},
    )
    recovered = [
        run_for_day(
            make_runtime(
                sqlite_engine, {"wecom": robot}, FakeClock(local(day + dt.timedelta(days=1), 9)), scans
            ),
            day,
        ).recovered
        for day in (D1, D2, D3, d4, d5)
    ]
    assert recovered == [0, 1, 0, 1, 0]  # each announced episode recovers once, the day after it ends


def test_scan_json_marks_a_series_back_to_normal_as_recovered() -> None:
    from core.detection import alerts_to_json
    from tests.test_scheduler_support import scan_result

    result = scan_result(D2, [make_alert(D2, metric="dau", scope={"platform": "iOS"}, z=2.4)])
    result = result.model_copy(update={"dates": [D2, D3]})
    before = [make_alert(D1, z=-3.2), make_alert(D1, metric="dau", scope={"platform": "iOS"}, z=2.2)]
    rows = alerts_to_json(result, before)
    assert [(r["date"], r["metric"], r["status"], r["notify"]) for r in rows] == [
        ("2026-03-03", "dau", "alert", True),
        ("2026-03-03", "arpu", "recovered", False),  # alerted on D1, not on D2
        ("2026-03-04", "dau", "recovered", False),
    ]
    assert rows[1]["scope"] == {} and rows[1]["last_alert_day"] == "2026-03-02"
    assert rows[2]["scope"] == {"platform": "iOS"}
