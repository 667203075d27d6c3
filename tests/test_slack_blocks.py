from __future__ import annotations

import json

from bot.render.slack_blocks import MAX_BLOCKS, card_messages
from handlers.card import Button, Card, CardField, CardSection, CardTable, Severity


def _all_texts(blocks: list[dict]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def test_model_text_cannot_mention_or_link() -> None:
    card = Card(
        title="边现下降",
        sections=[
            CardSection(
                title="核心原因",
                bullets=["<!channel> 请看 <https://evil.example|这里> <@U123>", "@here 注意"],
            )
        ],
    )
    [message] = card_messages(card)
    payload = json.dumps(message, ensure_ascii=False)
    assert "<!channel>" not in payload and "<@U123>" not in payload and "<https://" not in payload
    assert "&lt;!channel&gt;" in payload
    assert "@\u200bhere" in "".join(_all_texts(message["blocks"]))


def test_long_report_is_split_within_block_kit_limits() -> None:
    long_text = "\n".join(f"第{i}行：" + "数据" * 40 for i in range(200))  # ≈ 17k characters
    card = Card(
        title="复盘报告" * 60,  # header over 150 characters
        severity=Severity.SEVERE,
        sections=[CardSection(title=f"部分{i}", text=long_text if i == 0 else "短") for i in range(60)],
        tables=[CardTable(columns=["内容", "ROI"], rows=[["家庭剧", "2.8"]] * 10)],
        buttons=[Button(action_id="download", label="下载" * 50, value=str(i)) for i in range(30)],
    )
    messages = card_messages(card)
    assert len(messages) >= 2
    for message in messages:
        assert len(message["blocks"]) <= MAX_BLOCKS
        for block in message["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
            if block["type"] == "actions":
                assert len(block["elements"]) <= 25
                assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])
    actions = [b for b in messages[0]["blocks"] if b["type"] == "actions"]
    assert sum(len(b["elements"]) for b in actions) == 30  # every button, all in the first message
    action_ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert len(set(action_ids)) == 30 and action_ids[0] == "download:0"
    joined = "".join(t for m in messages for t in _all_texts(m["blocks"]))
    assert "第199行" in joined  # nothing lost


def test_fields_are_grouped_ten_per_section() -> None:
    card = Card(
        title="t", sections=[CardSection(fields=[CardField(label=f"f{i}", value="v") for i in range(23)])]
    )
    [message] = card_messages(card)
    field_blocks = [b for b in message["blocks"] if "fields" in b]
    assert [len(b["fields"]) for b in field_blocks] == [10, 10, 3]
