"""DingTalk rendering: escaping, actionCard buttons, splitting oversized cards; the signature scheme."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

from bot.dingtalk.render import MAX_BUTTONS, MAX_TEXT_BYTES, open_in_browser, render_messages
from bot.dingtalk.signing import robot_sign, signed_webhook_url, verify_callback
from bot.render.formats import FORMATS
from handlers.card import Button, Card, CardField, CardSection, CardTable, Chart, ChartSeries, Severity
from tests.fakes.dingtalk_api import documented_sign


def _long_card(lines: int = 1500) -> Card:
    bullets = [f"第{i:04d}条 家庭向会员 边现 提升 {i * 7 % 100}%" for i in range(lines)]
    return Card(title="每日摘要", sections=[CardSection(title="明细", bullets=bullets)])


def test_signature_matches_the_documented_scheme_and_is_url_encoded() -> None:
    secret, ts = "SEC0123456789abcdef+/=", 1_700_000_000_000
    assert robot_sign(secret, ts) == documented_sign(secret, str(ts))
    url = signed_webhook_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, ts)
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc"]
    assert query["timestamp"] == [str(ts)]
    assert query["sign"] == [documented_sign(secret, str(ts))]  # parse_qs decodes: it was URL-encoded
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]


def test_callback_signature_window() -> None:
    secret, now = "app-secret", 1_700_000_000_000
    good = documented_sign(secret, str(now - 59 * 60 * 1000))
    assert verify_callback(secret, str(now - 59 * 60 * 1000), good, now)
    stale = now - 61 * 60 * 1000
    assert not verify_callback(secret, str(stale), documented_sign(secret, str(stale)), now)
    future = now + 5 * 60 * 1000
    assert not verify_callback(secret, str(future), documented_sign(secret, str(future)), now)
    assert not verify_callback(secret, str(now), documented_sign("other", str(now)), now)
    assert not verify_callback(secret, "abc", good, now)
    assert not verify_callback(secret, None, None, now)


def test_card_becomes_an_action_card_with_escaped_text_and_download_buttons() -> None:
    card = Card(
        title="边现异常 @all",
        severity=Severity.SEVERE,
        subtitle="2026-03-01",
        sections=[
            CardSection(
                title="原因",
                text="# 不是标题\n点击 [这里](http://evil.example) <font color=red>x</font>",
                fields=[CardField(label="边现", value="-12%")],
            )
        ],
        tables=[CardTable(title="分群", columns=["人群", "边现"], rows=[["家庭", "1.2"], ["学生", "0.8"]])],
        buttons=[
            Button(action_id="alert_ack", label="确认"),
            Button(action_id="open", label="看板", url="https://bi.example/x"),
        ],
        context=["数据日期 2026-03-01"],
    )
    messages = render_messages(card, [("下载 检查清单", "https://ops.example/downloads/t1")])
    assert len(messages) == 1
    action = messages[0]["actionCard"]
    assert messages[0]["msgtype"] == "actionCard"
    text = action["text"]
    assert text.startswith("### 🔴 边现异常 @\u200ball")
    assert "evil.example" not in text and "<font" not in text and "＜font" in text
    assert "\u200b# 不是标题" in text
    assert "**边现**：-12%" in text
    assert "家庭 ｜ 1.2" in text
    assert "> 数据日期 2026-03-01" in text
    titles = [b["title"] for b in action["btns"]]
    assert titles == ["看板", "下载 检查清单"]  # the ack button has no URL: not offered
    target = action["btns"][1]["actionURL"]
    assert target == open_in_browser("https://ops.example/downloads/t1")
    assert unquote(parse_qs(urlsplit(target).query)["url"][0]) == "https://ops.example/downloads/t1"
    assert parse_qs(urlsplit(target).query)["pc_slide"] == ["false"]


def test_buttons_beyond_the_limit_become_links_and_chart_is_an_image() -> None:
    card = Card(
        title="报告",
        chart=Chart(kind="trend", title="边现趋势", series=[ChartSeries(name="a", x=["1"], y=[1.0])]),
    )
    downloads = [(f"文件{i}", f"https://ops.example/d/{i}") for i in range(MAX_BUTTONS + 2)]
    [message] = render_messages(card, downloads, chart_image_url="https://ops.example/charts/abc.png")
    assert len(message["actionCard"]["btns"]) == MAX_BUTTONS
    text = message["actionCard"]["text"]
    assert "![边现趋势](https://ops.example/charts/abc.png)" in text
    assert f"[文件{MAX_BUTTONS}](" in text and f"[文件{MAX_BUTTONS + 1}](" in text


def test_oversized_card_is_split_within_the_limit_in_order_with_nothing_lost() -> None:
    card = _long_card()
    messages = render_messages(card, [("下载", "https://ops.example/d/1")])
    assert len(messages) > 2
    assert messages[0]["msgtype"] == "actionCard" and all(m["msgtype"] == "markdown" for m in messages[1:])
    texts = [messages[0]["actionCard"]["text"], *(m["markdown"]["text"] for m in messages[1:])]
    assert all(len(t.encode()) <= MAX_TEXT_BYTES for t in texts)
    total = len(texts)
    for index, text in enumerate(texts, start=1):
        assert text.endswith(f"（{index}/{total}）")
        if index > 1:
            assert text.startswith(f"### 每日摘要（续 {index}/{total}）")
    found = [line for t in texts for line in t.split("\n\n") if line.startswith("- 第")]
    assert found == [f"- {b}" for b in card.sections[0].bullets]


def test_one_enormous_line_is_cut_without_losing_characters() -> None:
    text = "边" * 12000  # 36,000 bytes in one line
    messages = render_messages(Card(title="长", sections=[CardSection(text=text)]))
    bodies = [m["markdown"]["text"] for m in messages]
    assert all(len(b.encode()) <= MAX_TEXT_BYTES for b in bodies)
    assert sum(b.count("边") for b in bodies) == 12000


def test_ask_format_dingtalk_is_the_json_payload() -> None:
    payload = json.loads(FORMATS["dingtalk"](Card(title="你好")))
    assert payload == [{"msgtype": "markdown", "markdown": {"title": "你好", "text": "### 你好"}}]
