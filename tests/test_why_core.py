"""``core.why`` on a small fixed cube: arguments, periods, facts against the baseline, trend.

The cube: segment {A, B} × platform {TV, 手机}, 2026-10-29 … 2026-11-25 (no holiday), every leaf every day
DAU 100 and revenue 50 (边现 0.5), new 2 and renew 3 members — except leaf (A, TV) on 2026-11-25 (a
Wednesday) whose revenue falls to 10. So on 2026-11-25: revenue 160 vs 200 a week earlier, 边现 0.4 vs 0.5
(-20 %), and the whole change sits in segment=A ∧ platform=TV.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.why import (
    WhyParseError,
    WhyRequest,
    build_why_facts,
    day_period,
    metric_trend,
    parse_why_args,
    series_count,
    week_period,
)
from core.why.build import WhyDataError
from core.why.periods import last_week, this_week

FIRST, LAST = dt.date(2026, 10, 29), dt.date(2026, 11, 25)
TODAY = dt.date(2026, 11, 26)
DIMENSIONS = {"segment": ["A", "B"], "platform": ["TV", "手机"]}


def small_cube() -> pd.DataFrame:
    rows = []
    for offset in range((LAST - FIRST).days + 1):
        day = FIRST + dt.timedelta(days=offset)
        for segment in ("A", "B"):
            for platform in ("TV", "手机"):
                revenue = 10.0 if (day == LAST and segment == "A" and platform == "TV") else 50.0
                rows.append(
                    {"date": pd.Timestamp(day), "segment": segment, "platform": platform, "dau": 100.0,
                     "revenue": revenue, "new_members": 2.0, "renew_members": 3.0}
                )  # fmt: skip
    return pd.DataFrame(rows)


def parse(text: str) -> WhyRequest:
    return parse_why_args(
        text, dimension_values=DIMENSIONS, first_day=FIRST, latest_day=LAST, reference_day=TODAY
    )


@pytest.fixture(scope="module")
def cube() -> pd.DataFrame:
    return small_cube()


# --- arguments ----------------------------------------------------------------------------------------------


def test_no_argument_is_arpu_for_the_latest_day() -> None:
    request = parse("")
    assert (request.metric, request.scope, request.period) == ("arpu", {}, day_period(LAST))
    assert request.period.baseline_start == dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "metric", "scope", "start", "end"),
    [
        ("2026-11-23 收入 TV", "revenue", {"platform": "TV"}, "2026-11-23", "2026-11-23"),
        ("本周 边现", "arpu", {}, "2026-11-23", "2026-11-25"),
        ("为什么这周边现下降了？", "arpu", {}, "2026-11-23", "2026-11-25"),
        ("this week revenue", "revenue", {}, "2026-11-23", "2026-11-25"),
        ("上周 营收 segment=A", "revenue", {"segment": "A"}, "2026-11-16", "2026-11-22"),
        ("last week DAU tv", "dau", {"platform": "TV"}, "2026-11-16", "2026-11-22"),
        (
            "昨天 转化率 A 手机",
            "conversion",
            {"segment": "A", "platform": "手机"},
            "2026-11-25",
            "2026-11-25",
        ),
        ("why did arpu drop yesterday", "arpu", {}, "2026-11-25", "2026-11-25"),
        ("11月24日 日活", "dau", {}, "2026-11-24", "2026-11-24"),
        ("2026/11/20 续费", "renew_members", {}, "2026-11-20", "2026-11-20"),
    ],
)
def test_arguments_in_zh_and_en(text: str, metric: str, scope: dict, start: str, end: str) -> None:
    request = parse(text)
    assert request.metric == metric
    assert request.scope == scope
    assert (str(request.period.start), str(request.period.end)) == (start, end)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-13-45", "不是有效日期"),
        ("火星人", "没认出「火星人」"),
        ("2025-01-01", "没有数据"),
        ("2026-10-30", "缺少可比的基线"),
        ("收入 边现", "只能指定一个指标"),
        ("昨天 上周", "只能指定一个日期或一周"),
        ("region=north", "没有维度「region」"),
        ("platform=PC", "维度 platform 没有取值「PC」"),
        ("A B", "维度 segment 只能取一个值"),
    ],
)
def test_bad_arguments_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(WhyParseError) as error:
        parse(text)
    assert fragment in error.value.zh
    assert error.value.en


def test_weeks() -> None:
    assert this_week(LAST) == week_period(dt.date(2026, 11, 23), LAST)
    assert last_week(TODAY, LAST).baseline_start == dt.date(2026, 11, 9)
    assert last_week(dt.date(2026, 11, 23), dt.date(2026, 11, 18)).end == dt.date(2026, 11, 18)  # cut at data
    with pytest.raises(ValueError):
        week_period(dt.date(2026, 11, 1), dt.date(2026, 11, 9))


# --- facts --------------------------------------------------------------------------------------------------


def test_day_facts_name_the_planted_slice_with_share_one(cube: pd.DataFrame) -> None:
    calendar = ChineseCalendar()
    facts = build_why_facts(cube, metric="arpu", period=day_period(LAST), calendar=calendar)
    assert facts.value == pytest.approx(0.4)
    assert facts.baseline == pytest.approx(0.5)
    assert facts.pct_change == pytest.approx(-0.2)
    assert facts.direction == "down"
    assert facts.comparison == "same_weekday"
    assert facts.slices[0].slice == {"segment": "A", "platform": "TV"}
    assert facts.slices[0].share == pytest.approx(1.0)
    assert (facts.slices[0].actual, facts.slices[0].expected) == (pytest.approx(0.1), pytest.approx(0.5))
    assert facts.mix_rate is not None and facts.mix_rate.rate_share == pytest.approx(1.0)
    assert facts.mix_rate.mix == pytest.approx(0.0)


def test_week_facts_use_daily_averages(cube: pd.DataFrame) -> None:
    calendar = ChineseCalendar()
    facts = build_why_facts(cube, metric="revenue", period=this_week(LAST), calendar=calendar)
    assert facts.daily_average is True
    assert facts.value == pytest.approx(560 / 3)  # (200 + 200 + 160) / 3
    assert facts.baseline == pytest.approx(200.0)
    assert facts.slices[0].slice == {"segment": "A", "platform": "TV"}
    assert facts.slices[0].share == pytest.approx(1.0)
    assert facts.mix_rate is None  # revenue is additive


def test_scoped_facts_and_a_flat_week(cube: pd.DataFrame) -> None:
    calendar = ChineseCalendar()
    scoped = build_why_facts(
        cube, metric="revenue", period=day_period(LAST), scope={"platform": "TV"}, calendar=calendar
    )
    assert (scoped.value, scoped.baseline) == (pytest.approx(60.0), pytest.approx(100.0))
    assert scoped.pct_change == pytest.approx(-0.4) and scoped.scope == {"platform": "TV"}
    flat = build_why_facts(cube, metric="arpu", period=last_week(TODAY, LAST), calendar=calendar)
    assert flat.direction == "flat" and flat.slices == [] and flat.pct_change == pytest.approx(0.0)


def test_missing_baseline_data_is_an_error(cube: pd.DataFrame) -> None:
    with pytest.raises(WhyDataError) as error:
        build_why_facts(
            cube, metric="arpu", period=day_period(dt.date(2026, 11, 1)), calendar=ChineseCalendar()
        )
    assert "2026-10-25 没有数据" in error.value.zh


def test_trend_band_and_detection_baseline(cube: pd.DataFrame) -> None:
    calendar = ChineseCalendar()
    family = series_count(cube, LAST)
    assert family == 6 * (1 + 4)  # every metric on the total and the four single-dimension slices
    trend = metric_trend(cube, "arpu", {}, LAST, calendar=calendar, family_size=family)
    assert len(trend.dates) == 28 and trend.dates[-1] == LAST
    assert trend.values[-1] == pytest.approx(0.4)
    assert trend.expected[-1] == pytest.approx(0.5)
    assert trend.anomalies == [27]
    facts = build_why_facts(cube, metric="arpu", period=day_period(LAST), calendar=calendar, trend=trend)
    assert facts.expected == pytest.approx(0.5) and facts.pct_vs_expected == pytest.approx(-0.2)


@pytest.mark.parametrize(
    ("text", "start", "end", "baseline_start"),
    [
        ("2026-11-12~2026-11-25 DAU", "2026-11-12", "2026-11-25", "2026-10-29"),
        ("2026-11-19 至 2026-11-25", "2026-11-19", "2026-11-25", "2026-11-12"),
        ("2026-11-25~2026-11-24 边现", "2026-11-24", "2026-11-25", "2026-11-17"),
    ],
)
def test_date_ranges(text: str, start: str, end: str, baseline_start: str) -> None:
    period = parse(text).period
    assert (str(period.start), str(period.end), str(period.baseline_start)) == (start, end, baseline_start)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-10-01~2026-11-25", "最多 28 天"),
        ("2026-11-20~2026-11-27", "数据截至 2026-11-25"),
        ("2026-10-29~2026-11-05", "缺少可比的基线"),
    ],
)
def test_bad_ranges(text: str, fragment: str) -> None:
    with pytest.raises(WhyParseError) as error:
        parse(text)
    assert fragment in error.value.zh
