"""A plain question sent as a user sends it from DingTalk (an @-message to the robot's signed callback) or
WeCom (an encrypted app message to its callback), the reply read off the fake platform's API."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

import xmltodict
from starlette.applications import Starlette
from starlette.testclient import TestClient
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.context import AppContext
from bot.dingtalk.callback import routes as dingtalk_routes
from bot.wecom.callback import routes as wecom_routes
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from tests.fakes.app_context import migrated_context
from tests.fakes.dingtalk_api import FakeDingTalk, documented_sign
from tests.fakes.fake_clock import FakeClock
from tests.fakes.wecom_api import FakeWeCom

AES_KEY, TOKEN, CORP_ID = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "callback-token", "ww-corp"
Prepare = Callable[[AppContext], AppContext]


def with_demo(days: int, end: dt.date = dt.date(2026, 11, 23)) -> Prepare:
    """A ``prepare`` that loads the demo (seed 7) of ``days`` days to ``end`` into the context's database."""

    def prepare(context: AppContext) -> AppContext:
        load_demo(
            context.engine,
            end=end,
            days=days,
            seed=7,
            data_dir=context.settings.data_dir,
            calendar=ChineseCalendar(),
        )
        return context

    return prepare


def ask_dingtalk(tmp_path: Path, question: str, prepare: Prepare) -> dict:
    """The reply (a session-webhook message) to ``@助手 question`` in a DingTalk group."""
    clock = FakeClock()
    with FakeDingTalk() as dingtalk:
        context = prepare(
            migrated_context(tmp_path, dingtalk_app_secret="s", dingtalk_webhook_url=dingtalk.webhook_url)
        )
        with TestClient(Starlette(routes=dingtalk_routes(context, clock=clock))) as client:
            body = {
                "msgtype": "text", "text": {"content": f"@助手 {question}"}, "msgId": "q1", "conversationType": "2",
                "senderNick": "小王", "senderStaffId": "staff1", "sessionWebhook": dingtalk.session_webhook("q"),
                "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000,
            }  # fmt: skip
            stamp = str(int(clock.now * 1000))
            headers = {"timestamp": stamp, "sign": documented_sign("s", stamp)}
            response = client.post("/dingtalk/callback", content=json.dumps(body), headers=headers)
            assert response.status_code == 200
        [reply] = dingtalk.session_messages
    return reply


def ask_wecom(tmp_path: Path, question: str, prepare: Prepare) -> dict:
    """The reply (an app message) to ``question`` sent to the WeCom app."""
    clock = FakeClock()
    with FakeWeCom() as wecom:
        context = prepare(
            migrated_context(
                tmp_path, wecom_token=TOKEN, wecom_encoding_aes_key=AES_KEY, wecom_corp_id=CORP_ID,
                wecom_agent_id="1000002", wecom_secret="app-secret", wecom_api_url=wecom.api_url,
            )
        )  # fmt: skip
        with TestClient(Starlette(routes=wecom_routes(context, clock=clock))) as client:
            plain = (
                f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
                f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{question}]]></Content><MsgId>42</MsgId><AgentID>1000002</AgentID></xml>"
            )
            stamp = str(int(clock.now))
            envelope = xmltodict.parse(
                WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(plain, "n1", stamp)
            )["xml"]
            body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            params = {"msg_signature": envelope["MsgSignature"], "timestamp": stamp, "nonce": "n1"}
            assert client.post("/wecom/callback", params=params, content=body).status_code == 200
        [reply] = wecom.app_messages
    return reply
