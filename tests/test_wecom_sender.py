"""WeCom group robot and app API against a fake WeCom on a real socket."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator

import httpx
import pytest

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from bot.render.formats import FORMATS
from bot.wecom.app_client import WeComAppClient
from bot.wecom.render import APP_MARKDOWN_BYTES, ROBOT_MARKDOWN_BYTES, robot_messages
from bot.wecom.sender import WeComSender, upload_url
from handlers.card import Card, CardSection, Chart, ChartSeries, Severity
from tests.fakes.fake_clock import FakeClock
from tests.fakes.robot_http_server import FakeReply
from tests.fakes.wecom_api import FakeWeCom

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def wecom() -> Iterator[FakeWeCom]:
    with FakeWeCom() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _long_card(lines: int = 400) -> Card:
    return Card(
        title="每日摘要",
        sections=[CardSection(bullets=[f"第{i:03d}条 家庭向 边现下降 3.2%" for i in range(lines)])],
    )


def test_markdown_is_escaped_and_marked_by_severity() -> None:
    card = Card(title="边现 <@zhangsan>", severity=Severity.SEVERE, context=["数据日期 2026-03-01"])
    [message] = robot_messages(card)
    content = message["markdown"]["content"]
    assert content.startswith('### <font color="warning">●●</font> 边现 ＜@\u200bzhangsan＞')
    assert content.endswith('<font color="comment">数据日期 2026-03-01</font>')


def test_card_chart_and_files_are_delivered_in_order(wecom: FakeWeCom, http: httpx.Client) -> None:
    chart = Chart(kind="trend", title="边现趋势", series=[ChartSeries(name="a", x=["1"], y=[1.0])])
    sender = WeComSender(wecom.webhook_url, http=http, clock=FakeClock(), chart_png=lambda _chart: PNG)
    card = Card(title="每日摘要", sections=[CardSection(text="边现 1.23 元")], chart=chart)
    replies = sender.send_card(
        card, [("下载 清单", "https://ops.example/d/1")], files=[("检查清单.xlsx", b"PK\x03\x04 data")]
    )
    assert len(replies) == 3
    markdown, image, file_message = wecom.robot_messages
    assert "边现 1.23 元" in markdown["markdown"]["content"]
    assert "[下载 清单](https://ops.example/d/1)" in markdown["markdown"]["content"]
    assert base64.b64decode(image["image"]["base64"]) == PNG
    assert image["image"]["md5"] == hashlib.md5(PNG).hexdigest()
    assert wecom.uploads == [("检查清单.xlsx", b"PK\x03\x04 data")]
    assert file_message == {"msgtype": "file", "file": {"media_id": "media-0"}}


def test_upload_url_is_derived_from_the_webhook() -> None:
    assert upload_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K1") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=K1&type=file"
    )


def test_oversized_card_is_split_under_4096_bytes_in_order(wecom: FakeWeCom, http: httpx.Client) -> None:
    card = _long_card()
    WeComSender(wecom.webhook_url, http=http, clock=FakeClock()).send_card(card)
    contents = [m["markdown"]["content"] for m in wecom.robot_messages]
    assert len(contents) > 2
    assert all(len(c.encode()) <= ROBOT_MARKDOWN_BYTES for c in contents)
    assert [c.split("\n")[-1] for c in contents] == [
        f"（{i}/{len(contents)}）" for i in range(1, len(contents) + 1)
    ]
    found = [line for c in contents for line in c.split("\n") if line.startswith("- 第")]
    assert found == [f"- {b}" for b in card.sections[0].bullets]


def test_errcodes_map_to_typed_errors(wecom: FakeWeCom, http: httpx.Client) -> None:
    sender = WeComSender(wecom.webhook_url, http=http, clock=FakeClock())
    wecom.script(
        "/cgi-bin/webhook/send",
        FakeReply(body={"errcode": 45009, "errmsg": "api freq out of limit"}),
        FakeReply(status=502, body=b"bad gateway"),
    )
    with pytest.raises(RetryableDeliveryError) as throttled:
        sender.send_card(Card(title="x"))
    assert (throttled.value.errcode, throttled.value.retry_after_s) == (45009, 60.0)
    with pytest.raises(RetryableDeliveryError):
        sender.send_card(Card(title="x"))
    wrong_key = WeComSender(wecom.webhook_url.replace("robot-key", "nope"), http=http, clock=FakeClock())
    with pytest.raises(PermanentDeliveryError) as permanent:
        wrong_key.send_card(Card(title="x"))
    assert permanent.value.errcode == 93000
    with pytest.raises(PermanentDeliveryError):
        sender.send_file("empty.txt", b"")
    assert wecom.robot_messages == []


def test_rate_limit_queues_instead_of_dropping(wecom: FakeWeCom, http: httpx.Client) -> None:
    clock = FakeClock()
    sender = WeComSender(wecom.webhook_url, http=http, clock=clock)
    for i in range(25):
        sender.send_card(Card(title=f"告警{i}"))
    assert len(wecom.robot_messages) == 25
    assert clock.sleeps == [pytest.approx(60.0)]


def test_app_client_caches_the_token_and_refreshes_it_when_expired(
    wecom: FakeWeCom, http: httpx.Client
) -> None:
    clock = FakeClock()
    client = WeComAppClient(wecom.api_url, "ww-corp", "app-secret", 1000002, http=http, clock=clock)
    client.send_card(Card(title="一"), "zhangsan")
    client.send_card(Card(title="二"), "zhangsan")
    assert wecom.tokens_issued == 1
    wecom.expire_token()  # WeCom revoked it early: 42001, fetch again, retry once
    client.send_card(Card(title="三"), "zhangsan")
    assert wecom.tokens_issued == 2
    clock.advance(7200)  # past expires_in: fetched again before sending
    client.send_card(Card(title="四"), "zhangsan")
    assert wecom.tokens_issued == 3
    assert [m["markdown"]["content"] for m in wecom.app_messages] == ["### 一", "### 二", "### 三", "### 四"]
    assert {(m["touser"], m["agentid"], m["msgtype"]) for m in wecom.app_messages} == {
        ("zhangsan", 1000002, "markdown")
    }


def test_app_messages_are_split_under_2048_bytes(wecom: FakeWeCom, http: httpx.Client) -> None:
    client = WeComAppClient(wecom.api_url, "ww-corp", "app-secret", 1000002, http=http, clock=FakeClock())
    client.send_card(_long_card(200), "lisi")
    assert len(wecom.app_messages) > 3
    assert all(len(m["markdown"]["content"].encode()) <= APP_MARKDOWN_BYTES for m in wecom.app_messages)


def test_wrong_app_secret_is_permanent(wecom: FakeWeCom, http: httpx.Client) -> None:
    client = WeComAppClient(wecom.api_url, "ww-corp", "wrong", 1000002, http=http, clock=FakeClock())
    with pytest.raises(PermanentDeliveryError) as caught:
        client.send_card(Card(title="x"), "zhangsan")
    assert caught.value.errcode == 40001


def test_ask_format_wecom_is_the_json_payload() -> None:
    assert json.loads(FORMATS["wecom"](Card(title="你好"))) == [
        {"msgtype": "markdown", "markdown": {"content": "### 你好"}}
    ]


def test_sender_from_settings_is_off_without_a_webhook() -> None:
    from bot.wecom.sender import sender_from_settings
    from core.config import Settings

    assert sender_from_settings(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    assert (
        sender_from_settings(
            Settings(_env_file=None, wecom_webhook_url="https://x/cgi-bin/webhook/send?key=k")
        )
        is not None
    )  # type: ignore[call-arg]
