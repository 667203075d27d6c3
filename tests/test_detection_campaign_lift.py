"""A running campaign's planned lift explains a rise inside its audience, and nothing else.

A 12 % 边现 rise of the non-member segment over five days, scanned with the campaign calendar: a campaign
planned at +10 % for that segment explains it ("reported, not notifying"); a smaller plan, a fall, or a
campaign whose audience is another segment leaves it notifying.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.demo import DemoConfig, generate_demo
from core.detection import ScanResult, scan
from core.detection.campaigns import running_campaigns
from core.detection.synthetic import clean_cube, scale_measures

CALENDAR = ChineseCalendar()
END = dt.date(2025, 12, 31)
START = END - dt.timedelta(days=4)
SEGMENT = {"segment": "non_member"}


@pytest.fixture(scope="module")
def cube() -> pd.DataFrame:
    return clean_cube(END, days=200, seed=3, calendar=CALENDAR)


def campaign(planned: object, segment: str = "non_member", **cells: object) -> pd.DataFrame:
    record = {
        "campaign_id": "C2025099",
        "start_date": START - dt.timedelta(days=2),
        "end_date": END,
        "target_segment": segment,
        "resource_positions": "home",
        "target_arpu_lift": planned,
    }
    return pd.DataFrame([{**record, **cells}])


def lifted(cube: pd.DataFrame, factor: float) -> pd.DataFrame:
    return scale_measures(cube, START, END, factor=factor, measures=("revenue",), where=SEGMENT)


def on_segment(alerts: list, metric: str = "arpu") -> list:
    return [a for a in alerts if a.metric == metric and a.scope == SEGMENT and a.date == END]


def run(cube: pd.DataFrame, campaigns: pd.DataFrame | None, language: str = "zh") -> ScanResult:
    return scan(cube, [END], calendar=CALENDAR, campaigns=campaigns, language=language)


def test_the_rise_notifies_without_a_campaign(cube: pd.DataFrame) -> None:
    result = run(lifted(cube, 1.12), None)
    found = on_segment(result.alerts)
    assert found and found[0].direction == "up" and found[0].pct_change == pytest.approx(0.12, abs=0.04)


def test_a_planned_lift_explains_the_rise_inside_its_audience(cube: pd.DataFrame) -> None:
    result = run(lifted(cube, 1.12), campaign(0.10))
    assert on_segment(result.alerts) == [] and on_segment(result.alerts, "revenue") == []
    (explained,) = on_segment(result.explained)
    assert explained.explained_by.startswith("活动 C2025099 进行中：边现 +1")
    assert "活动计划的边现提升（+10.0%）范围内" in explained.explained_by
    english = on_segment(run(lifted(cube, 1.12), campaign("10%"), language="en").explained)
    assert "within its planned ARPU lift (+10.0%)" in english[0].explained_by


def test_a_rise_beyond_the_plan_still_notifies(cube: pd.DataFrame) -> None:
    result = run(lifted(cube, 1.12), campaign(0.03))  # explained up to 1.5 × 3 % = 4.5 %
    assert on_segment(result.alerts) and on_segment(result.explained) == []


def test_a_fall_against_the_plan_still_notifies(cube: pd.DataFrame) -> None:
    result = run(lifted(cube, 0.88), campaign(0.10))
    found = on_segment(result.alerts)
    assert found and found[0].direction == "down" and found[0].explained_by is None


def test_a_campaign_for_another_audience_does_not_explain_it(cube: pd.DataFrame) -> None:
    result = run(lifted(cube, 1.12), campaign(0.10, segment="member"))
    assert on_segment(result.alerts) and on_segment(result.explained) == []


def test_the_planned_lift_is_read_as_a_fraction_or_a_percentage() -> None:
    values = {"segment": {"member", "non_member"}, "position": {"home"}}
    read = [
        running_campaigns(campaign(cell), values)[0].planned_lift for cell in (0.1, "10%", "0.1", None, "高")
    ]
    assert read == [pytest.approx(0.1)] * 3 + [None, None]
    (only,) = running_campaigns(campaign(0.1), values)
    assert only.audience == {"segment": frozenset({"non_member"})}
    assert only.target == {"segment": frozenset({"non_member"}), "position": frozenset({"home"})}


def test_the_rise_seen_through_the_total_is_the_campaigns_too(cube: pd.DataFrame) -> None:
    both = scale_measures(cube, START, END, factor=1.12, measures=("revenue",), where={"segment": "member"})
    both = scale_measures(both, START, END, factor=1.19, measures=("revenue",), where=SEGMENT)
    assert [a.scope for a in run(both, None).alerts if a.metric == "arpu" and a.date == END] == [{}]
    result = run(both, campaign(0.10))
    (total,) = [a for a in result.explained if a.metric == "arpu" and a.scope == {} and a.date == END]
    assert total.explained_by.startswith("活动 C2025099 进行中：边现 +1")  # its own move, not the leader's
    assert on_segment(result.explained, "revenue")  # the leader: the segment's revenue, within the plan
    beyond = on_segment(result.alerts)  # the segment's 边现 +19 %: beyond 1.5 × 10 %, still notifying
    assert beyond and beyond[0].pct_change > 0.15


def test_the_fall_after_a_campaign_ends_is_its_lift_ending() -> None:
    """The demo with its campaigns' true effects: two campaigns lifted 家庭向低活跃 until 2026-08-04 and the
    baseline held their lifted days, so the return to the earlier level on 08-05 reads as a fall."""
    demo = generate_demo(end=dt.date(2026, 11, 23), seed=7, config=DemoConfig(campaign_effects=True))
    day = dt.date(2026, 8, 5)
    cube = demo.metrics[demo.metrics["date"] <= pd.Timestamp(day)]
    audience = {"segment": "家庭向低活跃"}

    def of_segment(alerts: list) -> list:
        return [a for a in alerts if a.scope == audience and a.metric == "arpu"]

    (fall,) = of_segment(scan(cube, [day], calendar=CALENDAR).alerts)
    assert fall.direction == "down" and fall.pct_change < -0.05
    result = scan(cube, [day], calendar=CALENDAR, campaigns=demo.campaigns)
    assert of_segment(result.alerts) == []
    (ended,) = of_segment(result.explained)
    assert ended.explained_by.startswith("活动 C2026008、C2026014 已于 08-04 结束：边现 -")
    english = scan(cube, [day], calendar=CALENDAR, campaigns=demo.campaigns, language="en")
    assert "ending – the return to the level before it" in of_segment(english.explained)[0].explained_by
    weeks_ago = demo.campaigns.assign(end_date=demo.campaigns["end_date"] - dt.timedelta(days=14))
    assert of_segment(scan(cube, [day], calendar=CALENDAR, campaigns=weeks_ago).alerts)  # not its end


def test_a_fall_after_a_campaign_that_lifted_nothing_is_an_incident() -> None:
    """A 70-day demo without the campaigns' effects: C2026034 and C2026036 ended on 11-21 having lifted
    nothing, so the showcase 边现 drop of 动漫偏好活跃 on 11-23 is an incident, not their end."""
    day = dt.date(2026, 11, 23)
    demo = generate_demo(end=day, days=70, seed=7)
    result = scan(demo.metrics, [day], calendar=CALENDAR, campaigns=demo.campaigns)
    assert [(a.metric, a.scope) for a in result.alerts] == [("arpu", {})]
    assert not any("结束" in (a.explained_by or "") for a in result.explained)


def test_a_rise_the_audiences_carry_through_a_wider_slice_is_the_campaigns() -> None:
    """The demo with its campaigns' true effects, 2025-09-17: three segments are lifted by running
    campaigns and the search-results position's new members rise +4.5 % — no segment alerts that day, the
    position does. Within what the audiences' own rises can carry, it is explained; 13 % more on the
    position is an incident there and still notifies (as the total's rise, the position its root cause)."""
    demo = generate_demo(end=dt.date(2025, 11, 23), days=180, seed=7, calendar=CALENDAR,
                         config=DemoConfig(campaign_effects=True))  # fmt: skip
    day = dt.date(2025, 9, 17)
    cube = demo.metrics[demo.metrics["date"] <= pd.Timestamp(day)]
    position = {"resource_position": "搜索结果页"}

    def of_position(alerts: list) -> list:
        return [a for a in alerts if a.scope == position and a.metric == "new_members"]

    result = scan(cube, [day], calendar=CALENDAR, campaigns=demo.campaigns)
    (carried,) = of_position(result.explained)
    assert carried.pct_change == pytest.approx(0.045, abs=0.01)
    assert "是活动人群（" in carried.explained_by and "计划内的提升在本切片上的体现" in carried.explained_by
    assert not any(
        "活动" in (a.explained_by or "") for a in of_position(scan(cube, [day], calendar=CALENDAR).explained)
    )
    surge = scale_measures(cube, day, day, factor=1.13, measures=("new_members",), where=position)
    alerts = scan(surge, [day], calendar=CALENDAR, campaigns=demo.campaigns).alerts
    (incident,) = [a for a in alerts if a.metric == "new_members"]  # notifying: the total's new members
    assert incident.scope == {} and incident.root_causes[0].slice == position


def test_a_fall_below_the_level_before_the_campaign_is_not_its_end() -> None:
    """The 08-05 return of 家庭向低活跃 to its earlier level is the campaigns' end; 15 % lower than that, the
    day is below where the segment stood before them, and notifies."""
    demo = generate_demo(end=dt.date(2026, 11, 23), seed=7, config=DemoConfig(campaign_effects=True))
    day = dt.date(2026, 8, 5)
    audience = {"segment": "家庭向低活跃"}
    cube = demo.metrics[demo.metrics["date"] <= pd.Timestamp(day)]
    lower = scale_measures(cube, day, day, factor=0.85, measures=("revenue",), where=audience)
    result = scan(lower, [day], calendar=CALENDAR, campaigns=demo.campaigns)
    (fall,) = [a for a in result.alerts if a.scope == audience and a.metric == "arpu"]
    assert fall.direction == "down" and fall.explained_by is None
