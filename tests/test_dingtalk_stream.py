"""DingTalk Stream mode and interactive alert cards against a local DingTalk (tests/fakes/dingtalk_stream.py):
the gateway's connections/open and single-use tickets, frames and their acks over a real WebSocket, robot
messages answered through the sessionWebhook, 绑定告警群, the daily alerts as cards through the OpenAPI
(cached token, 429 retried), clicks acting once and updating the card in place, recoveries updating it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.dingtalk.alert_cards import out_track_id
from bot.dingtalk.stream_app import stream_client
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from scheduler.feedback import register_lifecycle_hooks
from scheduler.pipeline import notify_scan
from storage.messenger_repo import bound_target
from storage.outbox_repo import deliveries_of
from storage.tables import AlertFeedback, MessengerCard
from tests.fakes.app_context import migrated_context
from tests.fakes.dingtalk_stream import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeDingTalkOpen,
    bot_message,
    card_click,
    disconnect,
    ping,
)
from tests.support.running_client import Running

END = dt.date(2026, 11, 23)


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalkOpen]:
    with FakeDingTalkOpen() as fake:
        yield fake


def app_context(tmp_path: Path, fake: FakeDingTalkOpen, **extra: object):  # type: ignore[no-untyped-def]
    return migrated_context(
        tmp_path, dingtalk_client_id=CLIENT_ID, dingtalk_client_secret=CLIENT_SECRET, dingtalk_api_url=fake.api_url,
        **extra,
    )  # fmt: skip


def test_connects_with_its_subscriptions_and_acks_a_ping_as_documented(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    with Running(stream_client(app_context(tmp_path, dingtalk))):
        dingtalk.wait_connected()
        dingtalk.push(ping("p-1"))
        answer = dingtalk.wait_ack("p-1")
    opened = dingtalk.opened[0]
    assert (opened["clientId"], opened["clientSecret"]) == (CLIENT_ID, CLIENT_SECRET)
    assert {s["topic"] for s in opened["subscriptions"]} == {
        "/v1.0/im/bot/messages/get",
        "/v1.0/card/instances/callback",
    }
    assert all(s["type"] == "CALLBACK" for s in opened["subscriptions"])
    assert answer == {
        "code": 200, "headers": {"messageId": "p-1", "contentType": "application/json"}, "message": "OK",
        "data": json.dumps({"opaque": "p-1"}),
    }  # fmt: skip


def test_a_robot_message_is_acked_then_answered_once_even_when_delivered_again(
    tmp_path: Path, dingtalk
) -> None:  # type: ignore[no-untyped-def]
    with Running(stream_client(app_context(tmp_path, dingtalk))):
        dingtalk.wait_connected()
        message = bot_message("m-1", "@助手 帮助", dingtalk.session_webhook("a"))
        dingtalk.push(message)
        first = dingtalk.wait_ack("m-1")
        dingtalk.wait(lambda: len(dingtalk.session_messages) >= 1, "the reply")
        dingtalk.push(message)  # DingTalk redelivers a frame whose ack it missed
        second = dingtalk.wait_ack("m-1", count=2)
        dingtalk.push(bot_message("m-2", "@助手 帮助", dingtalk.session_webhook("a"), msg_id="msg-m-1"))
        dingtalk.wait_ack("m-2")
        dingtalk.push(ping("p-after"))
        dingtalk.wait_ack("p-after")
    assert first == second and first["code"] == 200
    assert len(dingtalk.session_messages) == 1  # one answer for one message
    assert dingtalk.session_messages[0]["markdown"]["title"] == "会员运营智能助手"


def test_disconnect_gets_a_new_ticket_and_the_old_one_is_never_reused(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    with Running(stream_client(app_context(tmp_path, dingtalk))):
        dingtalk.wait_connected()
        dingtalk.push(disconnect())
        dingtalk.wait_ack("bye-1")
        dingtalk.wait(lambda: dingtalk.connections >= 2, "a second connection")
        dingtalk.wait_connected(2)
        dingtalk.push(ping("p-2"))
        dingtalk.wait_ack("p-2")
    assert len(dingtalk.opened) >= 2 and all(dingtalk.tickets.values())
    assert dingtalk.refused_tickets == 0


def test_a_failing_gateway_is_retried_until_it_answers(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    context = app_context(tmp_path, dingtalk)
    running = Running(stream_client(context))
    running.client._secret = "wrong"  # the first attempts fail, as if being rotated
    with running:
        dingtalk.wait(lambda: sum(c[2] == 401 for c in dingtalk.calls) >= 2, "two refused opens")
        running.client._secret = CLIENT_SECRET
        dingtalk.wait_connected()
    assert next(c[2] for c in dingtalk.calls if c[1].endswith("/open")) == 401


def test_bind_the_alert_group_from_the_group(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    context = app_context(tmp_path, dingtalk)
    with Running(stream_client(context)):
        dingtalk.wait_connected()
        dingtalk.push(
            bot_message("b-1", "@助手 绑定告警群", dingtalk.session_webhook("g"), conversation_id="cid-ops")
        )
        dingtalk.wait(lambda: dingtalk.session_messages, "the answer")
    assert bound_target(context.engine, "dingtalk", "alerts") == "cid-ops"
    assert "已绑定告警群" in dingtalk.session_messages[0]["markdown"]["title"]


@pytest.fixture
def alert_setup(tmp_path: Path, dingtalk):  # type: ignore[no-untyped-def]
    register_lifecycle_hooks()
    context = app_context(tmp_path, dingtalk, dingtalk_card_template_id="tpl-alert", dingtalk_alert_conversation_id="cid-ops",
                          download_secret="dl", public_base_url="https://memberops.example")  # fmt: skip
    load_demo(context.engine, end=END, days=70, seed=7, data_dir=tmp_path, calendar=ChineseCalendar())
    return context


def test_the_daily_alerts_go_out_as_interactive_cards(alert_setup, dingtalk) -> None:  # type: ignore[no-untyped-def]
    dingtalk.script(
        "/v1.0/card/instances/createAndDeliver", 429, {"code": "Forbidden.AccessDenied.QpsLimitForApi"}
    )
    outcome = notify_scan(alert_setup, END)
    assert "dingtalk_cards" in outcome.queued
    [row] = deliveries_of(alert_setup.engine, f"digest:{END}")
    assert row.status == "pending" and "429" in (row.last_error or "")  # throttled: retried later, not failed
    from scheduler.pipeline import deliver_now, runtime_from_context

    runtime = runtime_from_context(alert_setup, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    deliver_now(runtime)
    [row] = deliveries_of(alert_setup.engine, f"digest:{END}")
    assert row.status == "sent", row.last_error
    summary, *alerts = dingtalk.cards
    assert alerts, "the demo's incident is announced"
    for body in dingtalk.cards:
        assert body["cardTemplateId"] == "tpl-alert" and body["callbackType"] == "STREAM"
        assert body["openSpaceId"] == "dtv1.card//IM_GROUP.cid-ops"
        assert body["imGroupOpenDeliverModel"] == {"robotCode": CLIENT_ID}
    assert summary["cardData"]["cardParamMap"]["has_actions"] == "false"
    params = alerts[0]["cardData"]["cardParamMap"]
    assert params["has_actions"] == "true" and params["status"] == "待处理" and params["title"]
    assert params["checklist_url"].startswith("https://memberops.example/downloads/")
    assert dingtalk.token_requests == 2  # one per process (two runtimes here), cached for all its cards
    assert len(dingtalk.cards) >= 2
    assert len({b["outTrackId"] for b in dingtalk.cards}) == len(
        dingtalk.cards
    )  # the retry sent no duplicate


def test_a_click_acts_once_and_updates_the_card_in_place(alert_setup, dingtalk) -> None:  # type: ignore[no-untyped-def]
    notify_scan(alert_setup, END)
    track = dingtalk.cards[1]["outTrackId"]
    with Running(stream_client(alert_setup)):
        dingtalk.wait_connected()
        dingtalk.push(
            bot_message("hi", "@助手 帮助", dingtalk.session_webhook("z"), sender="staff-zhang", nick="张三")
        )
        dingtalk.wait_ack("hi")
        click = card_click("c-1", track, "alert_ack", user_id="staff-zhang")
        dingtalk.push(click)
        answer = json.loads(dingtalk.wait_ack("c-1")["data"])["response"]
        dingtalk.push(click)  # redelivered
        again = json.loads(dingtalk.wait_ack("c-1", count=2)["data"])["response"]
        dingtalk.push(card_click("c-2", track, "explain_more", user_id="staff-li"))
        explained = json.loads(dingtalk.wait_ack("c-2")["data"])["response"]
        dingtalk.push(card_click("c-3", "mo-forged", "alert_ack"))
        forged = json.loads(dingtalk.wait_ack("c-3")["data"])["response"]
    status = answer["cardData"]["cardParamMap"]["status"]
    assert status.startswith("已确认") and " · 张三 " in status  # the name from a message of theirs
    assert answer["cardData"]["cardParamMap"]["done"] == "true"
    assert again == answer
    with alert_setup.engine.connect() as connection:
        acks = connection.execute(
            select(func.count()).select_from(AlertFeedback).where(AlertFeedback.action == "alert_ack")
        ).scalar_one()
    assert acks == 1  # acted once
    assert set(explained["privateData"]) == {"staff-li"}  # the explanation only for who asked
    assert explained["privateData"]["staff-li"]["cardParamMap"]["explanation"]
    assert "explanation" not in explained["cardData"]["cardParamMap"]
    assert forged is None


def test_a_recovery_updates_the_cards_of_the_recovered_alert(alert_setup, dingtalk) -> None:  # type: ignore[no-untyped-def]
    from handlers.card import Amend, Card
    from scheduler.channels import SendJob
    from scheduler.pipeline import runtime_from_context

    notify_scan(alert_setup, END)
    with alert_setup.engine.connect() as connection:
        key = (
            connection.execute(
                select(MessengerCard.alert_key).where(MessengerCard.alert_key.like(f"{END}|%"))
            )
            .scalars()
            .first()
        )
    fingerprint = key.split("|", 1)[1]
    channel = runtime_from_context(alert_setup).channels["dingtalk_cards"]
    recovery = Card(
        title="已恢复",
        amends=[Amend(digest_key=f"digest:{END}", line="✅ 已恢复 · 持续 1 天", fingerprint=fingerprint)],
    )
    channel.send(SendJob(f"recovery:{END + dt.timedelta(days=1)}", recovery, 0, None, False, lambda *_: None))
    [update] = dingtalk.updates
    assert update["outTrackId"] == out_track_id(key)
    assert update["cardData"]["cardParamMap"] == {"status": "✅ 已恢复 · 持续 1 天", "done": "true"}


def test_the_shipped_template_binds_every_value_we_send_and_every_action() -> None:
    from bot.dingtalk.alert_cards import card_params
    from handlers.alert_actions import ALERT_ACTIONS
    from handlers.card import Card

    template = json.loads(
        (Path(__file__).resolve().parents[1] / "bot/dingtalk/alert_card_template.json").read_text()
    )
    names = {v["name"] for v in template["variables"]}
    sent = set(card_params(Card(title="t"), [], "待处理")) | {"has_actions", "explanation"}
    assert sent <= names
    row = next(c for c in template["layout"] if c["component"] == "action_row")
    actions = [b["params"]["action"] for b in row["buttons"] if b["event"] == "callback"]
    assert sorted(actions) == sorted(ALERT_ACTIONS)


def test_serve_keeps_the_stream_connection_open(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    from bot.http_app import create_app
    from tests.fakes.slack_api import ServerThread

    with ServerThread(create_app(app_context(tmp_path, dingtalk)), lifespan="on") as server:
        dingtalk.wait_connected()
        dingtalk.push(ping("p-serve"))
        assert dingtalk.wait_ack("p-serve")["code"] == 200
        import httpx

        health = httpx.get(f"{server.url}/healthz").json()
        assert health["connections"] == {"dingtalk_stream": "connected"}
    dingtalk.wait(lambda: dingtalk.closed_connections >= 1, "the socket closed with the app")


def test_a_click_whose_ack_is_lost_with_the_connection_acts_once(alert_setup, dingtalk) -> None:  # type: ignore[no-untyped-def]
    notify_scan(alert_setup, END)
    track = dingtalk.cards[1]["outTrackId"]
    with Running(stream_client(alert_setup)):
        dingtalk.wait_connected()
        click = card_click("c-lost", track, "alert_false_positive", user_id="staff-zhang")
        dingtalk.drop_on_ack.add("c-lost")
        dingtalk.push(click)
        dingtalk.wait(lambda: dingtalk.connections >= 2, "the reconnection")
        dingtalk.wait_connected(2)
        dingtalk.push(click)  # DingTalk redelivers what was never acknowledged
        answer = json.loads(dingtalk.wait_ack("c-lost")["data"])["response"]
    assert answer["cardData"]["cardParamMap"]["status"].startswith("标记为误报")
    with alert_setup.engine.connect() as connection:
        marked = connection.execute(
            select(func.count())
            .select_from(AlertFeedback)
            .where(AlertFeedback.action == "alert_false_positive")
        ).scalar_one()
    assert marked == 1  # the threshold was raised once, not twice


def test_only_one_replica_holds_the_connection_and_another_takes_over(tmp_path: Path, dingtalk) -> None:  # type: ignore[no-untyped-def]
    import time

    context = app_context(tmp_path, dingtalk)
    first, second = Running(stream_client(context)), Running(stream_client(context))
    first.__enter__()
    dingtalk.wait_connected()
    with second:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not second.client.standing_by:
            time.sleep(0.02)
        assert second.client.standing_by and dingtalk.connections == 1
        first.__exit__(None, None, None)  # the holder stops and gives the lease up
        dingtalk.wait(lambda: dingtalk.connections >= 2, "the stand-by replica connecting")
        assert not second.client.standing_by


def test_an_expired_snooze_is_said_on_the_card_at_the_next_delivery(alert_setup, dingtalk) -> None:  # type: ignore[no-untyped-def]
    from handlers.card import Card
    from scheduler.channels import SendJob
    from scheduler.pipeline import runtime_from_context

    notify_scan(alert_setup, END)
    track = dingtalk.cards[1]["outTrackId"]
    with Running(stream_client(alert_setup)):
        dingtalk.wait_connected()
        dingtalk.push(card_click("s-1", track, "alert_snooze"))
        status = json.loads(dingtalk.wait_ack("s-1")["data"])["response"]["cardData"]["cardParamMap"][
            "status"
        ]
    assert status.startswith("已暂停提醒")
    channel = runtime_from_context(alert_setup).channels["dingtalk_cards"]
    channel.send(SendJob(f"digest:{END}-next", Card(title="次日"), 0, None, False, lambda *_: None))
    assert dingtalk.updates == []  # still snoozed
    channel.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    channel.send(SendJob(f"digest:{END}-later", Card(title="三天后"), 0, None, False, lambda *_: None))
    [update] = dingtalk.updates
    assert update["outTrackId"] == track and update["cardData"]["cardParamMap"]["status"].startswith(
        "暂停已结束"
    )
