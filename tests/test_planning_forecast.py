"""The forecast behind ``/goal`` (``core.planning.forecast``): calendar profile, Theta level, intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar, DayKind
from core.planning.forecast import EVENT_FLOOR, forecast_metric

CALENDAR = ChineseCalendar()
LAST_DAY = pd.Timestamp("2025-09-20")  # the next 30 days hold 调休 Sundays and the National Day week
HISTORY, HORIZON = 200, 30
OFF_DAY, HOLIDAY_EXTRA = 1.3, 1.1  # weekends and holidays +30 %, holidays another +10 %


def _series(shift_days_ago: int | None = 40, noise: float = 0.01) -> tuple[pd.DataFrame, np.ndarray]:
    """History up to ``LAST_DAY`` and the noise-free truth of the next 30 days: a level of 1000 that drops
    10 % ``shift_days_ago`` days before the end, times the day-off and holiday lifts of the real calendar."""
    dates = pd.date_range(LAST_DAY - pd.Timedelta(days=HISTORY - 1), periods=HISTORY + HORIZON, freq="D")
    kinds = [CALENDAR.info(day.date()).kind for day in dates]
    off = np.array([kind in (DayKind.WEEKEND, DayKind.HOLIDAY) for kind in kinds])
    holiday = np.array([kind == DayKind.HOLIDAY for kind in kinds])
    level = np.full(len(dates), 1000.0)
    if shift_days_ago is not None:
        level[HISTORY - shift_days_ago :] *= 0.9
    truth = level * np.where(off, OFF_DAY, 1.0) * np.where(holiday, HOLIDAY_EXTRA, 1.0)
    observed = truth * np.exp(np.random.default_rng(7).normal(0, noise, len(dates)))
    return pd.DataFrame({"date": dates[:HISTORY], "dau": observed[:HISTORY]}), truth[HISTORY:]


def _arrays(forecast) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    points = forecast.points
    return (
        np.array([p.value for p in points]),
        np.array([p.lower for p in points]),
        np.array([p.upper for p in points]),
    )


def test_holidays_adjusted_workdays_and_a_level_shift_are_forecast_and_covered() -> None:
    history, truth = _series()
    forecast = forecast_metric(history, "dau", HORIZON)
    point, lower, upper = _arrays(forecast)
    days = {p.date.isoformat(): i for i, p in enumerate(forecast.points)}
    # the level after the shift (900), not the 84-day average; every day within 4 % of the truth
    assert np.abs(point / truth - 1).max() < 0.04
    assert ((lower <= truth) & (truth <= upper)).all()
    assert forecast.mean_lower <= truth.mean() <= forecast.mean_upper
    # a National Day Wednesday is a day off with the holiday extra learnt from May's holidays
    assert point[days["2025-10-01"]] == pytest.approx(900 * OFF_DAY * HOLIDAY_EXTRA, rel=0.04)
    # 调休: Sunday 28 September is a working day, Saturday 11 October too
    assert point[days["2025-09-28"]] == pytest.approx(900, rel=0.04)
    assert point[days["2025-10-11"]] == pytest.approx(900, rel=0.04)
    # the weekday profile of an ordinary week: weekend / weekday ≈ 1.3, mean 1
    index = forecast.weekday_index
    assert np.mean(index) == pytest.approx(1.0)
    assert index[5] / index[0] == pytest.approx(OFF_DAY, rel=0.03)
    # the holiday week is not growth: the natural lift stays near 0 (a small drift from the shift)
    assert abs(forecast.natural_lift) < 0.03


def test_an_incident_on_the_last_day_does_not_bend_the_forecast() -> None:
    history, truth = _series(shift_days_ago=None)
    history.loc[history.index[-1], "dau"] *= 0.5  # the last day halves (an outage)
    point, _, _ = _arrays(forecast_metric(history, "dau", HORIZON))
    assert np.abs(point / truth - 1).max() < 0.03


def test_a_smooth_series_still_gets_the_event_floor_and_bands_widen_with_the_horizon() -> None:
    history, _ = _series(shift_days_ago=None, noise=0.0)
    forecast = forecast_metric(history, "dau", HORIZON)
    half_width = (forecast.mean_upper - forecast.mean_lower) / 2 / forecast.mean
    assert half_width == pytest.approx(1.28 * EVENT_FLOOR, rel=0.05)  # nothing else is uncertain
    noisy, _ = _series(shift_days_ago=None, noise=0.03)
    forecast = forecast_metric(noisy, "dau", HORIZON)
    point, lower, upper = _arrays(forecast)
    relative = (upper - lower) / point
    assert relative[0] == pytest.approx(2 * 1.28 * 0.03, rel=0.15)  # day 1: the 3 % noise
    assert relative[-1] > relative[0]
