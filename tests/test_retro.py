"""Retro facts on a small fixed cube whose lifts, shares and ROI are known by hand.

Segment A has four leaves (content × position); per day, before → during (dau / revenue):
家庭剧·首页位1 50/30 → 60/50, 家庭剧·详情页推荐 50/20 → 60/30, 动漫·首页位1 50/10 → 50/25,
动漫·详情页推荐 50/20 → 50/15. Segment B (家庭剧·首页位1, 1000/100) never changes. Pre-period
2026-10-01..03, campaign C2026001 on segment A 2026-10-04..06.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.documents.labels import note_phrase
from core.narrators.retro import narrate_retro
from core.retro import (
    RetroDataError,
    RetroParseError,
    RetroTarget,
    build_retro,
    parse_retro_args,
    retro_as_campaign,
)
from core.retro.library import CAMPAIGN_COLUMNS, measured_outcome

LEAVES = [
    # segment, content, position, (dau, revenue) before, (dau, revenue) during, (new, renew) during
    ("A", "家庭剧", "首页位1", (50, 30), (60, 50), (2, 1)),
    ("A", "家庭剧", "详情页推荐", (50, 20), (60, 30), (1, 1)),
    ("A", "动漫", "首页位1", (50, 10), (50, 25), (2, 1)),
    ("A", "动漫", "详情页推荐", (50, 20), (50, 15), (1, 1)),
    ("B", "家庭剧", "首页位1", (1000, 100), (1000, 100), (1, 1)),
]
CAMPAIGN_START, CAMPAIGN_END = dt.date(2026, 10, 4), dt.date(2026, 10, 6)


def small_cube() -> pd.DataFrame:
    rows = []
    for day in pd.date_range("2026-10-01", "2026-10-09", freq="D"):
        during = CAMPAIGN_START <= day.date() <= CAMPAIGN_END
        for segment, content, position, before_values, during_values, members in LEAVES:
            dau, revenue = during_values if during else before_values
            new, renew = members if during else (1, 1)
            rows.append({"date": day, "segment": segment, "content_type": content, "platform": "手机",
                         "resource_position": position, "discount_type": "无优惠", "dau": float(dau),
                         "revenue": float(revenue), "new_members": float(new), "renew_members": float(renew)})  # fmt: skip
    cube = pd.DataFrame(rows)
    cube["date"] = cube["date"].astype("datetime64[ns]")
    return cube


def campaign(campaign_id: str, start: str, end: str, segment: str, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "campaign_id": campaign_id, "name": f"{campaign_id}活动", "start_date": start, "end_date": end,
        "strategy_tag": "内容匹配", "target_segment": segment, "content_mix": "家庭剧60%+动漫40%",
        "resource_positions": "首页位1|详情页推荐", "discount": "无优惠", "budget_planned": 100.0,
        "budget_used": 120.0, "target_arpu_lift": 0.5, "revenue_lift": 0.45, "arpu_lift": 0.33, "roi": 1.2,
        "success_factors": "内容匹配", "notes": "首页位1点击率高",
    }  # fmt: skip
    record.update(overrides)
    return record


def small_campaigns() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            campaign("C2025009", "2025-12-01", "2025-12-07", "B"),
            campaign("C2026001", "2026-10-04", "2026-10-06", "A"),
            campaign("C2026002", "2026-10-10", "2026-10-12", "B", budget_used=None),
        ]
    )
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def small_resources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position": ["首页位1", "详情页推荐", "会员中心"],
            "max_capacity": [0.95, 0.75, 0.5],
            "cost_per_10k": [180.0, 60.0, 30.0],
            "elasticity": [1.35, 0.85, 0.9],
        }
    )


def campaign_facts():
    target = RetroTarget(kind="campaign", campaign_id="C2026001", start=CAMPAIGN_START, end=CAMPAIGN_END)
    return build_retro(target, small_cube(), small_campaigns(), small_resources())


# --- parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2026-10-01 2026-10-07", "2026-10-01~2026-10-07", "2026/10/01至2026/10/07", "20261001-20261007",
     "2026年10月1日到2026年10月7日"],
)  # fmt: skip
def test_date_range_forms(text: str) -> None:
    target = parse_retro_args(text, small_campaigns(), dt.date(2026, 11, 1))
    assert (target.kind, target.start, target.end, target.days) == (
        "range",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 7),
        7,
    )


def test_last_week_is_previous_monday_to_sunday() -> None:
    for text in ("上周", "last week", " Last Week "):
        target = parse_retro_args(text, small_campaigns(), dt.date(2026, 10, 8))  # a Thursday
        assert (target.start, target.end) == (dt.date(2026, 9, 28), dt.date(2026, 10, 4))


def test_last_n_days_and_last_month() -> None:
    recent = parse_retro_args("最近7天", small_campaigns(), dt.date(2026, 10, 8))
    assert (recent.start, recent.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    month = parse_retro_args("上个月", small_campaigns(), dt.date(2026, 10, 8))
    assert (month.start, month.end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def test_campaign_id_case_insensitive() -> None:
    target = parse_retro_args("c2026001", small_campaigns(), dt.date(2026, 11, 1))
    assert (target.kind, target.campaign_id, target.start, target.end) == (
        "campaign", "C2026001", CAMPAIGN_START, CAMPAIGN_END,
    )  # fmt: skip


def test_no_argument_takes_latest_finished_campaign() -> None:
    assert parse_retro_args("", small_campaigns(), dt.date(2026, 10, 12)).campaign_id == "C2026001"
    assert parse_retro_args("  ", small_campaigns(), dt.date(2026, 10, 13)).campaign_id == "C2026002"


def test_no_finished_campaign_is_an_error() -> None:
    with pytest.raises(RetroParseError) as error:
        parse_retro_args("", small_campaigns(), dt.date(2025, 11, 1))
    assert "起止日期" in error.value.zh and "date range" in error.value.en


def test_unknown_id_lists_valid_ids() -> None:
    with pytest.raises(RetroParseError) as error:
        parse_retro_args("C2099999", small_campaigns(), dt.date(2026, 11, 1))
    assert "C2099999" in error.value.zh
    for valid in ("C2026002", "C2026001", "C2025009"):
        assert valid in error.value.zh and valid in error.value.en


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("2026-10-07 2026-10-01", "早于"), ("2026-12-01 2026-12-07", "还没有数据"), ("2026-02-30", "日期不存在"),
     ("随便看看", "示例")],
)  # fmt: skip
def test_bad_arguments(text: str, fragment: str) -> None:
    with pytest.raises(RetroParseError) as error:
        parse_retro_args(text, small_campaigns(), dt.date(2026, 11, 1))
    assert fragment in error.value.message("zh")
    assert error.value.message("en")


# --- campaign retro --------------------------------------------------------------------------------------


def test_campaign_vs_pre_period_lifts_are_exact() -> None:
    facts = campaign_facts()
    assert facts.scope == {"segment": "A"}
    assert (facts.before_start, facts.before_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    arpu, revenue, dau = facts.metric("arpu"), facts.metric("revenue"), facts.metric("dau")
    assert arpu.before == pytest.approx(0.4)
    assert arpu.during == pytest.approx(120 / 220)
    assert arpu.lift == pytest.approx(4 / 11)
    assert (revenue.before, revenue.during, revenue.change) == (240.0, 360.0, 120.0)
    assert revenue.lift == pytest.approx(0.5)
    assert dau.lift == pytest.approx(0.1)
    conversion = facts.metric("conversion")
    assert conversion.before == pytest.approx(24 / 600)
    assert conversion.during == pytest.approx(30 / 660)


def test_plan_vs_actual() -> None:
    plan = campaign_facts().plan
    assert plan.budget_planned == 100.0 and plan.budget_used == 120.0
    assert plan.budget_usage == pytest.approx(1.2)
    assert plan.measured_arpu_lift == pytest.approx(4 / 11)
    assert plan.arpu_target_met is False
    assert plan.recorded_roi == 1.2
    assert plan.measured_roi == pytest.approx(1.0)  # revenue change 120 / budget used 120


def test_driver_shares_sum_to_one_and_match_hand_values() -> None:
    facts = campaign_facts()
    assert set(facts.drivers) == {"content_type", "platform", "resource_position", "discount_type"}
    for dimension, values in facts.drivers.items():
        assert sum(d.share for d in values) == pytest.approx(1.0), dimension
    content = {d.value: d.share for d in facts.drivers["content_type"]}
    assert content == pytest.approx({"家庭剧": 0.75, "动漫": 0.25})
    positions = [(d.value, d.share) for d in facts.drivers["resource_position"]]
    assert [p for p, _ in positions] == ["首页位1", "详情页推荐"]
    assert [s for _, s in positions] == pytest.approx([0.875, 0.125])


def test_roi_ranking_by_content_and_position() -> None:
    facts = campaign_facts()
    content = [(r.rank, r.value, r.cost, r.roi) for r in facts.roi_by_content]
    assert content == [(1, "家庭剧", pytest.approx(72.0), pytest.approx(1.25)),
                       (2, "动漫", pytest.approx(48.0), pytest.approx(0.625))]  # fmt: skip
    # budget 120 split by cost_per_10k × DAU used: 180 × 330 : 60 × 330 = 3 : 1
    positions = [(r.rank, r.value, r.cost, r.revenue_change, r.roi) for r in facts.roi_by_position]
    assert positions == [
        (1, "首页位1", pytest.approx(90.0), pytest.approx(105.0), pytest.approx(105 / 90)),
        (2, "详情页推荐", pytest.approx(30.0), pytest.approx(15.0), pytest.approx(0.5)),
    ]


def test_shortfalls_have_codes_and_numbers() -> None:
    found = {(s.code, s.subject): s for s in campaign_facts().shortfalls}
    assert set(found) == {
        ("arpu_target_missed", "arpu"),
        ("budget_overrun", "budget"),
        ("low_roi_position", "详情页推荐"),
        ("low_roi_content", "动漫"),
    }
    missed = found[("arpu_target_missed", "arpu")]
    assert (missed.actual, missed.reference) == (pytest.approx(4 / 11), 0.5)
    assert found[("budget_overrun", "budget")].actual == 120.0
    assert found[("low_roi_position", "详情页推荐")].actual == pytest.approx(0.5)


def test_daily_series_and_template() -> None:
    facts = campaign_facts()
    assert [p.date.day for p in facts.daily] == [1, 2, 3, 4, 5, 6]
    assert [p.phase for p in facts.daily] == ["before"] * 3 + ["during"] * 3
    assert facts.daily[0].revenue == 80.0 and facts.daily[-1].revenue == 120.0
    template = facts.template
    assert template.segment == "A" and template.positions == ["首页位1", "详情页推荐"]
    assert [(p.name, p.share) for p in template.content_mix] == [("家庭剧", 0.6), ("动漫", 0.4)]
    assert template.duration_days == 3 and template.budget == 100.0 and template.discount == "无优惠"
    kpis = {k.metric: k for k in template.kpi_targets}
    assert kpis["arpu"].baseline == pytest.approx(0.4)
    assert kpis["arpu"].target_value == pytest.approx(0.6)  # the campaign's target lift 50 %
    assert kpis["revenue"].baseline == pytest.approx(80.0)  # daily average before
    assert kpis["revenue"].target_value == pytest.approx(120.0)  # the achieved lift 50 %
    assert kpis["roi"].target_value == 1.2
    assert {(c.day, c.code, c.subject) for c in template.checklist} == {
        (3, "watch_target", "arpu"), (3, "watch_budget", "budget"), (5, "watch_position", "详情页推荐"),
        (3, "watch_content", "动漫"),
    }  # fmt: skip


def test_campaign_retro_as_library_record_keeps_recorded_values() -> None:
    record = retro_as_campaign(campaign_facts())
    assert tuple(record) == CAMPAIGN_COLUMNS
    assert record["campaign_id"] == "C2026001" and record["roi"] == 1.2 and record["arpu_lift"] == 0.33
    assert "content_type=家庭剧贡献收入增量75%" in record["success_factors"]
    assert "边现+36.4%" in record["notes"] and "未达成" in record["notes"]


# --- date-range retro ------------------------------------------------------------------------------------


def test_range_retro_measures_everything_and_prorates_overlapping_budgets() -> None:
    target = parse_retro_args("2026-10-04~2026-10-06", small_campaigns(), dt.date(2026, 10, 8))
    facts = build_retro(target, small_cube(), small_campaigns(), small_resources())
    assert facts.scope == {} and facts.campaign is None
    assert facts.overlapping_campaigns == ["C2026001"]
    assert facts.cost == pytest.approx(120.0)
    assert facts.metric("revenue").lift == pytest.approx(120 / 540)
    assert {d.value: d.share for d in facts.drivers["segment"]} == pytest.approx({"A": 1.0, "B": 0.0})
    assert [r.value for r in facts.roi_by_position] == ["首页位1", "详情页推荐"]
    record = retro_as_campaign(facts)
    assert record["campaign_id"] == "R20261004-20261006"
    assert record["budget_used"] == pytest.approx(120.0) and record["roi"] == 1.0
    assert record["revenue_lift"] == round(120 / 540, 4)
    assert record["content_mix"] == "家庭剧60%+动漫40%"


def test_range_retro_prorates_a_partly_overlapping_campaign() -> None:
    target = RetroTarget(kind="range", start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 6))
    facts = build_retro(target, small_cube(), small_campaigns(), small_resources())
    assert facts.cost == pytest.approx(80.0)  # two of the campaign's three days


def test_period_without_data_is_an_error() -> None:
    target = RetroTarget(kind="range", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 7))
    with pytest.raises(RetroDataError):
        build_retro(target, small_cube(), small_campaigns(), small_resources())


# --- a pre-period the cube only partly covers ------------------------------------------------------------


def facts_without(*days: str):
    cube = small_cube()
    cube = cube[~cube["date"].isin(pd.to_datetime(list(days)))]
    target = RetroTarget(kind="campaign", campaign_id="C2026001", start=CAMPAIGN_START, end=CAMPAIGN_END)
    return build_retro(target, cube, small_campaigns(), small_resources())


def test_a_pre_period_missing_a_day_is_compared_by_daily_averages() -> None:
    facts = facts_without("2026-10-01")  # 2 of its 3 days: totals would read revenue +125 %
    assert (facts.before_days, facts.during_days) == (2, 3) and facts.notes == ["partial_days"]
    revenue = facts.metric("revenue")
    assert (revenue.before, revenue.during) == (240.0, 360.0) and revenue.lift == pytest.approx(0.5)
    assert facts.metric("arpu").lift == pytest.approx(4 / 11) and facts.plan.measured_roi == pytest.approx(
        1.0
    )
    assert {d.value: d.share for d in facts.drivers["content_type"]} == pytest.approx(
        {"家庭剧": 0.75, "动漫": 0.25}
    )
    assert note_phrase("partial_days", "zh", **facts.note_values()) == (
        "前后对比按日均计算：活动前 2 天、活动期 3 天有数据（各 3 天）"
    )
    first = facts.daily[0]  # the chart keeps the days as they were
    assert (first.date, first.revenue) == (dt.date(2026, 10, 2), 80.0)


def test_a_pre_period_with_too_few_days_is_not_compared() -> None:
    """The demo's first campaigns: the cube began inside the pre-period. A change from one day's sums to
    three days' would read as a lift of +200 % and an ROI of 2.0 that the library would learn from."""
    facts = facts_without("2026-10-01", "2026-10-02")
    assert facts.notes == ["thin_pre_period"] and facts.before_days == 1
    assert all(m.lift is None for m in facts.metrics)
    assert facts.drivers == {} and facts.roi_by_content == [] and facts.roi_by_position == []
    assert facts.plan.measured_roi is None and facts.plan.measured_arpu_lift is None
    assert measured_outcome(facts)["measured_roi"] is None  # nothing measured goes into the library
    assert note_phrase("thin_pre_period", "en", **facts.note_values()) == (
        "Only 1 of the pre-period's 3 days have data; no before/after comparison"
    )
    assert narrate_retro(facts, "zh").drivers == ["活动前没有可对比的数据，无法分解收入变化的来源"]


def test_no_pre_period_measures_no_roi() -> None:
    facts = facts_without("2026-10-01", "2026-10-02", "2026-10-03")
    assert facts.notes == ["missing_pre_period"] and facts.plan.measured_roi is None  # not revenue / cost


def test_a_fall_that_rounds_away_is_no_shortfall() -> None:
    """2.01 % → 2.01 % conversion is not "较活动前下降"; DAU down 2 % is."""
    from core.retro.models import MetricComparison
    from core.retro.shortfalls import find_shortfalls

    plan = campaign_facts().plan
    metrics = [
        MetricComparison(metric="conversion", before=0.0201, during=0.02009, change=-0.00001, lift=-0.0005),
        MetricComparison(metric="dau", before=1000.0, during=980.0, change=-20.0, lift=-0.02),
    ]
    declined = [
        s.subject for s in find_shortfalls(plan, metrics, {}, None, [], []) if s.code == "metric_declined"
    ]
    assert declined == ["dau"]
