"""``/abtest`` as a user sends it from each messenger: Slack's slash command (signed, acked, answered through
its response_url), a DingTalk @-message and a WeCom app message (their signed callbacks), against the fake
platforms' APIs on a demo of 120 days — the plan card in every reply."""

from __future__ import annotations

import json
from pathlib import Path

from bot.http_app import create_app
from tests.fakes.slack_api import FakeSlack, ServerThread, command_body
from tests.support.messenger_questions import ask_dingtalk, ask_wecom, with_demo
from tests.support.slack import post_signed, slack_context

QUESTION = "实验 家庭向高活跃 边现 +5% 14天"
TITLE = "A/B 实验规划：家庭向高活跃 · 边现 +5.0% · 14天"


def plan_text(text: str) -> None:
    """The plan card: its title, the MDE for the asked length, the days needed and the table by length."""
    assert TITLE in text
    assert "最小可检测效果（14天）" in text and "检测 +5.0% 需要" in text
    assert "7天" in text and "21天" in text and "合成对照" in text
    assert "（含对照）" in text  # 120 busy days: its controls' windows calibrate the longer lengths too


def test_slack_slash_command(tmp_path: Path) -> None:
    with FakeSlack() as slack:
        context = with_demo(120)(slack_context(tmp_path, slack))
        with ServerThread(create_app(context)) as server:
            response = post_signed(
                server, command_body("/mo-abtest", QUESTION.removeprefix("实验 "), slack.response_url("ab"))
            )
            assert response.status_code == 200 and "正在处理 /mo-abtest" in response.text
            posted = slack.wait_for("response", "ab")[0].body
    plan_text(json.dumps(posted["blocks"], ensure_ascii=False))


def test_dingtalk_message(tmp_path: Path) -> None:
    reply = ask_dingtalk(tmp_path, QUESTION, with_demo(120))
    plan_text(reply["markdown"]["title"] + reply["markdown"]["text"])


def test_wecom_message(tmp_path: Path) -> None:
    plan_text(ask_wecom(tmp_path, QUESTION, with_demo(120))["markdown"]["content"])
