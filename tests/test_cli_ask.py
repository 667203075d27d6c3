"""`memberops ask` as a user runs it, in every output format and both languages, on the demo data."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("ask")
    env = {"DATABASE_URL": f"sqlite:///{directory / 'm.db'}", "DATA_DIR": str(directory), "LANGUAGE": "zh"}
    result = runner.invoke(app, ["init", "--demo", "--days", "120", "--end", "2026-11-23"], env=env)
    assert result.exit_code == 0, result.output
    return env


@pytest.mark.parametrize(
    ("text", "expected_zh", "expected_en"),
    [
        ("/mo-help", "命令", "Commands"),
        ("/mo-goal 提升家庭向收入15% 30天", "难度", "Difficulty"),
        ("/mo-strategy 提升家庭向会员收入", "目标人群", "segment"),
        ("/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万", "ROI", "ROI"),
        ("/mo-why", "首页位1", "首页位1"),
        ("/mo-search 家庭剧 周末 10元券", "相似度", "imilarity"),
        ("/mo-retro", "复盘", "etro"),
    ],
)
def test_every_command_answers_in_both_languages(
    env: dict[str, str], text: str, expected_zh: str, expected_en: str
) -> None:
    zh = runner.invoke(app, ["ask", text], env=env)
    assert zh.exit_code == 0, zh.output
    assert expected_zh in zh.stdout
    en = runner.invoke(app, ["ask", text, "--lang", "en"], env=env)
    assert en.exit_code == 0, en.output
    assert expected_en in en.stdout


@pytest.mark.parametrize("format_", ["json", "slack", "dingtalk", "wecom"])
def test_machine_formats_are_json(env: dict[str, str], format_: str) -> None:
    result = runner.invoke(app, ["ask", "/mo-search 家庭剧", "--format", format_], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload
    if format_ == "slack":
        assert payload[0]["blocks"][0]["type"] == "header"


def test_unusable_arguments_get_an_example_not_a_stack_trace(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "/mo-goal 随便"], env=env)
    assert result.exit_code == 0
    assert "/mo-goal" in result.stdout and "Traceback" not in result.stdout
    unknown = runner.invoke(app, ["ask", "/deploy now"], env=env)
    assert "没有看懂" in unknown.stdout and "/mo-search" in unknown.stdout
