"""Without an AI bot: the self-built app's alert cards to named users, clicks through the encrypted callback
(signed and encrypted here with WeCom's documented scheme), the card replaced with update_template_card."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xmltodict
from starlette.applications import Starlette
from starlette.testclient import TestClient
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.wecom.callback import routes
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from scheduler.feedback import register_lifecycle_hooks
from scheduler.pipeline import notify_scan
from storage.outbox_repo import deliveries_of
from tests.fakes.app_context import migrated_context
from tests.fakes.fake_clock import FakeClock
from tests.fakes.wecom_api import FakeWeCom

END = dt.date(2026, 11, 23)
TOKEN, AES_KEY, CORP_ID = "callback-token", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-corp"


def click_xml(
    task: str, key: str, user: str = "zhangsan", code: str = "code-1", created: str = "1700000000"
) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{key}]]></EventKey>"
        f"<TaskId><![CDATA[{task}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode><![CDATA[{code}]]></ResponseCode><AgentID>1000002</AgentID></xml>"
    )


def post(client: TestClient, plain: str, clock: FakeClock, nonce: str) -> int:
    stamp = str(int(clock.now))
    envelope = xmltodict.parse(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(plain, nonce, stamp))[
        "xml"
    ]
    body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    params = {"msg_signature": envelope["MsgSignature"], "timestamp": stamp, "nonce": nonce}
    return client.post("/wecom/callback", params=params, content=body).status_code


def test_alert_cards_to_named_users_and_a_click_replaces_the_card(tmp_path: Path) -> None:
    register_lifecycle_hooks()
    clock = FakeClock()
    with FakeWeCom() as wecom:
        context = migrated_context(
            tmp_path, wecom_token=TOKEN, wecom_encoding_aes_key=AES_KEY, wecom_corp_id=CORP_ID, wecom_agent_id="1000002",
            wecom_secret="app-secret", wecom_api_url=wecom.api_url, wecom_alert_users="zhangsan|lisi",
        )  # fmt: skip
        load_demo(context.engine, end=END, days=70, seed=7, data_dir=tmp_path, calendar=ChineseCalendar())
        outcome = notify_scan(context, END)
        assert "wecom_app_cards" in outcome.queued
        [row] = [r for r in deliveries_of(context.engine, f"digest:{END}") if r.channel == "wecom_app_cards"]
        assert row.status == "sent", row.last_error
        cards = [m for m in wecom.app_messages if m["msgtype"] == "template_card"]
        assert cards and all(m["touser"] == "zhangsan|lisi" and m["agentid"] == 1000002 for m in cards)
        task = cards[0]["template_card"]["task_id"]
        assert next(b["key"] for b in cards[0]["template_card"]["button_list"]) == "alert_ack"

        with TestClient(Starlette(routes=routes(context, clock=clock))) as client:
            assert post(client, click_xml(task, "alert_ack"), clock, "n1") == 200
            assert (
                post(client, click_xml(task, "alert_ack"), clock, "n2") == 200
            )  # redelivered, new signature
            assert post(client, click_xml("mo_forged", "alert_ack", code="code-9"), clock, "n3") == 200
            assert (
                post(
                    client,
                    click_xml(task, "explain_more", user="lisi", code="code-2", created="1700000100"),
                    clock,
                    "n4",
                )
                == 200
            )
        first, explained = wecom.card_updates
    assert (first["userids"], first["response_code"], first["agentid"]) == (["zhangsan"], "code-1", 1000002)
    status = next(
        i["value"] for i in first["template_card"]["horizontal_content_list"] if i["keyname"] == "状态"
    )
    assert status.startswith("已确认") and " · zhangsan " in status
    assert first["template_card"]["card_type"] == "text_notice"  # acknowledged: the buttons are gone
    assert explained["userids"] == ["lisi"] and explained["template_card"]["button_list"]
