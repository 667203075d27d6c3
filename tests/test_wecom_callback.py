"""``/wecom/callback`` end to end: URL verification and messages encrypted by wechatpy (an independent
implementation), the command run by the shared handlers, the reply sent through a fake app message API."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from starlette.applications import Starlette
from starlette.testclient import TestClient
from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from bot.wecom.callback import routes
from tests.fakes.app_context import migrated_context
from tests.fakes.fake_clock import FakeClock
from tests.fakes.wecom_api import FakeWeCom

TOKEN = "callback-token"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "ww-corp"


@pytest.fixture
def wecom() -> Iterator[FakeWeCom]:
    with FakeWeCom(corp_id=CORP_ID) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(tmp_path: Path, wecom: FakeWeCom, clock: FakeClock) -> Iterator[TestClient]:
    context = migrated_context(
        tmp_path,
        wecom_token=TOKEN,
        wecom_encoding_aes_key=AES_KEY,
        wecom_corp_id=CORP_ID,
        wecom_agent_id="1000002",
        wecom_secret="app-secret",
        wecom_api_url=wecom.api_url,
    )
    with TestClient(Starlette(routes=routes(context, clock=clock))) as test_client:
        yield test_client


def _text_xml(content: str, user: str = "zhangsan", msg_id: str = "1234567890") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def _post(client: TestClient, plain: str, timestamp: int, nonce: str = "nonce1", token: str = TOKEN) -> Any:
    encrypted = WeChatCrypto(token, AES_KEY, CORP_ID).encrypt_message(plain, nonce, str(timestamp))
    envelope = xmltodict.parse(encrypted)["xml"]
    body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    params = {"msg_signature": envelope["MsgSignature"], "timestamp": str(timestamp), "nonce": nonce}
    return client.post("/wecom/callback", params=params, content=body)


def test_url_verification_returns_the_decrypted_echostr(client: TestClient, clock: FakeClock) -> None:
    key = base64.b64decode(AES_KEY + "=")
    echostr = PrpCrypto(key).encrypt("8209431953917347427", CORP_ID).decode()
    timestamp = str(int(clock.now))
    params = {
        "msg_signature": _get_signature(TOKEN, timestamp, "n", echostr),
        "timestamp": timestamp,
        "nonce": "n",
    }
    response = client.get("/wecom/callback", params=params | {"echostr": echostr})
    assert (response.status_code, response.text) == (200, "8209431953917347427")
    forged = params | {
        "msg_signature": _get_signature("other-token", timestamp, "n", echostr),
        "echostr": echostr,
    }
    assert client.get("/wecom/callback", params=forged).status_code == 401
    assert client.get("/wecom/callback", params={"timestamp": timestamp}).status_code == 400


def test_message_is_acknowledged_and_answered_through_the_app_api(
    client: TestClient, wecom: FakeWeCom, clock: FakeClock
) -> None:
    response = _post(client, _text_xml("帮助"), int(clock.now))
    assert (response.status_code, response.text) == (200, "")
    [reply] = wecom.app_messages
    assert (reply["touser"], reply["agentid"], reply["msgtype"]) == ("zhangsan", 1000002, "markdown")
    assert reply["markdown"]["content"].startswith("### 会员运营智能助手")
    assert "/mo-strategy 提升家庭向会员收入" in reply["markdown"]["content"]


@pytest.mark.parametrize(
    ("offset_s", "token"),
    [(-3700, TOKEN), (600, TOKEN), (0, "forged-token")],
    ids=["stale", "future", "forged"],
)
def test_stale_future_and_forged_messages_are_refused(
    client: TestClient, wecom: FakeWeCom, clock: FakeClock, offset_s: int, token: str
) -> None:
    assert _post(client, _text_xml("帮助"), int(clock.now) + offset_s, token=token).status_code == 401
    assert wecom.app_messages == [] and wecom.tokens_issued == 0


def test_message_for_another_corp_is_refused(client: TestClient, wecom: FakeWeCom, clock: FakeClock) -> None:
    encrypted = WeChatCrypto(TOKEN, AES_KEY, "other-corp").encrypt_message(
        _text_xml("帮助"), "n", str(int(clock.now))
    )
    envelope = xmltodict.parse(encrypted)["xml"]
    params = {"msg_signature": envelope["MsgSignature"], "timestamp": str(int(clock.now)), "nonce": "n"}
    body = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    assert client.post("/wecom/callback", params=params, content=body).status_code == 401
    assert wecom.app_messages == []


def test_bodies_over_64_kib_are_refused_unread(
    client: TestClient, wecom: FakeWeCom, clock: FakeClock
) -> None:
    response = _post(client, _text_xml("帮助" + "x" * (70 * 1024)), int(clock.now))
    assert (response.status_code, response.text) == (413, "body too large")
    assert wecom.app_messages == []


def test_replays_and_redeliveries_run_once(client: TestClient, wecom: FakeWeCom, clock: FakeClock) -> None:
    now = int(clock.now)
    assert _post(client, _text_xml("帮助"), now).status_code == 200
    assert _post(client, _text_xml("帮助"), now).status_code == 200  # the same request again
    assert (
        _post(client, _text_xml("帮助"), now + 5, nonce="other").status_code == 200
    )  # re-encrypted, same MsgId
    assert len(wecom.app_messages) == 1


def test_events_and_doctype_bodies_are_not_run(
    client: TestClient, wecom: FakeWeCom, clock: FakeClock
) -> None:
    event = (
        "<xml><FromUserName>zhangsan</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event></xml>"
    )
    assert _post(client, event, int(clock.now)).status_code == 200
    evil = '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    assert (
        client.post(
            "/wecom/callback",
            params={"msg_signature": "x", "timestamp": str(int(clock.now)), "nonce": "n"},
            content=evil,
        ).status_code
        == 400
    )
    assert wecom.app_messages == []


def test_without_settings_wecom_is_off(tmp_path: Path) -> None:
    assert routes(migrated_context(tmp_path)) == []
    assert (
        routes(
            migrated_context(
                tmp_path, wecom_webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
            )
        )
        == []
    )


def test_reply_waits_for_app_credentials(tmp_path: Path, wecom: FakeWeCom) -> None:
    context = migrated_context(
        tmp_path, wecom_token=TOKEN, wecom_encoding_aes_key=AES_KEY, wecom_corp_id=CORP_ID
    )
    with TestClient(Starlette(routes=routes(context))) as test_client:
        assert _post(test_client, _text_xml("帮助"), int(time.time())).status_code == 200
    assert wecom.requests == []
