"""Tests for the deterministic demo data generator (core.demo)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.cube import MEASURES, daily_totals, dimension_columns
from core.demo import (
    DemoDataset,
    InjectedEvent,
    default_scenario,
    events_from_json,
    generate_demo,
    random_scenario,
)
from core.demo.catalog import DIMENSION_VALUES, leaf_table, slice_share

END = dt.date(2026, 11, 23)
DIMENSIONS = ["segment", "content_type", "platform", "resource_position", "discount_type"]
SHOWCASE_SLICE = {"segment": "动漫偏好活跃", "resource_position": "首页位1"}


@pytest.fixture(scope="module")
def calendar() -> ChineseCalendar:
    return ChineseCalendar()


@pytest.fixture(scope="module")
def demo(calendar: ChineseCalendar) -> DemoDataset:
    return generate_demo(end=END, calendar=calendar)


@pytest.fixture(scope="module")
def clean(calendar: ChineseCalendar) -> DemoDataset:
    return generate_demo(end=END, events=[], calendar=calendar)


def _in_slice(frame: pd.DataFrame, slice_: dict[str, str]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for dimension, value in slice_.items():
        mask &= frame[dimension] == value
    return mask


def _slice_totals(frame: pd.DataFrame, slice_: dict[str, str]) -> pd.DataFrame:
    return daily_totals(frame[_in_slice(frame, slice_)]).set_index("date")


# -- determinism ------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_data(demo: DemoDataset, calendar: ChineseCalendar) -> None:
    again = generate_demo(end=END, calendar=calendar)
    for name in ("metrics", "segments", "campaigns", "resources"):
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(again, name))
    assert again.ground_truth == demo.ground_truth


def test_different_seed_gives_different_data(demo: DemoDataset, calendar: ChineseCalendar) -> None:
    other = generate_demo(end=END, seed=8, calendar=calendar)
    assert not np.allclose(other.metrics["revenue"], demo.metrics["revenue"])
    assert other.campaigns["notes"].tolist() != demo.campaigns["notes"].tolist()
    # the scenario is a function of the dates, not of the seed
    assert other.ground_truth == demo.ground_truth


# -- schemas ----------------------------------------------------------------------------------------------


def test_metrics_schema_and_dtypes(demo: DemoDataset) -> None:
    metrics = demo.metrics
    assert list(metrics.columns) == ["date", *DIMENSIONS, *MEASURES]
    assert dimension_columns(metrics) == DIMENSIONS
    assert metrics["date"].dtype == np.dtype("datetime64[ns]")
    assert (metrics["date"] == metrics["date"].dt.normalize()).all()
    for dimension in DIMENSIONS:
        assert pd.api.types.is_string_dtype(metrics[dimension]), dimension
    for measure in MEASURES:
        assert metrics[measure].dtype == np.float64, measure
    assert not metrics.isna().any().any()
    assert (metrics[list(MEASURES)] >= 0).all().all()
    for whole in ("dau", "new_members", "renew_members"):
        assert (metrics[whole] == metrics[whole].round()).all(), whole


def test_dates_cover_the_requested_range(demo: DemoDataset) -> None:
    dates = pd.DatetimeIndex(demo.metrics["date"].unique())
    assert len(dates) == 180
    assert dates.max() == pd.Timestamp(END)
    assert dates.min() == pd.Timestamp(END - dt.timedelta(days=179))
    assert (np.diff(dates.values).astype("timedelta64[D]") == np.timedelta64(1, "D")).all()


def test_dimension_counts_and_leaf_count(demo: DemoDataset) -> None:
    metrics = demo.metrics
    counts = {d: metrics[d].nunique() for d in DIMENSIONS}
    assert counts["segment"] >= 6
    assert counts["content_type"] >= 4
    assert counts["platform"] == 3
    assert counts["resource_position"] >= 4
    assert counts["discount_type"] >= 4
    leaves_per_day = metrics.groupby("date").size()
    assert leaves_per_day.nunique() == 1
    assert 1000 <= leaves_per_day.iloc[0] <= 1500
    assert not metrics.duplicated(["date", *DIMENSIONS]).any()
    assert set(metrics["platform"]) == {"手机", "TV", "PC"}


def test_magnitudes_are_realistic(clean: DemoDataset) -> None:
    totals = daily_totals(clean.metrics)
    assert 3e6 < totals["dau"].median() < 6e6
    assert 0.3 < totals["arpu"].median() < 0.6
    assert 0.005 < totals["conversion"].median() < 0.02
    # aggregate noise is small: weekday-to-weekday ARPU moves well under 2 %
    workdays = totals[totals["date"].dt.day_of_week < 4]
    assert workdays["arpu"].pct_change().abs().median() < 0.02


def test_segments_table_is_consistent_with_the_cube(demo: DemoDataset) -> None:
    segments = demo.segments
    assert list(segments.columns) == [
        "segment", "active_level", "membership_status", "size", "content_preference", "avg_watch_minutes",
        "price_sensitivity", "historical_cvr", "avg_arpu_contribution",
    ]  # fmt: skip
    assert set(segments["segment"]) == set(demo.metrics["segment"])
    assert set(segments["price_sensitivity"]) <= {"高", "中", "低"}
    per_segment = daily_totals(demo.metrics, by=["segment"]).groupby("segment")
    mean_dau = per_segment["dau"].mean()
    for row in segments.itertuples():
        assert row.size == pytest.approx(mean_dau[row.segment], rel=0.001)
        assert 0.004 < row.historical_cvr < 0.025
        assert 0.1 < row.avg_arpu_contribution < 1.0
    high = segments.set_index("segment")
    assert (
        high.loc["家庭向高活跃", "avg_arpu_contribution"] > high.loc["动漫偏好沉默", "avg_arpu_contribution"]
    )
    assert high.loc["家庭向高活跃", "content_preference"].startswith("家庭剧")


def test_resources_table(demo: DemoDataset) -> None:
    resources = demo.resources
    assert list(resources.columns) == ["position", "max_capacity", "cost_per_10k", "elasticity"]
    assert set(resources["position"]) == set(demo.metrics["resource_position"])
    assert resources["max_capacity"].between(0, 1).all()
    assert (resources["cost_per_10k"] > 0).all()
    assert resources.set_index("position").loc["首页位1", "elasticity"] == resources["elasticity"].max()


# -- campaigns --------------------------------------------------------------------------------------------


def test_campaigns_schema_values_and_dates(demo: DemoDataset) -> None:
    campaigns = demo.campaigns
    assert list(campaigns.columns) == [
        "campaign_id", "name", "start_date", "end_date", "strategy_tag", "target_segment", "content_mix",
        "resource_positions", "discount", "budget_planned", "budget_used", "target_arpu_lift", "revenue_lift",
        "arpu_lift", "roi", "success_factors", "notes",
    ]  # fmt: skip
    assert len(campaigns) >= 30
    assert campaigns["campaign_id"].is_unique
    assert all(re.fullmatch(r"C20\d{5}", c) for c in campaigns["campaign_id"])
    first, last = END - dt.timedelta(days=179), END
    for row in campaigns.itertuples():
        assert isinstance(row.start_date, dt.date) and isinstance(row.end_date, dt.date)
        assert first <= row.start_date <= row.end_date <= last
        assert row.target_segment in DIMENSION_VALUES["segment"]
        assert row.discount in DIMENSION_VALUES["discount_type"]
        assert set(row.resource_positions.split("|")) <= set(DIMENSION_VALUES["resource_position"])
        shares = re.findall(r"(\D+?)(\d+)%", row.content_mix)
        assert sum(int(s) for _, s in shares) == 100
        assert {c.lstrip("+") for c, _ in shares} <= set(DIMENSION_VALUES["content_type"])
        assert 0 < row.budget_used <= row.budget_planned * 1.05
        assert -0.2 < row.arpu_lift < 0.4
    assert campaigns["notes"].nunique() >= 25
    assert campaigns["notes"].str.len().min() >= 20


def test_campaign_outcomes_follow_the_choices(demo: DemoDataset) -> None:
    campaigns = demo.campaigns
    factor_count = campaigns["success_factors"].map(
        lambda text: 0 if text.startswith("无明显") else len(text.split("；"))
    )
    assert factor_count.corr(campaigns["roi"], method="spearman") > 0.3
    assert campaigns["roi"].min() < 1.0 < campaigns["roi"].max()


# -- injections -------------------------------------------------------------------------------------------


def test_injected_arpu_drop_hits_only_its_slice(clean: DemoDataset, calendar: ChineseCalendar) -> None:
    day = dt.date(2026, 11, 11)
    slice_ = {"segment": "综艺轻度", "platform": "手机"}
    event = InjectedEvent(kind="drop", start=day, metric="arpu", magnitude=0.5, slice=slice_)
    dropped = generate_demo(end=END, events=[event], calendar=calendar)

    before = _slice_totals(clean.metrics, slice_).loc[pd.Timestamp(day)]
    after = _slice_totals(dropped.metrics, slice_).loc[pd.Timestamp(day)]
    assert after["arpu"] / before["arpu"] == pytest.approx(0.5, abs=0.002)
    assert after["dau"] == before["dau"]

    touched = _in_slice(clean.metrics, slice_) & (clean.metrics["date"] == pd.Timestamp(day))
    pd.testing.assert_frame_equal(clean.metrics[~touched], dropped.metrics[~touched])
    assert dropped.ground_truth == [event]


def test_free_trial_surge_raises_dau_but_not_revenue(clean: DemoDataset, calendar: ChineseCalendar) -> None:
    day = dt.date(2026, 8, 12)
    event = InjectedEvent(
        kind="free_trial_surge",
        start=day,
        days=3,
        metric="dau",
        magnitude=0.6,
        slice={"discount_type": "免费试看"},
    )
    assert event.benign
    surged = generate_demo(end=END, events=[event], calendar=calendar)
    clean_total = daily_totals(clean.metrics).set_index("date").loc[pd.Timestamp(day)]
    surged_total = daily_totals(surged.metrics).set_index("date").loc[pd.Timestamp(day)]
    assert surged_total["dau"] > clean_total["dau"] * 1.05
    assert surged_total["revenue"] == pytest.approx(clean_total["revenue"], rel=1e-6)
    assert surged_total["arpu"] < clean_total["arpu"] * 0.95


def test_level_shift_lasts_until_the_end(clean: DemoDataset, calendar: ChineseCalendar) -> None:
    start = dt.date(2026, 10, 20)
    slice_ = {"content_type": "电影"}
    event = InjectedEvent(
        kind="level_shift", start=start, days=1, metric="arpu", magnitude=-0.25, slice=slice_
    )
    shifted = generate_demo(end=END, events=[event], calendar=calendar)
    ratio = (
        _slice_totals(shifted.metrics, slice_)["revenue"] / _slice_totals(clean.metrics, slice_)["revenue"]
    )
    assert ratio.loc[: pd.Timestamp(start) - pd.Timedelta(days=1)].eq(1.0).all()
    assert np.allclose(ratio.loc[pd.Timestamp(start) :], 0.75, atol=1e-4)


def test_unknown_slice_value_is_rejected(calendar: ChineseCalendar) -> None:
    event = InjectedEvent(kind="drop", start=END, magnitude=0.5, slice={"platform": "手表"})
    with pytest.raises(ValueError, match="手表"):
        generate_demo(end=END, days=60, events=[event], calendar=calendar)


# -- calendar realism -------------------------------------------------------------------------------------


def test_holidays_lift_dau_and_adjusted_workdays_behave_like_workdays(
    clean: DemoDataset, calendar: ChineseCalendar
) -> None:
    totals = daily_totals(clean.metrics).set_index("date")
    kinds = calendar.frame(totals.index).set_index("date")["kind"]
    workday_median = totals.loc[kinds == "workday", "dau"].median()
    weekend_median = totals.loc[kinds == "weekend", "dau"].median()
    assert totals.loc[pd.Timestamp("2026-10-03"), "dau"] > workday_median * 1.1
    assert totals.loc[kinds == "holiday", "dau"].min() > workday_median
    assert weekend_median > workday_median * 1.05
    adjusted = totals.loc[pd.Timestamp("2026-10-10"), "dau"]  # a Saturday worked for National Day
    assert kinds.loc[pd.Timestamp("2026-10-10")] == "adjusted_workday"
    assert abs(adjusted / workday_median - 1) < 0.04
    # holiday ARPU is slightly lower, not higher
    assert totals.loc[kinds == "holiday", "arpu"].median() < totals.loc[kinds == "workday", "arpu"].median()


# -- the default scenario ---------------------------------------------------------------------------------


def test_default_scenario_showcases_yesterdays_arpu_drop(
    demo: DemoDataset, calendar: ChineseCalendar
) -> None:
    showcase = [e for e in demo.ground_truth if e.start == END]
    assert len(showcase) == 1
    event = showcase[0]
    others = [e for e in demo.ground_truth if e is not event]
    clean = generate_demo(end=END, events=others, calendar=calendar)
    assert (event.kind, event.metric, event.benign) == ("drop", "arpu", False)
    assert set(event.slice) == {"segment", "resource_position"}
    assert 0.4 <= event.magnitude <= 0.7
    assert 0.03 <= slice_share(event.slice) <= 0.08
    total_drop = (
        daily_totals(demo.metrics).set_index("date").loc[pd.Timestamp(END), "arpu"]
        / daily_totals(clean.metrics).set_index("date").loc[pd.Timestamp(END), "arpu"]
    )
    assert 0.95 < total_drop < 0.98
    slice_now = _slice_totals(demo.metrics, event.slice).loc[pd.Timestamp(END), "arpu"]
    slice_clean = _slice_totals(clean.metrics, event.slice).loc[pd.Timestamp(END), "arpu"]
    assert slice_now / slice_clean == pytest.approx(1 - event.magnitude, abs=0.002)


def test_default_scenario_contents_and_spacing(demo: DemoDataset) -> None:
    truth = demo.ground_truth
    anomalies = [e for e in truth if not e.benign]
    recent = [e for e in anomalies if (END - e.start).days < 60]
    assert len(recent) >= 4
    assert {e.kind for e in anomalies} >= {"drop", "spike", "slice_drop", "level_shift"}
    assert any(e.kind == "spike" and e.metric == "revenue" for e in anomalies)
    assert any(e.kind == "slice_drop" and e.slice == {"platform": "TV"} for e in anomalies)
    benign = {e.kind: e for e in truth if e.benign}
    assert set(benign) == {"holiday_surge", "free_trial_surge"}
    assert benign["holiday_surge"].start == dt.date(2026, 10, 1)  # National Day is in range
    assert all(e.description for e in truth)
    ordered = sorted(anomalies, key=lambda e: e.start)
    for earlier, later in itertools.pairwise(ordered):
        onset_end = earlier.start if earlier.kind == "level_shift" else earlier.end
        assert (later.start - onset_end).days - 1 >= 14, (earlier, later)
    level_shift = next(e for e in anomalies if e.kind == "level_shift")
    assert level_shift.end == END


@pytest.mark.parametrize("end", [dt.date(2026, 7, 1), dt.date(2027, 3, 15), dt.date(2025, 10, 31)])
def test_default_scenario_fits_other_end_dates(end: dt.date, calendar: ChineseCalendar) -> None:
    events = default_scenario(end, 180, calendar)
    anomalies = [e for e in events if not e.benign]
    assert [e for e in anomalies if e.start == end and e.metric == "arpu"]
    assert len([e for e in anomalies if (end - e.start).days < 60]) >= 4
    assert any(e.kind == "holiday_surge" for e in events)
    first = end - dt.timedelta(days=179)
    assert all(first <= e.start <= end for e in events)


def test_ground_truth_json_round_trips(demo: DemoDataset) -> None:
    text = demo.ground_truth_json()
    assert events_from_json(text) == demo.ground_truth
    parsed = json.loads(text)
    assert parsed[0]["start"] == demo.ground_truth[0].start.isoformat()
    assert "动漫偏好活跃" in text  # Chinese kept readable, not \\u-escaped


def test_write_produces_importable_csvs(demo: DemoDataset, tmp_path) -> None:
    paths = demo.write(tmp_path)
    metrics = pd.read_csv(paths["metrics"], parse_dates=["date"])
    assert list(metrics.columns) == list(demo.metrics.columns)
    assert len(metrics) == len(demo.metrics)
    assert metrics["revenue"].sum() == pytest.approx(demo.metrics["revenue"].sum())
    assert events_from_json(paths["ground_truth"].read_text(encoding="utf-8")) == demo.ground_truth


# -- random scenarios -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_random_scenarios_are_valid_and_spaced(seed: int, calendar: ChineseCalendar) -> None:
    events = random_scenario(np.random.default_rng(seed), END, 180, calendar=calendar)
    again = random_scenario(np.random.default_rng(seed), END, 180, calendar=calendar)
    assert events == again
    anomalies = sorted((e for e in events if not e.benign), key=lambda e: e.start)
    assert len(anomalies) >= 3
    assert sum(e.kind == "level_shift" for e in anomalies) <= 1
    leaves = leaf_table()
    for event in anomalies:
        assert len(event.slice) <= 2
        assert event.kind != "slice_drop" or event.slice
        assert leaves.shape[0] > 0 and 0 < abs(event.magnitude) <= 0.7
        assert event.description
    for earlier, later in itertools.pairwise(anomalies):
        onset_end = earlier.start if earlier.kind == "level_shift" else earlier.end
        assert (later.start - onset_end).days - 1 >= 14
    # the generator accepts every drawn scenario
    data = generate_demo(end=END, seed=seed, events=events, calendar=calendar)
    assert data.ground_truth == sorted(events, key=lambda e: e.start)


def test_random_scenarios_vary(calendar: ChineseCalendar) -> None:
    scenarios = [random_scenario(np.random.default_rng(s), END, 180, calendar=calendar) for s in range(8)]
    kinds = {e.kind for events in scenarios for e in events}
    assert kinds >= {"drop", "spike", "slice_drop", "level_shift", "holiday_surge"}
    assert len({tuple(e.start for e in events) for events in scenarios}) == 8
