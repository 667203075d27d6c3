"""``/budget`` end to end on the small planning dataset: with arguments, without, the modal helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.ai import find_ungrounded_numbers
from core.narrators.budget import budget_command_text, read_budget
from core.planning import parse_budget_args, simulate_budget_input
from handlers.budget import budget_modal_defaults, budget_text_from_values
from handlers.card import Severity
from handlers.context import HandlerContext
from handlers.dispatch import run_command
from tests.support.handler_fixtures import assert_usage_card, card_texts, fields
from tests.test_handler_goal import make_planning_context
from tests.test_planning_data import make_campaigns, make_cube, make_resources, make_segments

ARGS = "家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万"


def _reading(args: str):
    parsed = parse_budget_args(args)
    simulation = simulate_budget_input(
        parsed, make_segments(), make_campaigns(), make_resources(), make_cube()
    )
    return read_budget(simulation, budget_command_text(parsed))


@pytest.fixture
def zh(tmp_path: Path) -> HandlerContext:
    return make_planning_context(tmp_path, "zh")


def test_budget_card_shows_kpis_budget_and_usage_against_capacity(zh: HandlerContext) -> None:
    card = run_command(f"/mo-budget {ARGS}", zh)
    reading = _reading(ARGS)
    kpi = reading.simulation.kpi
    predicted = fields(card, "预测结果")
    assert (
        predicted["边现提升"]
        == f"{kpi.arpu_lift.point:+.1%}（80%：{kpi.arpu_lift.lower:+.1%} ~ {kpi.arpu_lift.upper:+.1%}）"
    )
    assert predicted["ROI"].startswith(f"{kpi.roi.point:.2f}（80%：")
    used = reading.simulation.budget_used
    assert predicted["已用预算"] == f"{used:,.0f} 元 / 500,000 元（{used / 500_000:.1%}）"
    table = card.tables[0]
    assert table.columns == ["资源位", "占用", "容量上限", "容量使用", "预算", "提示"]
    rows = {row[0]: row for row in table.rows}
    assert rows["首页位1"][1:4] == ["0.60", "0.95", "63.2%"]  # 0.6 / 0.95
    assert rows["详情页推荐"][1:4] == ["0.40", "0.75", "53.3%"]
    assert card.severity == Severity.INFO
    assert card.context == [f"修改参数：/mo-budget {reading.command}"]
    assert reading.command == "家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算500000 30天"


def test_positions_above_80_percent_are_warned_and_penalised(zh: HandlerContext) -> None:
    args = "家庭剧70 动漫30 首页位1=0.9 详情页推荐=0.4 预算500万"
    card = run_command(f"/mo-budget {args}", zh)
    reading = _reading(args)
    top = next(p for p in reading.positions if p.position == "首页位1")
    assert top.near_limit and top.capacity_used == pytest.approx(0.9 / 0.95)
    knee = 0.8 * 0.95
    expected_loss = 1 - (knee**0.7 + 0.4 * (0.9**0.7 - knee**0.7)) / 0.9**0.7
    assert top.penalty_share == pytest.approx(expected_loss)
    warnings = next(s for s in card.sections if s.title == "提示").bullets
    assert warnings[0] == (
        f"首页位1 使用容量的 94.7%（超过 80%）：超出部分响应按 0.4 折算，响应损失 {expected_loss:.1%}"
    )
    assert card.severity == Severity.MINOR
    rows = {row[0]: row for row in card.tables[0].rows}
    assert rows["首页位1"][5] == "⚠ 资源位接近容量上限" and rows["详情页推荐"][5] == ""


def test_every_number_in_the_budget_card_comes_from_the_facts(zh: HandlerContext, tmp_path: Path) -> None:
    args = "家庭剧70 动漫30 首页位1=0.9 详情页推荐=0.4 预算500万"
    assert find_ungrounded_numbers(card_texts(run_command(f"/mo-budget {args}", zh)), _reading(args)) == []
    en = make_planning_context(tmp_path, "en")
    en_args = "家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 budget 500k"
    assert (
        find_ungrounded_numbers(card_texts(run_command(f"/mo-budget {en_args}", en)), _reading(en_args)) == []
    )


def test_without_arguments_the_default_plan_is_simulated_and_explained(zh: HandlerContext) -> None:
    card = run_command("/mo-budget", zh)
    assert card.title == "预算模拟（默认方案）"
    how_to = card.sections[0]
    command = how_to.fields[0].value
    assert how_to.title == "默认方案与参数" and "/mo-budget" in how_to.text
    assert command.startswith("家庭剧50 综艺50 ") and command.endswith("30天 人群=家庭向高活跃 优惠=无优惠")
    again = run_command(f"/mo-budget {command}", zh)
    assert fields(again, "预测结果") == fields(card, "预测结果")
    assert "usage_exceeds_budget" not in [w.code for w in _reading(command).simulation.warnings]
    assert find_ungrounded_numbers(card_texts(card), _reading(command)) == []


def test_modal_defaults_and_values_round_trip(zh: HandlerContext) -> None:
    defaults = budget_modal_defaults(zh)
    positions = {p["position"]: p for p in defaults["positions"]}
    assert set(positions) == {"首页位1", "详情页推荐", "会员中心"}
    assert positions["首页位1"]["max_capacity"] == 0.95 and positions["会员中心"]["cost_per_10k"] == 30.0
    assert defaults["content"] == [{"name": "家庭剧", "percent": 50.0}, {"name": "综艺", "percent": 50.0}]
    assert {"家庭剧", "综艺", "动漫", "电影"} <= set(defaults["content_types"])
    assert defaults["budget"] % 1000 == 0 and defaults["days"] == 30
    text = budget_text_from_values(defaults["text"])
    parsed = parse_budget_args(text)
    assert parsed.budget == defaults["budget"]
    assert parsed.position_usage == {p: v["usage"] for p, v in positions.items() if v["usage"] > 0}
    structured = budget_text_from_values(
        {"content": defaults["content"], "positions": defaults["positions"], "budget": defaults["budget"],
         "days": 14, "segment": "家庭向高活跃", "discount": "无优惠"}
    )  # fmt: skip
    again = parse_budget_args(structured)
    assert again.days == 14 and again.segment == "家庭向高活跃" and again.discount == "无优惠"
    assert again.content_ratio == {"家庭剧": 0.5, "综艺": 0.5}


@pytest.mark.parametrize(
    ("values", "text"),
    [
        (
            {"mix": "家庭剧70 动漫30", "positions": "首页位1=0.6", "budget": "50万"},
            "家庭剧70 动漫30 首页位1=0.6 预算50万",
        ),
        ({"mix": "家庭剧70", "positions": "", "budget": "budget 500k"}, "家庭剧70 budget 500k"),
        (
            {
                "content:家庭剧": "70",
                "content:动漫": " 30 ",
                "position:首页位1": "0.6",
                "position:会员中心": "",
                "budget": 500000,
            },
            "家庭剧70 动漫30 首页位1=0.6 预算500000",
        ),
        (
            {"content": {"家庭剧": 100}, "positions": {"首页位1": 0.5}, "budget": "80万", "days": "14"},
            "家庭剧100 首页位1=0.5 预算80万 14天",
        ),
    ],
)
def test_budget_text_from_values(values: dict, text: str) -> None:
    assert budget_text_from_values(values) == text


@pytest.mark.parametrize(
    ("text", "language", "message", "example"),
    [
        ("/mo-budget 家庭剧70 首页位1=0.6", "zh", "没有识别到预算（如 预算50万）。", "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万 30天"),
        ("/mo-budget 首页位1=0.6 预算50万", "zh", "没有识别到内容配比", "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万 30天"),
        ("/mo-budget 家庭剧70 预算50万 hello=", "en", "Could not understand 'hello='", "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 budget 500k 30 days"),
        ("/mo-budget 家庭剧70 预算50万", "en", "No position usage found", "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 budget 500k 30 days"),
    ],
)  # fmt: skip
def test_bad_budget_arguments_get_a_helpful_card(
    tmp_path: Path, text: str, language: str, message: str, example: str
) -> None:
    assert_usage_card(
        run_command(text, make_planning_context(tmp_path, language)), "budget", message, example
    )


def test_budget_without_resources_says_what_to_import(tmp_path: Path) -> None:
    card = run_command(f"/mo-budget {ARGS}", make_planning_context(tmp_path, load=False))
    assert "memberops init --demo" in card.sections[0].text
