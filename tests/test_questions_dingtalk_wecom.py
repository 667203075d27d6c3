"""Plain questions from DingTalk and WeCom take the same router as Slack and `ask`: signed callbacks from the
test-side implementations of their schemes, the answers read off the fake platforms' APIs."""

from __future__ import annotations

from pathlib import Path

from tests.support.messenger_questions import ask_dingtalk, ask_wecom, with_demo

QUESTION = "2026-11-17~2026-11-23 各平台的边现"  # dates: the callbacks' "today" is the real one
TITLE = "边现 · 按平台"


def test_a_dingtalk_question_is_routed_and_answered(tmp_path: Path) -> None:
    reply = ask_dingtalk(tmp_path, QUESTION, with_demo(60))
    assert TITLE in reply["markdown"]["title"] + reply["markdown"]["text"]
    assert "TV" in reply["markdown"]["text"] and "比整体" in reply["markdown"]["text"]


def test_a_wecom_question_is_routed_and_answered(tmp_path: Path) -> None:
    reply = ask_wecom(tmp_path, QUESTION, with_demo(60))
    assert TITLE in reply["markdown"]["content"] and "比整体" in reply["markdown"]["content"]
