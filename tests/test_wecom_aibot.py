"""The WeCom AI bot's long connection against a local endpoint speaking its protocol (tests/fakes/wecom_aibot.py):
subscribe, heartbeat, reconnect, a takeover not fought; messages answered once; 绑定告警群; the alerts as
button cards over the connection; a click acting once and updating the card within the window."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.wecom.aibot_app import aibot_client
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from scheduler.feedback import register_lifecycle_hooks
from scheduler.pipeline import notify_scan
from storage.messenger_repo import bound_target
from storage.outbox_repo import deliveries_of
from storage.tables import AlertFeedback
from tests.fakes.app_context import migrated_context
from tests.fakes.wecom_aibot import (
    BOT_ID,
    BOT_SECRET,
    FakeAIBot,
    card_event,
    disconnected_event,
    text_message,
)
from tests.support.running_client import Running

END = dt.date(2026, 11, 23)


@pytest.fixture
def aibot() -> Iterator[FakeAIBot]:
    with FakeAIBot() as fake:
        yield fake


def app_context(tmp_path: Path, fake: FakeAIBot, **extra: object):  # type: ignore[no-untyped-def]
    return migrated_context(
        tmp_path, wecom_bot_id=BOT_ID, wecom_bot_secret=BOT_SECRET, wecom_bot_ws_url=fake.url, **extra
    )


def connected(context, heartbeat_s: float = 30.0) -> Running:  # type: ignore[no-untyped-def]
    client = aibot_client(context)
    client.heartbeat_s = heartbeat_s
    return Running(client)


def ready(run: Running) -> None:
    """Subscribed, as the app sees it (the fake counts the subscription a moment earlier)."""
    run.until(run.client.authenticated.is_set, "subscribed")


def test_subscribes_with_its_credentials_and_keeps_the_heartbeat(tmp_path: Path, aibot: FakeAIBot) -> None:
    with connected(app_context(tmp_path, aibot), heartbeat_s=0.2):
        aibot.wait_subscribed()
        aibot.wait(lambda: len(aibot.of("ping")) >= 2, "two heartbeats")
    subscribe = aibot.received[0]
    assert subscribe["cmd"] == "aibot_subscribe" and subscribe["body"] == {
        "bot_id": BOT_ID,
        "secret": BOT_SECRET,
    }
    assert subscribe["headers"]["req_id"]
    assert all(p["headers"]["req_id"] for p in aibot.of("ping"))


def test_a_message_is_answered_once_on_its_own_req_id(tmp_path: Path, aibot: FakeAIBot) -> None:
    with connected(app_context(tmp_path, aibot)):
        aibot.wait_subscribed()
        message = text_message("@机器人 帮助", msgid="m-1")
        aibot.push(message)
        aibot.wait(lambda: aibot.of("aibot_respond_msg"), "the answer")
        aibot.push(message)  # delivered again
        aibot.push(text_message("@机器人 帮助", msgid="m-2"))
        aibot.wait(lambda: len(aibot.of("aibot_respond_msg")) >= 2, "the second message's answer")
    first = aibot.of("aibot_respond_msg")[0]
    assert first["headers"]["req_id"] == message["headers"]["req_id"]
    assert first["body"]["msgtype"] == "stream" and first["body"]["stream"]["finish"] is True
    assert "会员运营智能助手" in first["body"]["stream"]["content"]
    assert len(aibot.of("aibot_respond_msg")) == 2  # m-1 once, m-2 once


def test_a_takeover_is_not_fought_and_a_lost_socket_is_reconnected(tmp_path: Path, aibot: FakeAIBot) -> None:
    import bot.wecom.aibot as module

    context = app_context(tmp_path, aibot)
    with connected(context) as run:
        aibot.wait_subscribed()
        waits: list[float] = []

        async def recording_sleep(seconds: float) -> None:
            waits.append(seconds)
            await asyncio.sleep(0.01)

        run.client.sleep = recording_sleep  # type: ignore[method-assign]
        aibot.push(disconnected_event())
        aibot.wait(lambda: aibot.closed_connections >= 1, "the old connection closed")
        aibot.wait(lambda: waits, "the wait after the takeover")
        assert waits[0] == module.SUPERSEDED_WAIT_S and run.client.superseded == 1
        aibot.wait(lambda: aibot.connections >= 2, "the connection back (the test's wait is short)")


def test_wrong_credentials_are_retried_with_backoff(tmp_path: Path, aibot: FakeAIBot) -> None:
    context = migrated_context(
        tmp_path, wecom_bot_id=BOT_ID, wecom_bot_secret="wrong", wecom_bot_ws_url=aibot.url
    )
    with connected(context):
        aibot.wait(lambda: aibot.connections >= 2, "a second attempt")
    assert aibot.subscribed == 0


def test_bind_the_alert_group(tmp_path: Path, aibot: FakeAIBot) -> None:
    context = app_context(tmp_path, aibot)
    with connected(context):
        aibot.wait_subscribed()
        aibot.push(text_message("@机器人 绑定告警群", chatid="chat-alerts"))
        aibot.wait(lambda: aibot.of("aibot_respond_msg"), "the answer")
    assert bound_target(context.engine, "wecom", "alerts") == "chat-alerts"
    assert "已绑定告警群" in aibot.of("aibot_respond_msg")[0]["body"]["stream"]["content"]


@pytest.fixture
def alerting(tmp_path: Path, aibot: FakeAIBot):  # type: ignore[no-untyped-def]
    register_lifecycle_hooks()
    context = app_context(tmp_path, aibot, wecom_bot_chat_id="chat-ops", download_secret="dl",
                          public_base_url="https://memberops.example")  # fmt: skip
    load_demo(context.engine, end=END, days=70, seed=7, data_dir=tmp_path, calendar=ChineseCalendar())
    return context


def test_alerts_wait_for_the_connection_then_go_out_as_button_cards(alerting, aibot: FakeAIBot) -> None:  # type: ignore[no-untyped-def]
    notify_scan(alerting, END)  # no connection in this process yet: queued, retried later
    [row] = deliveries_of(alerting.engine, f"digest:{END}")
    assert row.status == "pending" and "not connected" in (row.last_error or "")
    with connected(alerting) as run:
        ready(run)
        from scheduler.pipeline import deliver_now, runtime_from_context

        deliver_now(
            runtime_from_context(alerting, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        )
    [row] = deliveries_of(alerting.engine, f"digest:{END}")
    assert row.status == "sent", row.last_error
    sent = aibot.of("aibot_send_msg")
    assert sent[0]["body"]["msgtype"] == "markdown" and sent[0]["body"]["chatid"] == "chat-ops"
    cards = [f["body"]["template_card"] for f in sent if f["body"]["msgtype"] == "template_card"]
    assert cards, "the demo's incident is announced as a card"
    first = cards[0]
    assert first["card_type"] == "button_interaction"
    assert [b["key"] for b in first["button_list"]] == [
        "alert_ack",
        "alert_snooze",
        "alert_false_positive",
        "explain_more",
    ]
    assert first["jump_list"][0]["url"].startswith("https://memberops.example/downloads/")
    assert len(first["task_id"]) <= 128


def test_a_click_acts_once_and_the_card_is_updated_in_place(alerting, aibot: FakeAIBot) -> None:  # type: ignore[no-untyped-def]
    with connected(alerting) as run:
        ready(run)
        notify_scan(alerting, END)
        task = next(f["body"]["template_card"]["task_id"] for f in aibot.of("aibot_send_msg")
                    if f["body"]["msgtype"] == "template_card")  # fmt: skip
        click = card_event(task, "alert_ack", msgid="e-1", userid="lisi")
        aibot.push(click)
        aibot.wait(lambda: aibot.of("aibot_respond_update_msg"), "the card update")
        aibot.push(click)  # redelivered
        aibot.push(card_event(task, "explain_more", msgid="e-2", userid="wangwu"))
        aibot.wait(lambda: len(aibot.of("aibot_respond_update_msg")) >= 3, "three updates")
        aibot.push(card_event("mo_forged", "alert_ack", msgid="e-3"))
        aibot.push(card_event(task, "rm -rf", msgid="e-4"))
    update = aibot.of("aibot_respond_update_msg")[0]
    assert update["headers"]["req_id"] == click["headers"]["req_id"]  # the answer to that very event
    card = update["body"]["template_card"]
    assert update["body"]["response_type"] == "update_template_card" and card["task_id"] == task
    status = next(item["value"] for item in card["horizontal_content_list"] if item["keyname"] == "状态")
    assert status.startswith("已确认") and " · lisi " in status
    assert card["card_type"] == "text_notice"  # acknowledged: no buttons left to press
    with alerting.engine.connect() as connection:
        acks = connection.execute(
            select(func.count()).select_from(AlertFeedback).where(AlertFeedback.action == "alert_ack")
        ).scalar_one()
    assert acks == 1
    private = aibot.of("aibot_respond_update_msg")[2]["body"]
    assert private["userids"] == ["wangwu"]  # the explanation only for who asked
    assert len(aibot.of("aibot_respond_update_msg")) == 3  # nothing for the forged clicks


def test_only_one_replica_subscribes_the_bot(tmp_path: Path, aibot: FakeAIBot) -> None:
    import time

    context = app_context(tmp_path, aibot)
    first, second = connected(context), connected(context)
    first.__enter__()
    ready(first)
    with second:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not second.client.standing_by:
            time.sleep(0.02)
        assert (
            second.client.standing_by and aibot.subscribed == 1
        )  # no second connection to take the bot over
        first.__exit__(None, None, None)
        ready(second)
    assert aibot.subscribed == 2
