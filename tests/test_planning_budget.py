from __future__ import annotations

import numpy as np
import pytest

from core.planning import simulate_budget
from core.planning.campaigns import prepare_campaigns
from core.planning.capacity import KNEE, allocate_budget, marginal_response, position_table, spend_for_usage
from core.planning.intervals import weighted_estimate
from core.planning.similarity import Plan, campaign_similarities, nearest_campaigns
from tests.test_planning_data import make_campaigns, make_cube, make_resources, make_segments

MIX = {"家庭剧": 0.7, "动漫": 0.3}


def _table():
    return position_table(make_resources(), make_cube())


def _simulate(usage: dict[str, float], budget: float = 5_000_000, **options):
    return simulate_budget(MIX, usage, budget, make_segments(), make_campaigns(), make_resources(), make_cube(),
                           **options)  # fmt: skip


def test_inventory_comes_from_the_cube_positions() -> None:
    table = _table()
    mean_dau = 2_000_000 * 7.4 / 7
    assert table.loc["首页位1", "daily_inventory"] == pytest.approx(0.6 * mean_dau)
    assert table.loc["详情页推荐", "daily_inventory"] == pytest.approx(0.4 * mean_dau)
    # a position the cube does not know gets the median inventory
    assert table.loc["会员中心", "daily_inventory"] == pytest.approx(0.5 * mean_dau)
    # 60 % of 首页位1 for 30 days: 0.6 × inventory × 30 × 180 / 10k
    assert spend_for_usage(np.array([0.6, 0, 0]), table, 30)[0] == pytest.approx(
        0.6 * 0.6 * mean_dau * 30 * 0.018
    )


def test_marginal_return_is_lower_past_the_knee() -> None:
    table = _table().loc[["首页位1"]]
    capacity = 0.95
    at_70, at_79, at_81, at_90 = marginal_response(
        np.array([[0.7], [0.79], [0.81], [0.9]]) * capacity, table
    )[:, 0]
    assert at_90 < at_81 < at_79 < at_70
    assert at_81 < 0.5 * at_79  # the penalty factor 0.4 past 80 % of capacity


def test_simulation_warns_at_90_percent_of_capacity_not_at_70() -> None:
    result = _simulate({"首页位1": 0.9 * 0.95, "详情页推荐": 0.7 * 0.75})
    by_position = {p.position: p for p in result.positions}
    assert by_position["首页位1"].warning == "capacity_near_limit"
    assert by_position["详情页推荐"].warning is None
    assert by_position["首页位1"].capacity_used == pytest.approx(0.9)
    assert [w.code for w in result.warnings].count("capacity_near_limit") == 1


def test_usage_above_capacity_is_clipped_and_over_budget_usage_is_scaled() -> None:
    clipped = _simulate({"会员中心": 0.8})
    assert clipped.positions[0].usage == pytest.approx(0.5)
    assert clipped.positions[0].warning == "usage_clipped"
    assert [w.detail for w in clipped.warnings if w.code == "usage_clipped"] == [{"position": "会员中心"}]
    scaled = _simulate({"首页位1": 0.6}, budget=100_000)
    assert scaled.budget_used == pytest.approx(100_000)
    assert "usage_exceeds_budget" in [w.code for w in scaled.warnings]
    assert scaled.positions[0].usage < 0.6


def test_simulation_is_deterministic_and_roi_falls_with_more_spend() -> None:
    small = _simulate({"首页位1": 0.1}, segment="家庭向高活跃", discount="无优惠")
    assert small == _simulate({"首页位1": 0.1}, segment="家庭向高活跃", discount="无优惠")
    large = _simulate({"首页位1": 0.5}, segment="家庭向高活跃", discount="无优惠")
    assert large.budget_used == pytest.approx(5 * small.budget_used)
    assert large.kpi.revenue_lift.point > small.kpi.revenue_lift.point
    assert large.kpi.roi.point < small.kpi.roi.point


def test_nearest_campaigns_are_the_expected_ids() -> None:
    plan = Plan("家庭向高活跃", MIX, frozenset({"首页位1"}), "无优惠")
    similarities = campaign_similarities(plan, prepare_campaigns(make_campaigns()), make_segments())
    expected = {"C1": 1.0, "C6": 0.85, "C2": 0.81, "C4": 0.605, "C3": 0.485, "C5": 0.135}
    assert dict(zip(similarities["campaign_id"], similarities["similarity"], strict=True)) == pytest.approx(
        expected
    )
    nearest = nearest_campaigns(similarities, k=3)
    assert nearest["campaign_id"].tolist() == ["C1", "C6", "C2"]
    assert nearest["weight"].tolist() == pytest.approx([1.0, 0.85**2, 0.81**2])
    assert "C5" not in nearest_campaigns(similarities, k=10)["campaign_id"].tolist()  # below 0.3


def test_simulation_reports_its_neighbours() -> None:
    result = _simulate({"首页位1": 0.1}, segment="家庭向高活跃", discount="无优惠", k=3)
    assert [n.campaign_id for n in result.neighbours] == ["C1", "C6", "C2"]
    assert result.neighbours[0].roi == 3.0
    assert result.kpi.n_neighbours == 3
    assert "few_similar_campaigns" not in [w.code for w in result.warnings]
    assert "few_similar_campaigns" in [w.code for w in _simulate({"首页位1": 0.1}, k=2).warnings]


def test_interval_widens_with_fewer_or_more_dispersed_neighbours() -> None:
    values = np.array([0.08, 0.10, 0.12, 0.09, 0.11, 0.10])
    many = weighted_estimate(values, np.ones(6), prior_sd=0.02)
    few = weighted_estimate(values[:2], np.ones(2), prior_sd=0.02)
    dispersed = weighted_estimate(values * 3 - 0.2, np.ones(6), prior_sd=0.02)
    assert many.lower < many.point < many.upper
    assert few.width > many.width
    assert dispersed.width > many.width
    single = weighted_estimate(values[:1], np.ones(1), prior_sd=0.02)
    assert single.width > few.width > 0


def test_allocation_never_exceeds_capacity_and_spends_the_budget() -> None:
    table = _table()
    usage = allocate_budget(300_000, table, 30)
    spend = spend_for_usage(usage.to_numpy(), table, 30)
    assert spend.sum() == pytest.approx(300_000)
    assert (usage <= KNEE * table["max_capacity"] + 1e-9).all()
    huge = allocate_budget(1e9, table, 30)
    assert (huge <= table["max_capacity"] + 1e-12).all()
    assert huge.to_numpy() == pytest.approx(table["max_capacity"].to_numpy())
