from __future__ import annotations

import pytest

from core.planning import recommend_strategy
from core.planning.capacity import KNEE
from tests.test_planning_data import make_campaigns, make_cube, make_resources, make_segments


def _strategy(text: str, budget: float | None = 300_000, **options):
    return recommend_strategy(text, make_cube(), make_segments(), make_campaigns(), make_resources(), budget,
                              **options)  # fmt: skip


def test_family_strategy_levers() -> None:
    facts = _strategy("提升家庭向会员收入")
    assert [s.segment for s in facts.segments] == ["家庭向高活跃", "家庭向低活跃"]
    top = facts.segments[0]
    # response 0.09/0.12, value 1, size 1, cvr 1 → 0.4·0.75 + 0.3 + 0.2 + 0.1
    assert top.score == pytest.approx(0.9)
    reasons = {r.code: r for r in top.reasons}
    assert reasons["matches_goal_keyword"].detail["keyword"] == "家庭向"
    assert reasons["arpu_contribution"].detail["rank"] == 1
    assert reasons["past_campaign_response"].value == pytest.approx(0.09)
    # the best-ROI past mix of the segment (C6, ROI 4) leads with its favourite content
    assert facts.content.text == "家庭剧50%+综艺50%"
    assert facts.content.source_campaign_ids == ["C6"]
    assert facts.content.reasons[0].value == 4.0
    assert facts.discount.discount == "无优惠"  # price sensitivity 低
    assert facts.timing.windows[0].code == "weekend"
    assert facts.timing.windows[0].index == pytest.approx(1.2 / (7.4 / 7))
    assert set(facts.timing.best_weekdays[:2]) == {5, 6}


def test_budget_split_spends_the_budget_within_capacity() -> None:
    facts = _strategy("提升家庭向会员收入", budget=300_000)
    assert facts.budget_source == "given"
    assert sum(p.budget for p in facts.positions) == pytest.approx(300_000)
    assert sum(p.budget_share for p in facts.positions) == pytest.approx(1.0)
    for position in facts.positions:
        assert position.usage <= KNEE * position.max_capacity + 1e-9
        assert position.budget_share >= 0.1
    big = _strategy("提升家庭向会员收入", budget=50_000_000)
    assert all(p.usage <= p.max_capacity + 1e-12 for p in big.positions)
    codes = [r.code for r in big.risks]
    assert "budget_unspent" in codes and "capacity_near_limit" in codes


def test_default_budget_is_the_history_median_per_day() -> None:
    facts = _strategy("提升家庭向会员收入", budget=None)
    # 家庭向高活跃 campaigns spend 100k, 80k, 50k, 90k over 14 days → median 85k / 14 per day
    assert facts.budget_source == "history_median"
    assert facts.budget == pytest.approx(85_000 / 14 * 30)


def test_price_sensitive_segment_gets_a_deep_discount() -> None:
    facts = _strategy("提升动漫偏好沉默边现10% 30天")
    assert facts.segments[0].segment == "动漫偏好沉默"
    assert facts.discount.discount == "5折月卡"
    # its only campaign C5 (ROI 1.2) is below the median ROI 2.25 → the preference 动漫>电影>综艺 decides
    assert facts.content.text == "动漫70%+电影30%"
    assert facts.content.reasons[0].code == "segment_preference"


def test_kpi_forecast_learns_from_neighbours_and_reports_confidence() -> None:
    facts = _strategy("提升家庭向会员收入")
    assert facts.kpi is not None
    assert facts.neighbours[0].campaign_id == "C6"  # same segment, mix and discount
    assert 0 < facts.kpi.confidence < 1
    kpi = facts.kpi
    for estimate in (kpi.arpu_lift, kpi.revenue_lift, kpi.roi):
        assert estimate.lower < estimate.point < estimate.upper
    few = _strategy("提升家庭向会员收入", k=1)
    assert "few_similar_campaigns" in [r.code for r in few.risks]
    assert few.kpi.revenue_lift.width > kpi.revenue_lift.width
    assert few.kpi.confidence < kpi.confidence


def test_target_above_forecast_is_a_risk() -> None:
    facts = _strategy("提升家庭向收入80% 30天")
    risk = next(r for r in facts.risks if r.code == "target_above_forecast")
    assert risk.threshold == 0.8 and risk.value < 0.8


def test_facts_are_json_serialisable() -> None:
    text = _strategy("提升家庭向会员收入").model_dump_json()
    assert '"segment":"家庭向高活跃"' in text
