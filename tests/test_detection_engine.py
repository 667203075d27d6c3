"""Unit tests of the scoring engine, its windows and calendar effects (small synthetic grids)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.detection.calendar_effects import (
    ADJUSTED_WORKDAY,
    AFTER_HOLIDAY,
    HOLIDAY,
    calendar_days,
    calendar_notes,
)
from core.detection.config import DetectionConfig
from core.detection.engine import ScopeOverlap, family_adjusted_score, score_grid
from core.detection.series import scope_overlap
from core.detection.windows import comparable_centre_spread, trailing_centre_spread, trailing_sum

CALENDAR = ChineseCalendar()


def test_trailing_median_excludes_the_day_and_skips_nan() -> None:
    values = np.array([[1.0, 2.0, 3.0, np.nan, 5.0, 100.0, 7.0]])
    centre, spread, counts = trailing_centre_spread(values, 3, robust=True)
    assert np.isnan(centre[0, 0])
    assert centre[0, 3] == 2.0  # window 1, 2, 3 (the day itself, NaN, is not in it)
    assert centre[0, 4] == 2.5  # window 2, 3, NaN -> median of 2 values
    assert counts[0, 4] == 2
    assert centre[0, 6] == 52.5  # window NaN, 5, 100
    assert spread[0, 3] == pytest.approx(1.4826)


def test_comparable_window_skips_holiday_columns() -> None:
    values = np.array([[1.0, 2.0, 3.0, 50.0, 60.0, 4.0]])
    comparable = np.array([True, True, True, False, False, True])
    centre, _, counts = comparable_centre_spread(values, comparable, 3, robust=True)
    assert centre[0, 5] == 2.0  # last 3 comparable days before day 5 are 1, 2, 3
    assert counts[0, 5] == 3


def test_trailing_sum_lag_and_length() -> None:
    sums, counts = trailing_sum(np.arange(1.0, 7.0)[None, :], length=2, lag=2)
    assert sums[0].tolist() == [0, 0, 1, 3, 5, 7]
    assert counts[0].tolist() == [0, 0, 1, 2, 2, 2]


def test_family_adjustment_is_bonferroni() -> None:
    # one test: the score is the z itself; 100 tests: z = 3.29 (p = 0.001) becomes p = 0.1 -> 1.645
    assert family_adjusted_score(np.array([2.0]), np.array([1.0]))[0] == pytest.approx(2.0)
    assert family_adjusted_score(np.array([-3.2905]), np.array([100.0]))[0] == pytest.approx(-1.645, abs=1e-3)
    assert family_adjusted_score(np.array([0.5]), np.array([100.0]))[0] == 0.0
    assert np.isfinite(family_adjusted_score(np.array([60.0]), np.array([100.0]))[0])


def _weekly_series(days: pd.DatetimeIndex, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lift = np.array([1.2 if d.weekday() >= 5 else 1.0 for d in days])
    return 1000.0 * lift * np.exp(rng.normal(0, 0.01, len(days)))


def test_day_is_never_part_of_its_own_baseline() -> None:
    days = pd.date_range("2025-03-01", periods=120, freq="D")
    values = _weekly_series(days)[None, :]
    spiked = values.copy()
    spiked[0, -1] *= 5
    cal = calendar_days(days, CALENDAR)
    before, after = score_grid(values, cal, DetectionConfig()), score_grid(spiked, cal, DetectionConfig())
    assert after.expected[0, -1] == before.expected[0, -1]
    assert after.lower[0, -1] == before.lower[0, -1]
    assert after.score[0, -1] > 2.5


def test_weekly_profile_is_removed() -> None:
    days = pd.date_range("2025-03-01", periods=120, freq="D")
    scores = score_grid(_weekly_series(days)[None, :], calendar_days(days, CALENDAR), DetectionConfig())
    saturday = int(np.flatnonzero(days == pd.Timestamp("2025-06-28"))[0])
    ratio = scores.expected[0, saturday] / _weekly_series(days)[saturday]
    assert ratio == pytest.approx(1.0, abs=0.04)  # a 7-day mean would be 20 % * 5/7 too low
    assert abs(scores.score[0, saturday]) < 1.5


def test_calendar_categories_and_notes() -> None:
    days = pd.DatetimeIndex(["2025-09-28", "2025-10-02", "2025-10-09", "2025-11-15"])
    cal = calendar_days(days, CALENDAR)
    assert cal.category.tolist() == [ADJUSTED_WORKDAY, HOLIDAY, AFTER_HOLIDAY, 5]
    assert any("国庆节" in n for n in calendar_notes(CALENDAR.info(dt.date(2025, 10, 2))))
    assert any("National Day" in n for n in calendar_notes(CALENDAR.info(dt.date(2025, 10, 2)), "en"))
    assert any("调休" in n for n in calendar_notes(CALENDAR.info(dt.date(2025, 9, 28))))
    assert any("长假后" in n for n in calendar_notes(CALENDAR.info(dt.date(2025, 10, 9))))
    provisional = calendar_notes(CALENDAR.info(dt.date(2027, 1, 1)))
    assert any("2027" in n and "临时" in n for n in provisional)
    assert any("元旦" in n for n in provisional)


def test_an_incident_is_left_out_of_the_baselines_of_every_overlapping_scope() -> None:
    """A drop of slice p=x (scope 1) for six days moves slice q=y (scope 2, overlapping) by only 3 %: too
    little for q=y's own z to exclude those days, so without the scopes its baseline absorbs the dip and
    the return looks like a rise. With the scopes, p=x's alerting days are left out of q=y's baselines too;
    """
    days = pd.date_range("2025-03-01", periods=130, freq="D")
    values = np.stack([_weekly_series(days, seed) for seed in (1, 2, 3, 4)])  # total, p=x, q=y, p=z
    incident = slice(110, 116)
    values[1, incident] *= 0.6
    values[2, incident] *= 0.97
    values[0, incident] *= 0.9
    overlap = np.ones((4, 4), dtype=bool)
    overlap[1, 3] = overlap[3, 1] = False
    scopes = ScopeOverlap(scope_of=np.arange(4), overlap=overlap)
    cal = calendar_days(days, CALENDAR)
    alone = score_grid(values, cal, DetectionConfig())
    together = score_grid(values, cal, DetectionConfig(), scopes=scopes)
    clean = score_grid(
        np.stack([_weekly_series(days, seed) for seed in (1, 2, 3, 4)]), cal, DetectionConfig()
    )
    after = 117
    gap_alone = abs(alone.expected[2, after] / clean.expected[2, after] - 1)
    gap_together = abs(together.expected[2, after] / clean.expected[2, after] - 1)
    assert gap_together < 0.006
    assert gap_alone > 0.015  # without the scopes, the dip became part of the normal


def test_scopes_overlap_unless_they_are_two_values_of_one_dimension() -> None:
    grid = SimpleNamespace(scopes=[{}, {"p": "x"}, {"q": "y"}, {"p": "z"}], metrics=("dau", "arpu"))
    scopes = scope_overlap(grid)  # type: ignore[arg-type]
    assert scopes.scope_of.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]  # metric-major rows
    assert scopes.overlap[0].all() and scopes.overlap[:, 0].all()  # the total holds every leaf
    assert scopes.overlap[1, 2] and scopes.overlap[2, 3]  # p=x and q=y share the leaves p=x ∧ q=y
    assert not scopes.overlap[1, 3] and not scopes.overlap[3, 1]  # p=x and p=z share none
    assert np.diag(scopes.overlap).all()
