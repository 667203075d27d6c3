from __future__ import annotations

import pytest

from core.planning import BudgetParseError, GoalParseError, parse_budget_args, parse_goal
from core.planning.segment_match import match_segments
from tests.test_planning_data import make_segments


def test_parse_goal_chinese() -> None:
    spec = parse_goal("/goal 提升家庭向收入15% 30天")
    assert (spec.metric, spec.target_lift, spec.horizon_days, spec.segment_filter) == (
        "revenue",
        0.15,
        30,
        "家庭向",
    )


def test_parse_goal_english() -> None:
    spec = parse_goal("raise family revenue 15% in 30 days")
    assert (spec.metric, spec.target_lift, spec.horizon_days, spec.segment_filter) == (
        "revenue",
        0.15,
        30,
        "family",
    )


def test_parse_goal_weeks_chinese_numerals_and_member_phrases() -> None:
    assert parse_goal("边现提升8% 两周").model_dump(include={"metric", "horizon_days", "segment_filter"}) == {
        "metric": "arpu",
        "horizon_days": 14,
        "segment_filter": None,
    }
    spec = parse_goal("increase ARPU of anime active users by 10% within 4 weeks")
    assert (spec.metric, spec.horizon_days, spec.segment_filter) == ("arpu", 28, "anime active")
    spec = parse_goal("提升家庭向会员收入", require_target=False)
    assert (spec.metric, spec.target_lift, spec.segment_filter, spec.horizon_defaulted) == (
        "revenue",
        None,
        "家庭向",
        True,
    )


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("提升家庭向收入 30天", "no_target", "没有识别到目标幅度"),
        ("raise family revenue in 30 days", "no_target", "No target lift"),
        ("家庭向 提升15%", "no_metric", "没有识别到指标"),
        ("make family great 15%", "no_metric", "No metric found"),
        ("收入提升10% 400天", "bad_horizon", "400"),
        ("", "empty", "Please describe the goal"),
    ],
)
def test_parse_goal_errors_in_the_text_language(text: str, code: str, fragment: str) -> None:
    with pytest.raises(GoalParseError) as caught:
        parse_goal(text)
    assert caught.value.code == code
    assert fragment in str(caught.value)
    example = (
        "示例：/mo-goal 提升家庭向收入15% 30天"
        if caught.value.language == "zh"
        else "Example: /mo-goal raise"
    )
    assert example in str(caught.value)


def test_goal_error_message_in_the_other_language() -> None:
    with pytest.raises(GoalParseError) as caught:
        parse_goal("提升家庭向收入")
    assert caught.value.message("en").startswith("No target lift found")


def test_match_segments() -> None:
    segments = make_segments()
    assert match_segments("家庭向", segments) == ["家庭向高活跃", "家庭向低活跃"]
    assert match_segments("family", segments) == ["家庭向高活跃", "家庭向低活跃"]
    assert match_segments("动漫偏好沉默", segments) == ["动漫偏好沉默"]
    assert match_segments("全部", segments) == ["家庭向高活跃", "家庭向低活跃", "动漫偏好沉默"]
    assert match_segments(None, segments) == ["家庭向高活跃", "家庭向低活跃", "动漫偏好沉默"]
    assert match_segments("电竞", segments) == []


def test_parse_budget_chinese() -> None:
    parsed = parse_budget_args("家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万")
    assert parsed.content_ratio == pytest.approx({"家庭剧": 0.7, "动漫": 0.3})
    assert parsed.position_usage == {"首页位1": 0.6, "详情页推荐": 0.4}
    assert (parsed.budget, parsed.days, parsed.segment, parsed.discount) == (500_000, 30, None, None)


def test_parse_budget_english_percent_and_keys() -> None:
    parsed = parse_budget_args(
        "家庭剧:60% 综艺:20% 首页位1=60% budget 200k 14 days segment=家庭向高活跃 discount=10元券"
    )
    assert parsed.content_ratio == pytest.approx({"家庭剧": 0.75, "综艺": 0.25})
    assert parsed.position_usage == {"首页位1": 0.6}
    assert (parsed.budget, parsed.days, parsed.segment, parsed.discount) == (
        200_000,
        14,
        "家庭向高活跃",
        "10元券",
    )


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("家庭剧70 首页位1=0.6", "no_budget", "没有识别到预算"),
        ("family70 home=0.5", "no_budget", "No budget found"),
        ("首页位1=0.6 预算5万", "no_content", "没有识别到内容配比"),
        ("drama70 budget 5k", "no_position", "No position usage found"),
        ("家庭剧70 首页位1=0.6 预算5万 随便", "bad_token", "随便"),
        ("家庭剧70 首页位1=150 budget 5k", "bad_usage", "150"),
    ],
)
def test_parse_budget_errors(text: str, code: str, fragment: str) -> None:
    with pytest.raises(BudgetParseError) as caught:
        parse_budget_args(text)
    assert caught.value.code == code
    assert fragment in str(caught.value)
    assert ("示例：/mo-budget" in str(caught.value)) == (caught.value.language == "zh")
