"""``/abtest`` as a user sends it from each messenger: Slack's slash command (signed, acked, answered through
its response_url), a DingTalk @-message and a WeCom app message (their signed callbacks), against the fake
platforms' APIs on a demo of 120 days — the plan card in every reply."""

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
from bot.http_app import create_app
from bot.wecom.callback import routes as wecom_routes
from core.calendar import ChineseCalendar
from handlers.demo_setup import load_demo
from tests.fakes.app_context import migrated_context
from tests.fakes.dingtalk_api import FakeDingTalk, documented_sign
from tests.fakes.fake_clock import FakeClock
from tests.fakes.slack_api import FakeSlack, ServerThread, command_body
from tests.fakes.wecom_api import FakeWeCom
from tests.support.slack import post_signed, slack_context

QUESTION = "实验 家庭向高活跃 边现 +5% 14天"
TITLE = "A/B 实验规划：家庭向高活跃 · 边现 +5.0% · 14天"
AES_KEY, TOKEN, CORP_ID = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "callback-token", "ww-corp"


def with_demo(context):  # type: ignore[no-untyped-def]
    load_demo(
        context.engine,
        end=dt.date(2026, 11, 23),
        days=120,
        seed=7,
        data_dir=context.settings.data_dir,
        calendar=ChineseCalendar(),
    )
    return context


def plan_text(text: str) -> None:
    """The plan card: its title, the MDE for the asked length, the days needed and the table by length."""
    assert TITLE in text
    assert "最小可检测效果（14天）" in text and "检测 +5.0% 需要" in text
    assert "7天" in text and "21天" in text and "合成对照" in text
    assert "（含对照）" in text  # 120 busy days: its controls' windows calibrate the longer lengths too


def test_slack_slash_command(tmp_path: Path) -> None:
    with FakeSlack() as slack:
        context = with_demo(slack_context(tmp_path, slack))
        with ServerThread(create_app(context)) as server:
            response = post_signed(
                server, command_body("/mo-abtest", QUESTION.removeprefix("实验 "), slack.response_url("ab"))
            )
            assert response.status_code == 200 and "正在处理 /mo-abtest" in response.text
            posted = slack.wait_for("response", "ab")[0].body
    plan_text(json.dumps(posted["blocks"], ensure_ascii=False))


def test_dingtalk_message(tmp_path: Path) -> None:
    clock = FakeClock()
    with FakeDingTalk() as dingtalk:
        context = with_demo(
            migrated_context(tmp_path, dingtalk_app_secret="s", dingtalk_webhook_url=dingtalk.webhook_url)
        )
        with TestClient(Starlette(routes=dingtalk_routes(context, clock=clock))) as client:
            body = {
                "msgtype": "text", "text": {"content": f"@助手 {QUESTION}"}, "msgId": "ab1", "conversationType": "2",
                "senderNick": "小王", "senderStaffId": "staff1", "sessionWebhook": dingtalk.session_webhook("ab"),
                "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000,
            }  # fmt: skip
            stamp = str(int(clock.now * 1000))
            headers = {"timestamp": stamp, "sign": documented_sign("s", stamp)}
            response = client.post("/dingtalk/callback", content=json.dumps(body), headers=headers)
            assert response.status_code == 200
        [reply] = dingtalk.session_messages
    plan_text(reply["markdown"]["title"] + reply["markdown"]["text"])


def test_wecom_message(tmp_path: Path) -> None:
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
                f"<Content><![CDATA[{QUESTION}]]></Content><MsgId>43</MsgId><AgentID>1000002</AgentID></xml>"
            )
            stamp = str(int(clock.now))
            envelope = xmltodict.parse(
                WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message(plain, "n2", stamp)
            )["xml"]
            body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            params = {"msg_signature": envelope["MsgSignature"], "timestamp": stamp, "nonce": "n2"}
            assert client.post("/wecom/callback", params=params, content=body).status_code == 200
        [reply] = wecom.app_messages
    plan_text(reply["markdown"]["content"])
