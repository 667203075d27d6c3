"""Plain questions from DingTalk and WeCom take the same router as Slack and `ask`: signed callbacks from the
test-side implementations of their schemes, the answers read off the fake platforms' APIs."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import xmltodict
from starlette.applications import Starlette
from starlette.testclient import TestClient
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.dingtalk.callback import routes as dingtalk_routes
from bot.wecom.callback import routes as wecom_routes
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from tests.fakes.app_context import migrated_context
from tests.fakes.dingtalk_api import FakeDingTalk, documented_sign
from tests.fakes.fake_clock import FakeClock
from tests.fakes.wecom_api import FakeWeCom

END = dt.date(2026, 11, 23)
QUESTION = "2026-11-17~2026-11-23 各平台的边现"  # dates: the callbacks' "today" is the real one
TITLE = "边现 · 按平台"
AES_KEY, TOKEN, CORP_ID = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "callback-token", "ww-corp"


def with_demo(context):  # type: ignore[no-untyped-def]
    load_demo(
        context.engine,
        end=END,
        days=60,
        seed=7,
        data_dir=context.settings.data_dir,
        calendar=ChineseCalendar(),
    )
    return context


def test_a_dingtalk_question_is_routed_and_answered(tmp_path: Path) -> None:
    clock = FakeClock()
    with FakeDingTalk() as dingtalk:
        context = with_demo(
            migrated_context(tmp_path, dingtalk_app_secret="s", dingtalk_webhook_url=dingtalk.webhook_url)
        )
        with TestClient(Starlette(routes=dingtalk_routes(context, clock=clock))) as client:
            body = {
                "msgtype": "text", "text": {"content": f"@助手 {QUESTION}"}, "msgId": "q1", "conversationType": "2",
                "senderNick": "小王", "senderStaffId": "staff1", "sessionWebhook": dingtalk.session_webhook("q"),
                "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000,
            }  # fmt: skip
            stamp = str(int(clock.now * 1000))
            headers = {"timestamp": stamp, "sign": documented_sign("s", stamp)}
            assert (
                client.post("/dingtalk/callback", content=json.dumps(body), headers=headers).status_code
                == 200
            )
        [reply] = dingtalk.session_messages
    assert TITLE in reply["markdown"]["title"] + reply["markdown"]["text"]
    assert "TV" in reply["markdown"]["text"] and "比整体" in reply["markdown"]["text"]


def test_a_wecom_question_is_routed_and_answered(tmp_path: Path) -> None:
    clock = FakeClock()
    with FakeWeCom() as wecom:
        context = with_demo(
            migrated_context(
                tmp_path, wecom_token=TOKEN, wecom_encoding_aes_key=AES_KEY, wecom_corp_id=CORP_ID,
                wecom_agent_id="1000002", wecom_secret="app-secret", wecom_api_url=wecom.api_url,
            )
        )  # fmt: skip
        with TestClient(Starlette(routes=wecom_routes(context, clock=clock))) as client:
            plain = (
                f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
                f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{QUESTION}]]></Content><MsgId>42</MsgId><AgentID>1000002</AgentID></xml>"
            )
            stamp = str(int(clock.now))
            envelope = xmltodict.parse(
                WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(plain, "n1", stamp)
            )["xml"]
            body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            params = {"msg_signature": envelope["MsgSignature"], "timestamp": stamp, "nonce": "n1"}
            assert client.post("/wecom/callback", params=params, content=body).status_code == 200
        [reply] = wecom.app_messages
    assert TITLE in reply["markdown"]["content"] and "比整体" in reply["markdown"]["content"]
