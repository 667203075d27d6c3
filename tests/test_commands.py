from __future__ import annotations

import pytest

from handlers.commands import parse_command


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("/goal 提升家庭向收入15% 30天", "goal", "提升家庭向收入15% 30天"),
        ("策略 提升家庭向会员收入", "strategy", "提升家庭向会员收入"),
        ("为什么这周边现下降了？", "why", "这周边现下降了？"),
        ("/memberops search 家庭剧 周末", "search", "家庭剧 周末"),
        ("<@U0123ABC> /why 本周", "why", "本周"),
        ("@会员助手 复盘：C2026001", "retro", "C2026001"),
        ("/BUDGET 预算50万", "budget", "预算50万"),
        ("", "help", ""),
        ("/memberops", "help", ""),
    ],
)
def test_commands_are_found_in_any_form(text: str, name: str, args: str) -> None:
    parsed = parse_command(text)
    assert (parsed.name, parsed.args) == (name, args)


def test_unknown_words_are_not_commands() -> None:
    parsed = parse_command("/deploy now")
    assert parsed.name is None and parsed.word == "deploy"
