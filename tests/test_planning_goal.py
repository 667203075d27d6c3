from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cube import daily_totals
from core.planning import GoalParseError, assess_goal, parse_goal
from core.planning.decomposition import decompose
from core.planning.forecast import forecast_metric
from tests.test_planning_data import TODAY, make_campaigns, make_cube, make_segments

FAMILY_DAILY_REVENUE = (1_000_000 * 0.6 + 600_000 * 0.3) * (5 + 2 * 1.2) / 7  # 4 whole weeks in the window


def _assess(text: str, cube: pd.DataFrame | None = None):
    cube = make_cube() if cube is None else cube
    return assess_goal(parse_goal(text), cube, make_segments(), make_campaigns(), TODAY)


def test_baseline_history_and_flat_forecast() -> None:
    result = _assess("提升家庭向收入15% 30天")
    assert result.segments == ["家庭向高活跃", "家庭向低活跃"]
    assert result.segment_column == "segment"
    assert str(result.window_start) == "2025-03-31" and str(result.window_end) == "2025-04-27"
    assert result.baseline == pytest.approx(FAMILY_DAILY_REVENUE)
    assert result.target_value == pytest.approx(FAMILY_DAILY_REVENUE * 1.15)
    # flat data with an exact weekly pattern: no trend, no residual, no natural lift
    assert result.forecast.natural_lift == pytest.approx(0, abs=1e-9)
    assert len(result.forecast.points) == 30
    saturday = result.forecast.points[5]  # 2025-04-28 is a Monday
    assert saturday.value == pytest.approx(FAMILY_DAILY_REVENUE / (7.4 / 7) * 1.2)
    # the family campaigns C1, C2, C3, C4, C6 have revenue lifts 0.10, 0.08, 0.02, 0.12, 0.20
    history = result.history
    assert (history.scope, history.n, history.source) == ("segment", 5, "revenue_lift")
    assert history.campaign_ids == ["C1", "C2", "C3", "C4", "C6"]
    assert (history.median, history.p75, history.p90, history.best) == pytest.approx(
        (0.10, 0.12, 0.168, 0.20)
    )
    assert history.best_campaign_id == "C6"


@pytest.mark.parametrize(
    ("target", "level", "band"),
    [(5, 1, "at_or_below_median"), (11, 2, "median_to_p75"), (15, 3, "p75_to_p90"), (18, 4, "p90_to_best"),
     (25, 5, "above_best")],
)  # fmt: skip
def test_difficulty_bands(target: int, level: int, band: str) -> None:
    difficulty = _assess(f"提升家庭向收入{target}% 30天").difficulty
    assert (difficulty.level, difficulty.band) == (level, band)
    assert difficulty.needed_lift == pytest.approx(target / 100)


def test_difficulty_never_decreases_with_the_target_and_a_falling_trend_makes_it_harder() -> None:
    levels = [_assess(f"提升家庭向收入{t}% 30天").difficulty.level for t in range(0, 40, 3)]
    assert levels == sorted(levels) and levels[0] == 1 and levels[-1] == 5
    falling = _assess("提升家庭向收入9% 30天", make_cube(trend_per_day=-0.002))
    assert falling.forecast.natural_lift < -0.05
    assert falling.difficulty.needed_lift > 0.09 + 0.05
    assert falling.difficulty.level > _assess("提升家庭向收入9% 30天").difficulty.level
    assert "negative_trend" in [risk.code for risk in falling.risks]


def test_above_best_is_a_risk_with_the_best_campaign() -> None:
    risks = {risk.code: risk for risk in _assess("提升家庭向收入30% 30天").risks}
    assert risks["target_above_best_campaign"].threshold == pytest.approx(0.20)
    assert risks["target_above_best_campaign"].detail["campaign_id"] == "C6"


def test_unknown_segment_is_a_user_error() -> None:
    with pytest.raises(GoalParseError) as caught:
        _assess("提升电竞收入10% 30天")
    assert caught.value.code == "unknown_segment"
    assert "家庭向高活跃" in str(caught.value)


def test_revenue_tree_multiplies_and_sums_exactly() -> None:
    cube = make_cube()
    window = cube[cube["date"] >= cube["date"].max() - pd.Timedelta(days=27)]
    tree = decompose(window, "revenue", 0.15, "segment", 28)
    dau, conversion, arppu = (node.current for node in tree.children)
    assert [node.name for node in tree.children] == ["dau", "conversion", "arppu"]
    assert dau * conversion * arppu == pytest.approx(tree.current, rel=1e-12)
    assert sum(node.current for node in tree.segments) == pytest.approx(tree.current, rel=1e-12)
    assert sum(node.share for node in tree.segments) == pytest.approx(1.0)
    top = tree.segments[0]
    assert top.name == "家庭向高活跃"
    assert top.share == pytest.approx(600_000 / (600_000 + 180_000 + 80_000))
    # the whole gap from one segment: its revenue + total × lift
    assert top.required == pytest.approx(top.current + 0.15 * tree.current)
    assert [c.required for c in top.children] == pytest.approx(
        [c.current * (1 + top.required_lift) for c in top.children]
    )
    assert arppu == pytest.approx((600_000 + 180_000 + 80_000) / (12_000 + 4_800 + 2_400))


def test_arpu_tree_weighted_mean_and_change_shares() -> None:
    cube = make_cube(trend_per_day=0.001)
    end = cube["date"].max()
    window = cube[cube["date"] > end - pd.Timedelta(days=28)]
    prior = cube[(cube["date"] <= end - pd.Timedelta(days=28)) & (cube["date"] > end - pd.Timedelta(days=56))]
    tree = decompose(window, "arpu", 0.1, "segment", 28, prior, 28)
    assert tree.segments_relation == "weighted_mean"
    assert sum(n.current * n.share for n in tree.segments) == pytest.approx(tree.current, rel=1e-12)
    conversion, arppu = tree.children
    assert conversion.current * arppu.current == pytest.approx(tree.current, rel=1e-12)
    # ARPU is constant per segment; a common DAU trend leaves it unchanged → no change to share out
    assert conversion.change_share is None and arppu.change_share is None
    low = next(n for n in tree.segments if n.name == "动漫偏好沉默")
    assert low.required == pytest.approx(0.2 + tree.current * 0.1 / low.share)


def test_forecast_recovers_a_trend_and_its_interval_widens_with_the_horizon() -> None:
    rng = np.random.default_rng(3)
    dates = pd.date_range("2025-01-06", periods=84, freq="D")
    season = np.where(dates.day_of_week >= 5, 1.2, 1.0)
    values = (100 + 0.5 * np.arange(84)) * season * (1 + rng.normal(0, 0.01, 84))
    forecast = forecast_metric(pd.DataFrame({"date": dates, "revenue": values}), "revenue", 28)
    # z is on the scale of an average day (weekends included): slope 0.5 × 7.4 / 7
    assert forecast.trend_per_day == pytest.approx(0.5 * 7.4 / 7, rel=0.05)
    assert forecast.weekday_index[5] / forecast.weekday_index[0] == pytest.approx(1.2, rel=0.03)
    widths = [p.upper - p.lower for p in forecast.points if p.date.weekday() == 0]
    assert widths == sorted(widths) and widths[-1] > widths[0]
    first = forecast.points[0]
    assert first.lower < first.value < first.upper
    assert first.value == pytest.approx((100 + 0.5 * 84), rel=0.03)


def test_daily_totals_input_of_the_forecast_is_the_cube() -> None:
    daily = daily_totals(make_cube())
    forecast = forecast_metric(daily, "arpu", 7)
    assert forecast.mean == pytest.approx((600_000 + 180_000 + 80_000) / 2_000_000)
