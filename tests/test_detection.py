"""Scan-level tests on synthetic cubes: calendar cases, robustness, cross-checks, bad data, the JSON
contract, the false-alert rate on clean data, and detection of injected anomalies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.detection import DetectionConfig, ScanResult, alerts_to_json, scan
from core.detection.grouping import effective_cause
from core.detection.synthetic import clean_cube, scale_measures
from core.rootcause import localise

CALENDAR = ChineseCalendar()
END = dt.date(2025, 12, 31)


@dataclass
class StubSlice:
    slice: dict[str, str]
    share: float


@dataclass
class StubLocalisation:
    slices: list[StubSlice]
    mix_rate: Any = None


@dataclass
class StubLocaliser:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, leaves, dimensions, numerator, denominator=(), *, config=None) -> StubLocalisation:
        self.calls.append({"leaves": leaves, "dimensions": dimensions, "numerator": numerator})
        return StubLocalisation([StubSlice({"platform": "ios"}, 0.8), StubSlice({"segment": "trial"}, 0.1)])


def no_localiser(*args: Any, **kwargs: Any) -> StubLocalisation:
    return StubLocalisation([])


@pytest.fixture(scope="module")
def cube() -> pd.DataFrame:
    return clean_cube(END, days=200, seed=3, calendar=CALENDAR)


def run(cube: pd.DataFrame, day: dt.date | None = None, **kwargs: Any) -> ScanResult:
    kwargs.setdefault("localise", no_localiser)
    return scan(cube, [day] if day else None, calendar=CALENDAR, **kwargs)


def total_findings(result: ScanResult, metric: str) -> list:
    """The findings on ``metric`` of the total: its own, or folded under a driver of the metric tree (a
    revenue-only drop is led by 边现), as an alert of that metric with the folded numbers."""
    own = [a for a in result.alerts + result.explained if a.metric == metric and not a.scope]
    under = [
        a.model_copy(
            update={
                "metric": metric,
                "value": f.value,
                "expected": f.expected,
                "z": f.z,
                "folded": [],
                "pct_change": f.pct_change,
                "direction": "up" if f.pct_change > 0 else "down",
            }
        )
        for a in result.alerts + result.explained
        if a.metric != metric and not a.scope
        for f in a.folded
        if f.metric == metric and not f.scope
    ]
    return own + under


# -- calendar cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "note"),
    [
        (dt.date(2025, 11, 15), "周末"),  # an ordinary Saturday: +15 % DAU
        (dt.date(2025, 10, 2), "国庆节"),  # a public holiday: +30 % DAU
        (dt.date(2025, 9, 28), "调休"),  # a Sunday that is a working day
        (dt.date(2025, 10, 9), "长假后第一个工作日"),  # first day back after the National Day break
    ],
)
def test_calendar_days_do_not_alert(cube: pd.DataFrame, day: dt.date, note: str) -> None:
    result = run(cube[cube["date"] <= pd.Timestamp(day)], day)
    status = result.status_of(day)
    assert status.status == "ok"
    assert any(note in n for n in status.calendar_notes)
    assert result.alerts == []
    dau = cube[cube["date"] == pd.Timestamp(day)]["dau"].sum()
    weekday_median = cube[cube["date"].dt.day_of_week < 5].groupby("date")["dau"].sum().median()
    assert abs(dau / weekday_median - 1) > 0.02 or note == "调休"  # the day really is different


def test_first_holiday_in_the_data_is_explained_not_alerted(cube: pd.DataFrame) -> None:
    # the 200-day cube starts in June: National Day is its first holiday, its lift is borrowed from weekends
    day = dt.date(2025, 10, 1)
    before = cube[cube["date"] <= pd.Timestamp(day)]
    result = run(before, day)
    assert result.alerts == []  # the prior (a holiday lifts like 1.5 weekends) forecasts it well
    assert all(f.explained_by for f in total_findings(result, "dau"))
    # borrowing the plain weekend effect under-forecasts the holiday: the move is explained, not alerted
    plain = run(before, day, config=DetectionConfig(holiday_prior_factor=1.0))
    assert plain.alerts == []
    dau = total_findings(plain, "dau")
    assert dau and dau[0].direction == "up" and "日历效应（国庆节）" in dau[0].explained_by
    assert "参考周末" in dau[0].explained_by  # only a few earlier holiday days: the thin-history note
    # with a year of history the holiday effect is learnt: nothing to explain
    year = clean_cube(day, days=365, seed=3, calendar=CALENDAR)
    assert total_findings(run(year, day), "dau") == []
    # a drop on a holiday goes against the calendar effect and still alerts
    dropped = run(scale_measures(year, day, factor=0.7, measures=("dau",)), day)
    assert [a.direction for a in total_findings(dropped, "dau") if a in dropped.alerts] == ["down"]


def test_first_of_january_2027_is_provisional_but_scored() -> None:
    cube = clean_cube(dt.date(2027, 1, 1), days=120, seed=5, calendar=CALENDAR)
    result = run(cube)
    status = result.status_of(dt.date(2027, 1, 1))
    assert status.status == "ok"
    assert status.calendar_provisional is True
    assert any("2027" in n for n in status.calendar_notes)
    assert result.alerts == []
    dropped = run(scale_measures(cube, dt.date(2027, 1, 1), factor=0.6, measures=("revenue",)))
    alert = total_findings(dropped, "arpu")[0]  # a revenue-only drop is led by 边现, revenue under it
    assert [f.metric for f in alert.folded if not f.scope] == ["revenue"]
    assert alert.calendar_provisional is True and alert.direction == "down"
    assert any("临时" in n for n in alert.calendar_notes)


# -- baseline ---------------------------------------------------------------------------------------


def test_robust_baseline_is_not_blinded_by_a_past_outlier(cube: pd.DataFrame) -> None:
    day = dt.date(2025, 12, 10)
    spiked = scale_measures(cube, day - dt.timedelta(days=3), factor=3.0, measures=("revenue",))
    dropped = scale_measures(spiked, day, factor=0.85, measures=("revenue",))
    dropped = dropped[dropped["date"] <= pd.Timestamp(day)]
    robust = total_findings(run(dropped, day), "revenue")
    assert [a.direction for a in robust] == ["down"]
    actual = cube[cube["date"] == pd.Timestamp(day)]["revenue"].sum()
    assert robust[0].expected == pytest.approx(actual, rel=0.03)  # the spike did not lift the baseline
    classic = run(dropped, day, config=DetectionConfig(robust=False, exclude_anomalies_from_baseline=False))
    assert total_findings(classic, "revenue") == []  # mean/std: the spike widens the band for a week
    excluded = run(dropped, day, config=DetectionConfig(robust=False))
    assert [a.direction for a in total_findings(excluded, "revenue")] == ["down"]  # the spike left out


def test_the_end_of_a_multi_day_shift_is_not_a_new_anomaly(cube: pd.DataFrame) -> None:
    """Five days of revenue at -25 %, then back to normal: the day after is the old level, not a surge."""
    end = dt.date(2025, 12, 10)
    shifted = cube
    for offset in range(1, 6):
        shifted = scale_measures(shifted, end - dt.timedelta(days=offset), factor=0.75, measures=("revenue",))
    shifted = shifted[shifted["date"] <= pd.Timestamp(end)]
    assert total_findings(run(shifted, end), "revenue") == []  # the return is the old level
    absorbed = run(shifted, end, config=DetectionConfig(exclude_anomalies_from_baseline=False))
    assert [a.direction for a in total_findings(absorbed, "revenue")] == ["up"]  # without: a false surge


def test_a_nine_day_shift_alerts_every_day_and_its_end_on_none_after(cube: pd.DataFrame) -> None:
    """Nine days of revenue at -17 %, then four days back at the old level. The median of 7 days follows a
    shift after 4 of them, so one pass without the unusual days leaves the shift's last days in the
    baselines and each day of the return reads as a surge; the left-out days are recomputed until they
    settle (``EXCLUSION_PASSES``)."""
    end = dt.date(2025, 12, 10)
    shifted = cube
    for offset in range(4, 13):
        shifted = scale_measures(shifted, end - dt.timedelta(days=offset), factor=0.83, measures=("revenue",))
    shifted = shifted[shifted["date"] <= pd.Timestamp(end)]
    days = [end - dt.timedelta(days=offset) for offset in range(14)]
    result = scan(shifted, days, calendar=CALENDAR, localise=no_localiser)
    led = total_findings(result, "arpu")  # a revenue-only move is led by 边现
    drops = {a.date for a in led if a.direction == "down"}
    assert drops == {end - dt.timedelta(days=offset) for offset in range(4, 13)}  # every day of the shift
    rises = [a for m in ("arpu", "revenue") for a in total_findings(result, m) if a.direction == "up"]
    assert rises == []  # the return: none


# -- cross-checks -----------------------------------------------------------------------------------


def test_free_trial_dau_spike_explains_arpu_drop(cube: pd.DataFrame) -> None:
    spike = scale_measures(cube, END, factor=1.5, measures=("dau",), where={"segment": "trial"})
    result = run(spike)
    trial_arpu = [a for a in result.explained if a.metric == "arpu" and a.scope == {"segment": "trial"}]
    assert len(trial_arpu) == 1
    assert trial_arpu[0].direction == "down"
    assert "分母效应" in trial_arpu[0].explained_by and "DAU +4" in trial_arpu[0].explained_by
    assert trial_arpu[0].denominator_share == pytest.approx(1.0, abs=0.2)
    assert not [a for a in result.alerts if a.metric in ("arpu", "conversion") and a.scope.get("segment")]
    assert [a for a in result.alerts if a.metric == "dau" and a.scope == {"segment": "trial"}]
    english = run(spike, language="en")
    assert any("Denominator effect" in (a.explained_by or "") for a in english.explained)


def test_revenue_drop_is_not_explained_by_dau(cube: pd.DataFrame) -> None:
    both = scale_measures(cube, END, factor=0.7, measures=("revenue",))
    result = run(both)
    arpu = total_findings(result, "arpu")
    assert arpu and arpu[0].explained_by is None and arpu[0] in result.alerts


def test_slice_mirroring_the_total_is_folded(cube: pd.DataFrame) -> None:
    result = run(scale_measures(cube, END, factor=0.7, measures=("revenue",)))
    (lead,) = [a for a in result.alerts if not a.scope]  # 边现, revenue under it (the metric tree)
    assert lead.metric == "arpu" and [a for a in result.alerts if a.metric == "revenue"] == []
    folded_scopes = [f.scope for f in lead.folded if f.metric == "revenue"]
    assert {} in folded_scopes  # the total's revenue
    assert {"platform": "ios"} in folded_scopes and len(folded_scopes) >= 10
    revenue = [f for f in lead.folded if f.metric == "revenue"]
    assert all(f.pct_change == pytest.approx(-0.3, abs=0.06) for f in revenue)


# -- bad data ---------------------------------------------------------------------------------------


def test_missing_scored_day(cube: pd.DataFrame) -> None:
    result = run(cube[cube["date"] != pd.Timestamp(END)], END)
    assert result.status_of(END).status == "not_enough_data"
    assert "没有数据" in result.status_of(END).reason
    assert result.alerts == [] and result.explained == []


def test_missing_days_in_the_baseline_window(cube: pd.DataFrame) -> None:
    gap = (cube["date"] > pd.Timestamp(END - dt.timedelta(days=6))) & (cube["date"] < pd.Timestamp(END))
    result = run(cube[~gap], END, language="en")
    status = result.status_of(END)
    assert status.status == "not_enough_data"
    assert "baseline window" in status.reason and str(END - dt.timedelta(days=1)) in status.reason


def test_zero_dau(cube: pd.DataFrame) -> None:
    zero = scale_measures(cube, END, factor=0.0, measures=("dau",))
    status = run(zero).status_of(END)
    assert status.status == "not_enough_data" and "DAU 为 0" in status.reason


def test_nan_measure(cube: pd.DataFrame) -> None:
    broken = cube.copy()
    broken.loc[broken.index[-1], "revenue"] = np.nan
    status = run(broken).status_of(END)
    assert status.status == "not_enough_data" and "revenue" in status.reason and "NaN" in status.reason


def test_a_weekday_not_yet_seen_on_an_ordinary_day_is_not_scored() -> None:
    """A cube that starts a week before the 2025 Spring Festival: by 2025-02-22 no ordinary Saturday has
    entered the weekday profile (01-25 is before the break, 02-01 in it, 02-08 a 调休 working day, 02-15
    too recent for the centred level), so that Saturday's weekend lift would read as a surge."""
    early = clean_cube(dt.date(2025, 3, 8), days=46, seed=5, calendar=CALENDAR)
    surged = scale_measures(early, dt.date(2025, 2, 22), factor=1.15, measures=("dau", "revenue"))
    result = scan(
        surged, [dt.date(2025, 2, 22), dt.date(2025, 3, 8)], calendar=CALENDAR, localise=no_localiser
    )
    first, later = result.statuses
    assert (
        first.status == "not_enough_data" and first.reason is not None and "星期六的周内效应" in first.reason
    )
    assert [a for a in result.alerts if a.date == dt.date(2025, 2, 22)] == []
    assert later.status == "ok"  # two weeks on, the Saturday of 03-01 has been learnt from


def test_too_little_history(cube: pd.DataFrame) -> None:
    short = cube[cube["date"] > pd.Timestamp(END - dt.timedelta(days=5))]
    result = run(short)
    assert result.status_of(END).status == "not_enough_data"
    assert "历史数据只有 4 天" in result.status_of(END).reason


def test_empty_cube() -> None:
    empty = pd.DataFrame(columns=["date", "platform", "dau", "revenue", "new_members", "renew_members"])
    result = run(empty, END)
    assert result.status_of(END).status == "not_enough_data"


# -- JSON contract ----------------------------------------------------------------------------------


def test_json_contract_and_root_cause_hook(cube: pd.DataFrame) -> None:
    localiser = StubLocaliser()
    shocked = scale_measures(cube, END, factor=0.5, measures=("revenue",), where={"platform": "ios"})
    result = scan(shocked, calendar=CALENDAR, localise=localiser)
    payload = alerts_to_json(result)
    assert payload, "an ios revenue halving must alert"
    first = payload[0]
    for key in ("date", "metric", "scope", "value", "expected", "z", "severity", "direction", "explained_by"):
        assert key in first
    assert first["date"] == "2025-12-31"
    assert [{"slice": c["slice"], "share": c["share"]} for c in first["root_causes"]] == [
        {"slice": {"platform": "ios"}, "share": 0.8},
        {"slice": {"segment": "trial"}, "share": 0.1},
    ]
    ios = first["root_causes"][0]  # its own move against its own noise (core.detection.slice_noise)
    assert ios["significant"] is True and ios["z"] < -5
    assert all({"z", "significant"} <= set(c) for c in first["root_causes"])
    ranks = [{"minor": 1, "moderate": 2, "severe": 3}[p["severity"]] for p in payload if p["notify"]]
    assert ranks == sorted(ranks, reverse=True)
    # every finding was localised; findings of the same incident were then grouped under one alert
    assert len(localiser.calls) >= len(result.alerts)
    assert all(alert.root_causes for alert in result.alerts)
    revenue_call = next(c for c in localiser.calls if c["numerator"] == ("revenue",))
    leaves = revenue_call["leaves"]
    assert {"revenue", "revenue_expected", "platform", "segment"} <= set(leaves.columns)
    ios = leaves[leaves["platform"] == "ios"]
    assert ios["revenue"].sum() / ios["revenue_expected"].sum() == pytest.approx(0.5, abs=0.05)


# -- calibration: false alerts on clean data ---------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fewer_than_one_false_alert_per_week_on_clean_data(seed: int) -> None:
    cube = clean_cube(END, days=365, seed=seed, calendar=CALENDAR)
    days = [d.date() for d in pd.date_range(END - dt.timedelta(days=181), END)]  # 26 weeks
    result = scan(cube, days, calendar=CALENDAR, localise=no_localiser)
    assert all(s.status == "ok" for s in result.statuses)
    assert result.series_scored >= 100
    assert len(result.alerts) < 26  # < 1 per week across all metrics and slices
    # the seed's rule (7-day mean ± 1.5σ including the day) on the total DAU alone, for comparison
    dau = cube.groupby("date")["dau"].sum()
    mean, std = dau.rolling(7).mean(), dau.rolling(7).std()
    seed_alerts = ((dau - mean).abs() > 1.5 * std).loc[pd.Timestamp(days[0]) :].sum()
    assert seed_alerts > len(result.alerts)  # one series under the old rule beats our whole scan


# -- detection of injected anomalies -----------------------------------------------------------------


def test_detects_spike_drop_level_shift_and_slice_drop(cube: pd.DataFrame) -> None:
    spike = run(scale_measures(cube, END, factor=1.25, measures=("new_members",)))
    totals = {(a.metric, a.direction) for a in spike.alerts if not a.scope}
    assert totals == {("conversion", "up")}  # conversion's numerator rose: new members under it
    assert {f.metric for f in spike.alerts[0].folded if not f.scope} == {"new_members"}

    drop = total_findings(run(scale_measures(cube, END, factor=0.8, measures=("dau", "revenue"))), "dau")
    assert drop[0].direction == "down" and drop[0].severity == "severe"
    assert drop[0].pct_change == pytest.approx(-0.2, abs=0.04) and drop[0].value < drop[0].lower

    start = END - dt.timedelta(days=2)
    shift = scale_measures(cube, start, END, factor=0.85, measures=("revenue",))
    first_day = total_findings(run(shift[shift["date"] <= pd.Timestamp(start)], start), "revenue")
    assert [a.direction for a in first_day] == ["down"]

    slice_drop = run(
        scale_measures(cube, END, factor=0.6, measures=("revenue",), where={"platform": "pc"}),
        localise=localise,
    )
    incident = [a for a in slice_drop.alerts if effective_cause(a) == {"platform": "pc"}]
    assert len(incident) == 1  # one incident (边现 leads revenue), announced once
    pc = [a for a in incident if a.scope == {"platform": "pc"} and a.metric == "revenue"] + [
        f for f in incident[0].folded if f.scope == {"platform": "pc"} and f.metric == "revenue"
    ]
    assert len(pc) == 1 and pc[0].pct_change == pytest.approx(-0.4, abs=0.06)


# -- the metric tree ------------------------------------------------------------------------------------


def test_a_dau_led_drop_is_announced_as_dau_with_revenue_and_members_under_it(cube: pd.DataFrame) -> None:
    """DAU, revenue and members of one platform fall together, 边现 stays: the driver is DAU."""
    measures = ("dau", "revenue", "new_members", "renew_members")
    shocked = scale_measures(cube, END, factor=0.6, measures=measures, where={"platform": "ios"})
    result = scan(shocked, [END], calendar=CALENDAR)
    payload = alerts_to_json(result)
    incident = next(p for p in payload if p["notify"])
    assert incident["metric"] == incident["led_by"] == "dau"
    assert "revenue" in incident["follows"] and "arpu" not in incident["follows"]
    assert not any(p["notify"] and p["metric"] == "revenue" for p in payload[1:])  # one incident, not two


def test_a_revenue_only_drop_is_led_by_arpu(cube: pd.DataFrame) -> None:
    shocked = scale_measures(cube, END, factor=0.6, measures=("revenue",), where={"platform": "ios"})
    incident = next(p for p in alerts_to_json(scan(shocked, [END], calendar=CALENDAR)) if p["notify"])
    assert (
        incident["led_by"] == "arpu" and "revenue" in incident["follows"] and "dau" not in incident["follows"]
    )
