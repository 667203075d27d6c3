"""The offline Explanation narrator: causes from slices and mix/rate, insight, three dimension-aware actions."""

from __future__ import annotations

import datetime as dt

import pytest

from core.ai import find_ungrounded_numbers
from core.ai.number_guard import text_fields
from core.calendar import ChineseCalendar
from core.detection.models import Alert, RootCause
from core.narrators.explanation import dimension_kind, narrate_explanation
from core.why import build_why_facts, day_period, facts_from_alert
from core.why.models import WhyFacts, WhyMixRate, WhySlice
from core.why.periods import last_week, this_week
from tests.test_why_core import LAST, TODAY, small_cube


def facts_with(slice_: dict[str, str], direction: str = "down", mix_share: float = 0.1) -> WhyFacts:
    sign = -1 if direction == "down" else 1
    return WhyFacts(
        metric="arpu",
        metric_label="边现",
        unit="元",
        is_ratio=True,
        period=day_period(dt.date(2026, 11, 25)),
        comparison="same_weekday",
        value=0.5 + sign * 0.05,
        baseline=0.5,
        change=sign * 0.05,
        pct_change=sign * 0.1,
        direction=direction,  # type: ignore[arg-type]
        slices=[WhySlice(slice=slice_, share=0.83, actual=0.3, expected=0.5, change=-0.4)],
        mix_rate=WhyMixRate(
            dimensions=list(slice_), total_change=sign * 0.05, mix=sign * 0.05 * mix_share,
            rate=sign * 0.05 * (1 - mix_share), mix_share=mix_share, rate_share=1 - mix_share,
        ),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("slice_", "direction", "fragment"),
    [
        ({"resource_position": "首页位1"}, "down", "检查资源位「首页位1」的素材、落地页与跳转配置"),
        ({"resource_position": "首页位1"}, "up", "加大该位曝光"),
        ({"discount_type": "5折月卡"}, "down", "核对优惠「5折月卡」的券规则"),
        ({"content_type": "动漫"}, "down", "刷新「动漫」的内容片单"),
        ({"platform": "TV"}, "down", "检查「TV」端最近的客户端版本发布与支付/收银台流程"),
        ({"segment": "家庭向高活跃"}, "down", "对「家庭向高活跃」人群做定向召回与触达"),
        ({"region": "north"}, "down", "排查「north」的配置与数据上报"),
    ],
)
def test_first_action_follows_the_cause_dimension(slice_: dict, direction: str, fragment: str) -> None:
    explanation = narrate_explanation(facts_with(slice_, direction), "zh")
    assert len(explanation.actions) == 3
    assert fragment in explanation.actions[0]
    assert not find_ungrounded_numbers(text_fields(explanation), facts_with(slice_, direction))


def test_two_dimension_slice_gives_an_action_per_dimension_position_first() -> None:
    explanation = narrate_explanation(
        facts_with({"segment": "动漫偏好活跃", "resource_position": "首页位1"}), "zh"
    )
    assert explanation.actions[0].startswith("检查资源位「首页位1」（动漫偏好活跃）")
    assert explanation.actions[1].startswith("对「动漫偏好活跃」人群（首页位1）做定向召回")
    assert explanation.actions[2] == "明天复查边现是否回到基线，未恢复则升级处理"
    assert explanation.core_causes[0] == (
        "动漫偏好活跃 × 首页位1 贡献了边现下降的83%（切片内 0.5000 元 → 0.3000 元，-40.0%）"
    )
    assert explanation.core_causes[1].startswith("比率效应为主")


def test_mix_dominated_change_leads_with_the_traffic_mix() -> None:
    facts = facts_with({"discount_type": "免费试看"}, mix_share=0.8)
    explanation = narrate_explanation(facts, "zh")
    assert explanation.core_causes[1].startswith(
        "结构效应为主：按discount_type看，边现变化的80%来自 DAU 构成变化"
    )
    assert explanation.actions[0].startswith("检查discount_type的流量结构变化")


def test_english_narrative() -> None:
    explanation = narrate_explanation(facts_with({"platform": "TV"}), "en")
    assert explanation.actions[0].startswith("Check the latest client release and the payment flow on TV")
    assert explanation.core_causes[0].startswith("TV carries 83% of the 边现 drop")
    assert explanation.data_insight.startswith(
        "On 2026-11-25, 边现 was 0.4500 元, -10.0% vs the same weekday"
    )


def test_number_guard_passes_on_real_facts_in_both_languages() -> None:
    cube, calendar = small_cube(), ChineseCalendar()
    cases = [
        build_why_facts(cube, metric="arpu", period=day_period(LAST), calendar=calendar),
        build_why_facts(cube, metric="revenue", period=this_week(LAST), calendar=calendar),
        build_why_facts(cube, metric="conversion", period=last_week(TODAY, LAST), calendar=calendar),
        build_why_facts(
            cube, metric="dau", period=day_period(LAST), scope={"segment": "A"}, calendar=calendar
        ),
    ]
    for facts in cases:
        for language in ("zh", "en"):
            explanation = narrate_explanation(facts, language)
            assert find_ungrounded_numbers(text_fields(explanation), facts) == [], (facts.metric, language)
            assert len(explanation.actions) == 3


def test_flat_change_says_no_action_needed() -> None:
    facts = build_why_facts(
        small_cube(), metric="arpu", period=last_week(TODAY, LAST), calendar=ChineseCalendar()
    )
    explanation = narrate_explanation(facts, "zh")
    assert explanation.actions[0] == "无需处理，继续观察边现"
    assert "变化分散在各维度" in explanation.core_causes[0]


def test_alert_facts_compare_with_the_detection_baseline() -> None:
    alert = Alert(
        date=dt.date(2026, 11, 23), metric="arpu", metric_label="边现", scope={"segment": "动漫偏好活跃"},
        value=0.4543, expected=0.5567, lower=0.5319, upper=0.5827, pct_change=0.4543 / 0.5567 - 1, z=-9.1,
        z_raw=-12.0, severity="severe", direction="down",
        root_causes=[RootCause(slice={"resource_position": "首页位1"}, share=0.95)],
        mix_rate={"dimensions": ["resource_position"], "total_change": -0.1, "mix": 0.0, "rate": -0.1,
                  "interaction": 0.0, "contributions": []},
    )  # fmt: skip
    facts = facts_from_alert(alert, "zh")
    explanation = narrate_explanation(facts, "zh")
    assert explanation.core_causes[0] == "动漫偏好活跃 × 首页位1 贡献了边现下降的95%"
    assert explanation.data_insight.startswith(
        "2026-11-23 动漫偏好活跃 边现 0.4543 元，较检测基线 0.5567 元 -18.4%。正常范围 0.5319 元 ~ 0.5827 元。"
    )
    assert explanation.actions[0].startswith("检查资源位「首页位1」（动漫偏好活跃）")
    assert find_ungrounded_numbers(text_fields(explanation), facts) == []


def test_dimension_kinds_are_recognised_by_keywords() -> None:
    assert [dimension_kind(d) for d in ("resource_position", "资源位", "coupon_type", "client_platform")] == [
        "position",
        "position",
        "discount",
        "platform",
    ]
    assert dimension_kind("content_type") == "content" and dimension_kind("user_segment") == "segment"
