"""The Slack App Home and direct messages against a running app and the fake Slack Web API (real HTTP).

The home is published when opened (the user is remembered), republished after a button pressed on it and
after every daily scan from any process (``scan --notify`` here); its command buttons answer in the DM; a
direct message goes through the question router; every subscribed event is acknowledged with 200.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.context import AppContext
from bot.http_app import create_app
from bot.render.slack_home import MAX_HOME_BLOCKS, home_view
from core.calendar import ChineseCalendar
from handlers.card import Button
from handlers.demo_setup import load_demo
from handlers.home import HomeAlert, HomeView
from scheduler.feedback import register_lifecycle_hooks
from scheduler.pipeline import notify_scan
from storage.home_users_repo import home_users
from tests.fakes.slack_api import TEAM_ID, FakeSlack, ServerThread, block_action_payload, event_body
from tests.support.slack import click, post_signed, slack_context

END = dt.date(2026, 11, 23)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path, fake_slack: FakeSlack) -> AppContext:
    context = slack_context(tmp_path, fake_slack)
    load_demo(context.engine, end=END, days=70, seed=7, data_dir=tmp_path, calendar=ChineseCalendar())
    return context


@pytest.fixture
def server(context: AppContext) -> Iterator[ServerThread]:
    with ServerThread(create_app(context)) as running:
        yield running


def send_event(server: ServerThread, event: dict, event_id: str = "Ev1") -> int:
    return post_signed(
        server, event_body(event, event_id=event_id), content_type="application/json"
    ).status_code


def texts(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_opening_the_home_publishes_panel_alerts_freshness_and_commands(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    assert send_event(server, {"type": "app_home_opened", "tab": "home", "channel": "D0HOME"}) == 200
    published = fake_slack.wait_for("api", "views.publish")[0].body
    view = json.loads(published["view"]) if isinstance(published["view"], str) else published["view"]
    assert published["user_id"] == "U0USER" and view["type"] == "home"
    body = texts(view)
    assert "今日指标（整体，对比检测基线）" in body and "边现" in body  # the scan's panel
    assert "数据截至 2026-11-23" in body
    assert "近 7 天的告警" in body and "常用命令" in body
    actions = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["action_id"].split(":")[0] for e in actions} >= {"home_command"}
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert home_users(context.engine) == [(TEAM_ID, "U0USER")]  # remembered for the next scan


def test_the_messages_tab_is_acknowledged_and_publishes_nothing(
    server: ServerThread, fake_slack: FakeSlack
) -> None:
    assert send_event(server, {"type": "app_home_opened", "tab": "messages", "channel": "D0HOME"}) == 200
    assert (
        send_event(
            server,
            {
                "type": "message",
                "channel_type": "im",
                "channel": "D0HOME",
                "text": "本周各平台的边现",
                "ts": "1.1",
            },
            "Ev2",
        )
        == 200
    )
    fake_slack.wait_for("api", "chat.postMessage")
    assert fake_slack.api("views.publish") == []


def test_a_direct_message_is_answered_through_the_question_router(
    server: ServerThread, fake_slack: FakeSlack
) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0DM",
        "text": "上周各平台的边现",
        "ts": "1.2",
    }
    assert send_event(server, event) == 200
    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert posted["channel"] == "D0DM"
    assert json.dumps(posted["blocks"], ensure_ascii=False).count("边现 · 按平台 · 上周") == 1


def test_our_own_and_edited_messages_are_acknowledged_not_answered(
    server: ServerThread, fake_slack: FakeSlack
) -> None:
    for i, extra in enumerate(({"bot_id": "B0BOT"}, {"subtype": "message_changed"})):
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": "D0DM",
            "text": "帮助",
            "ts": f"2.{i}",
            **extra,
        }
        assert send_event(server, event, f"Ev{i}") == 200
    assert send_event(server, {"type": "app_home_opened", "tab": "home", "channel": "D0HOME"}, "Ev9") == 200
    fake_slack.wait_for("api", "views.publish")  # the app is done with the earlier events by now
    assert fake_slack.api("chat.postMessage") == []


def home_click(fake_slack: FakeSlack, action_id: str, value: str) -> dict:
    payload = block_action_payload(action_id, value, fake_slack.response_url("h"))
    payload["container"] = {"type": "view", "view_id": "V0HOME"}
    payload["view"] = {"id": "V0HOME", "type": "home", "blocks": []}
    for key in ("channel", "message", "response_url"):
        payload.pop(key)
    return payload


def test_a_home_command_button_answers_in_the_dm(server: ServerThread, fake_slack: FakeSlack) -> None:
    assert click(server, home_click(fake_slack, "home_command:2", "platform_7d")).status_code == 200
    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert posted["channel"] == "D0DMU0USER"  # conversations.open of the clicking user
    assert "边现 · 按平台 · 近 7 天（2026-11-17~2026-11-23）" in json.dumps(
        posted["blocks"], ensure_ascii=False
    )


def test_a_forged_home_command_runs_nothing(server: ServerThread, fake_slack: FakeSlack) -> None:
    assert click(server, home_click(fake_slack, "home_command:0", "rm -rf")).status_code == 200
    assert click(server, home_click(fake_slack, "home_command:1", "help")).status_code == 200
    fake_slack.wait_for("api", "chat.postMessage")  # the real one answered, the forged one never will
    assert len(fake_slack.api("chat.postMessage")) == 1


def test_an_alert_acknowledged_on_the_home_republishes_it_with_its_state(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    register_lifecycle_hooks()  # as serve does
    notify_scan(context, END)  # announces the demo's incident of END (console channel: no ALERT_CHANNEL)
    assert send_event(server, {"type": "app_home_opened", "tab": "home", "channel": "D0HOME"}) == 200
    first = fake_slack.wait_for("api", "views.publish")[0].body["view"]
    first = json.loads(first) if isinstance(first, str) else first
    ack = next(
        e
        for b in first["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("alert_ack")
    )
    assert "待处理" in texts(first)
    assert click(server, home_click(fake_slack, ack["action_id"], ack["value"])).status_code == 200
    second = fake_slack.wait_for("api", "views.publish", count=2)[1].body["view"]
    second = json.loads(second) if isinstance(second, str) else second
    assert "已确认" in texts(second)
    assert fake_slack.api("chat.update") == []  # nothing to edit: it was the home


def test_a_scan_run_by_another_process_republishes_the_remembered_homes(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    assert send_event(server, {"type": "app_home_opened", "tab": "home", "channel": "D0HOME"}) == 200
    fake_slack.wait_for("api", "views.publish")
    outcome = notify_scan(AppContext(context.settings), END)  # a second process: its own context
    assert outcome.state == "queued"
    calls = fake_slack.wait_for("api", "views.publish", count=2)
    assert calls[1].body["user_id"] == "U0USER"
    assert "近 7 天的告警" in texts(
        json.loads(calls[1].body["view"]) if isinstance(calls[1].body["view"], str) else calls[1].body["view"]
    )


def test_the_home_stays_within_block_kit_limits_and_escapes_text() -> None:
    alert = HomeAlert(
        headline="<!channel> 边现下降 *-20%*", state="open", state_text="待处理",
        buttons=[Button(action_id="alert_ack", label="确认", value="k")],
    )  # fmt: skip
    home = HomeView(
        title="会员运营智能助手", panel=[], alerts=[alert] * 60, freshness="数据截至 2026-11-23", commands=[],
        updated="更新于 2026-11-24 01:00 UTC",
    )  # fmt: skip
    view = home_view(home)
    assert len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert "<!channel>" not in texts(view) and "&lt;!channel&gt;" in texts(view)
    assert view["blocks"][-1]["type"] == "actions"  # the commands stay at the end when alerts are cut
