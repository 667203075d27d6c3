"""Offline narrators of /mo-goal and /mo-strategy (and the /mo-budget reading): content, zh/en, grounding."""

from __future__ import annotations

import pytest

from core.ai import find_ungrounded_numbers
from core.ai.number_guard import text_fields
from core.narrators.budget import budget_command_text
from core.narrators.feasibility import FeasibilityFacts, feasibility_facts, narrate_feasibility
from core.narrators.planning_format import metric_value, pct, stars
from core.narrators.strategy import narrate_strategy, plan_risk_text
from core.narrators.text_fit import PARAGRAPH_LIMIT, SHORT_TEXT_LIMIT, clip, fit
from core.planning import assess_goal, parse_budget_args, recommend_strategy
from core.planning.facts import Fact
from tests.test_planning_data import TODAY, make_campaigns, make_cube, make_resources, make_segments


def _facts(text: str = "提升家庭向收入15% 30天", language: str = "zh", **cube_options) -> FeasibilityFacts:
    assessment = assess_goal(text, make_cube(**cube_options), make_segments(), make_campaigns(), TODAY)
    return feasibility_facts(assessment, language)


def test_formatting_rules() -> None:
    assert stars(3) == "★★★☆☆ 3/5" and stars(5) == "★★★★★ 5/5"
    assert pct(0.1234) == "+12.3%" and pct(-0.02) == "-2.0%" and pct(0.5, signed=False, digits=0) == "50%"
    assert pct(None) == "—" and pct(float("nan")) == "—"
    assert metric_value("arpu", 0.43214) == "0.4321 元"
    assert metric_value("revenue", 1234567.4) == "1,234,567 元"
    assert metric_value("conversion", 0.010322) == "1.03%"
    assert metric_value("dau", 1691428.6) == "1,691,429"


def test_feasibility_reason_risks_and_advice_zh() -> None:
    facts = _facts()
    value = narrate_feasibility(facts, "zh")
    assert value.difficulty == 3
    assert value.reason == (
        "家庭向收入需从 824,571 元 提升到 948,257 元（+15.0%，30 天）。不做活动的自然变化为 +0.0%，活动需额外带来 "
        "+15.0%。这高于历史 75 分位 +12.0%，不超过 90 分位 +16.8%：只有前列活动做到过。所需提升高于 80.0% 的历史活动。"
    )
    assert value.advice[0] == "目标偏高：参考历史最佳活动 C6 的人群、内容与资源位组合"
    assert value.advice[1] == "优先在「家庭向高活跃」发力：占收入 76.9%，单靠它需提升 +19.5%"
    # conversion (12,000 + 4,800) / 1,600,000 = 1.05 %, alone it needs × 1.15 = 1.2075 %
    assert value.advice[2] == "转化是主要抓手：单靠转化需从 1.05% 提升到 1.21%"
    assert find_ungrounded_numbers(text_fields(value), facts) == []


def test_feasibility_en_with_a_falling_trend() -> None:
    facts = _facts("raise family revenue 15% in 30 days", "en", trend_per_day=-0.002)
    value = narrate_feasibility(facts, "en")
    assert value.reason.startswith("Revenue (family) must rise from")
    assert any(r.startswith("Metric trending down: -") for r in value.risks)
    assert any(a.startswith("Stop the decline first") for a in value.advice)
    assert value.advice[-1].startswith("Use /mo-strategy")
    assert find_ungrounded_numbers(text_fields(value), facts) == []


@pytest.mark.parametrize(
    ("band", "level", "zh", "en"),
    [
        ("at_or_below_median", 1, "多数活动能做到", "most of them achieved it"),
        ("median_to_p75", 2, "但不超过 75 分位 +12.0%", "within the 75th percentile +12.0%"),
        ("p90_to_best", 4, "接近历史最佳 +20.0%（C6）", "close to the best past campaign +20.0% (C6)"),
        ("above_best", 5, "这超过了历史最佳活动 +20.0%（C6）", "beyond the best past campaign +20.0% (C6)"),
    ],
)
def test_every_difficulty_band_is_explained_and_grounded(band: str, level: int, zh: str, en: str) -> None:
    base = _facts()
    facts = base.model_copy(
        update={"difficulty": base.difficulty.model_copy(update={"band": band, "level": level})}
    )
    for language, phrase in (("zh", zh), ("en", en)):
        value = narrate_feasibility(facts, language)
        assert phrase in value.reason and value.difficulty == level
        assert find_ungrounded_numbers(text_fields(value), facts) == []
    advice = narrate_feasibility(facts, "zh").advice[0]
    assert advice.startswith("目标在历史常见范围内") if level <= 2 else "75 分位 +12.0%" in advice


def test_without_history_the_default_thresholds_are_named() -> None:
    campaigns = make_campaigns().iloc[0:0]
    assessment = assess_goal("提升家庭向收入15% 30天", make_cube(), make_segments(), campaigns, TODAY)
    facts = feasibility_facts(assessment, "zh")
    value = narrate_feasibility(facts, "zh")
    assert "没有可比的历史活动，按默认阈值评估（中位 +3.0%，最佳 +15.0%）" in value.reason
    assert value.risks[0] == "历史同类活动太少：仅 0 个"
    assert "历史证据不足：先小范围测试一周，再决定是否放量" in value.advice
    assert find_ungrounded_numbers(text_fields(value), facts) == []


def _strategy(text: str, budget: float | None = 300_000):
    return recommend_strategy(text, make_cube(), make_segments(), make_campaigns(), make_resources(), budget)


def test_strategy_rationale_zh() -> None:
    facts = _strategy("提升家庭向会员收入")
    value = narrate_strategy(facts, "zh")
    assert value.segment_reason.startswith(
        "首选「家庭向高活跃」：规模 1,000,000 人，历史转化率 1.20%，边现贡献 0.6000（第 1/3），4 个历史活动收入中位提升 +9.0%。"
    )
    assert "次选「家庭向低活跃」" in value.segment_reason
    assert value.content_reason.startswith(
        "家庭剧50%+综艺50% 是该人群历史 ROI 最高的内容配比（ROI 4.00，全部活动中位 2.25；来自 C6）"
    )
    assert value.position_reason.startswith("预算 300,000 元（按指定预算）按边际响应分配：")
    assert "没有资源位超过容量上限" in value.position_reason and "周末" in value.position_reason
    assert value.discount_reason.startswith("该人群价格敏感度为「低」，按规则选择「无优惠」")
    assert find_ungrounded_numbers(text_fields(value), facts) == []


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("提升动漫偏好沉默边现10% 30天", None),
        ("raise family revenue 80%", 50_000_000),
        ("提升家庭向会员收入", None),
    ],
)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_strategy_rationale_is_grounded(text: str, budget: float | None, language: str) -> None:
    facts = _strategy(text, budget)
    value = narrate_strategy(facts, language)
    assert find_ungrounded_numbers(text_fields(value), facts) == []
    assert all(len(r) <= 120 for r in value.risks)


def test_preference_mix_and_deep_discount_en() -> None:
    facts = _strategy("提升动漫偏好沉默边现10% 30天")
    value = narrate_strategy(facts, "en")
    assert value.content_reason.startswith(
        "Set from the segment's preference (动漫、电影、综艺) as 动漫70%+电影30%"
    )
    assert value.discount_reason.startswith(
        "The segment's price sensitivity is '高', so the rule picks '5折月卡'"
    )


@pytest.mark.parametrize(
    ("fact", "zh", "en"),
    [
        (Fact(code="capacity_near_limit", value=0.93, threshold=0.8, detail={"position": "首页位1"}),
         "资源位接近容量上限：首页位1 已用容量的 93.0%", "Position near its capacity: 首页位1 at 93.0% of capacity"),
        (Fact(code="usage_exceeds_budget", value=677417.2, threshold=500000.0),
         "占用超出预算，已按比例缩减：需 677,417 元，预算 500,000 元", "Usage costs more than the budget, scaled down: needs 677,417 元, budget 500,000 元"),
        (Fact(code="roi_may_be_below_1", value=-0.104, threshold=1.0), "ROI 可能低于 1：区间下限 -0.10", "ROI may fall below 1: lower bound -0.10"),
        (Fact(code="target_above_forecast", value=0.139, threshold=0.8), "目标高于预测提升：预测 +13.9%，目标 +80.0%", "Target above the forecast lift: forecast +13.9%, target +80.0%"),
        (Fact(code="price_sensitive_without_discount", detail={"discount": None}), "价格敏感人群未设优惠", "Price-sensitive segment without discount"),
    ],
)  # fmt: skip
def test_plan_risk_lines(fact: Fact, zh: str, en: str) -> None:
    assert plan_risk_text(fact, "zh") == zh
    assert plan_risk_text(fact, "en") == en
    assert find_ungrounded_numbers([zh, en], fact) == []


def test_budget_command_text_round_trips() -> None:
    parsed = parse_budget_args(
        "家庭剧2 动漫1 首页位1=60% 详情页推荐=0.4 预算50万 14天 人群=家庭向高活跃 优惠=10元券"
    )
    text = budget_command_text(parsed)
    assert (
        text == "家庭剧66.7 动漫33.3 首页位1=0.6 详情页推荐=0.4 预算500000 14天 人群=家庭向高活跃 优惠=10元券"
    )
    again = parse_budget_args(text)
    assert again.position_usage == parsed.position_usage and again.budget == parsed.budget
    assert again.content_ratio == pytest.approx(parsed.content_ratio, abs=1e-3)
    assert (again.days, again.segment, again.discount) == (14, "家庭向高活跃", "10元券")


def test_text_fit_cuts_lines_and_keeps_whole_sentences() -> None:
    assert clip("  短句  ") == "短句"
    assert clip("a" * (SHORT_TEXT_LIMIT + 5)) == "a" * (SHORT_TEXT_LIMIT - 1) + "…"
    assert len(clip("b" * 500, PARAGRAPH_LIMIT)) == PARAGRAPH_LIMIT
    assert fit(["第一句。", "第二句。", "第三句很长很长。"], 9) == "第一句。第二句。"
    assert fit(["One.", "Two."], 20, " ") == "One. Two."
    assert fit(["x" * 12], 10) == "x" * 9 + "…"
