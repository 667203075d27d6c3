"""The optimised (day-major, blocked prefix sums, sorting network) engine against a straightforward
reference: the pre-optimisation algorithm, series-major, one ``np.cumsum`` per category and window and
``np.sort`` for the medians. Same maths, different rounding order, so values agree to float32 noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.detection.calendar_effects import (
    ADJUSTED_WORKDAY,
    AFTER_HOLIDAY,
    BEFORE_HOLIDAY,
    HOLIDAY,
    HUBER_K,
    HUBER_MIN_SUPPORT,
    LEVEL_HALF_WIDTH,
    LEVEL_MIN_DAYS,
    RESIDUAL_CLIP,
    WEEK_HALF_WIDTH,
    CalendarDays,
    calendar_days,
)
from core.detection.config import DetectionConfig
from core.detection.day_major import comparable_centre_spread as day_major_spread
from core.detection.day_major import prefix_sums, sorted_rows, trailing_window_sums
from core.detection.engine import (
    CALIBRATION_PRIOR_DAYS,
    ERROR_CLIP_SIGMAS,
    MEAN_ABS_TO_SIGMA,
    MIN_HISTORY_ERRORS,
    score_grid,
)
from core.detection.windows import comparable_centre_spread, trailing_sum

CALENDAR = ChineseCalendar()


# -- the reference: plain cumulative sums per category, series-major --------------------------------------


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    valid = ~np.isnan(values)
    zero = np.zeros((len(values), 1))
    sums = np.concatenate([zero, np.cumsum(np.where(valid, values, 0.0), axis=1)], axis=1)
    return sums, np.concatenate([zero, np.cumsum(valid, axis=1)], axis=1)


def _centred_mean(values: np.ndarray, half: int, min_count: int) -> np.ndarray:
    n_days = values.shape[1]
    sums, counts = _cumulative(values)
    end, start = (
        np.clip(np.arange(n_days) + half + 1, 0, n_days),
        np.clip(np.arange(n_days) - half, 0, n_days),
    )
    count = counts[:, end] - counts[:, start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[:, end] - sums[:, start]) / count
    return np.where(count >= min_count, mean, np.nan)


def _category_sum(values: np.ndarray, category: np.ndarray, code: int, lookback: int, lag: int):
    """Sum and count of the category's values in ``[t - lag - lookback + 1, t - lag]`` for every t."""
    columns = np.flatnonzero(category == code)
    sums, counts = _cumulative(values[:, columns])
    t = np.arange(len(category))
    low = np.searchsorted(columns, t - lag - lookback + 1, side="left")
    high = np.maximum(np.searchsorted(columns, t - lag, side="right"), low)
    return sums[:, high] - sums[:, low], counts[:, high] - counts[:, low]


def _effects(residuals: np.ndarray, days: CalendarDays, config: DetectionConfig, lag: int):
    residuals = np.clip(residuals, -RESIDUAL_CLIP, RESIDUAL_CLIP)
    lookback, prior = config.calendar_lookback_days, config.calendar_prior_days
    means = np.zeros((7, *residuals.shape))
    for code in range(7):
        sums, counts = _category_sum(residuals, days.category, code, lookback, lag)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[code] = np.where(counts > 0, sums / counts, 0.0)
    effects = means[days.weekday, :, np.arange(len(days.weekday))].T
    workday = means[:5].mean(axis=0)
    own_working_day = np.where(days.weekday >= 5, workday, effects)
    parents = {
        HOLIDAY: config.holiday_prior_factor * means[5:].mean(axis=0),
        ADJUSTED_WORKDAY: workday,
        BEFORE_HOLIDAY: own_working_day,
        AFTER_HOLIDAY: own_working_day,
    }
    support = np.zeros(residuals.shape)
    for code in np.unique(days.category):
        sums, counts = _category_sum(residuals, days.category, code, lookback, lag)
        columns = days.category == code
        support[:, columns] = counts[:, columns]
        if code in parents:
            parent = parents[code]
            with np.errstate(invalid="ignore", divide="ignore"):
                shrunk = (sums + prior * parent) / (counts + prior)
            effects[:, columns] = np.where(counts + prior > 0, shrunk, parent)[:, columns]
    return effects, support


def _calendar(log_values: np.ndarray, days: CalendarDays, config: DetectionConfig):
    ordinary = days.category < 7
    level = _centred_mean(np.where(ordinary, log_values, np.nan), WEEK_HALF_WIDTH, 7)
    effects, _ = _effects(log_values - level, days, config, WEEK_HALF_WIDTH + 1)
    level = _centred_mean(np.where(ordinary, log_values - effects, np.nan), LEVEL_HALF_WIDTH, LEVEL_MIN_DAYS)
    residuals = log_values - level
    effects, support = _effects(residuals, days, config, LEVEL_HALF_WIDTH + 1)
    level = _centred_mean(np.where(ordinary, log_values - effects, np.nan), LEVEL_HALF_WIDTH, LEVEL_MIN_DAYS)
    deviation = log_values - level - effects
    trusted = ordinary & (support >= HUBER_MIN_SUPPORT) & np.isfinite(deviation)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = MEAN_ABS_TO_SIGMA * np.abs(np.where(trusted, deviation, 0)).sum(axis=1) / trusted.sum(axis=1)
    bound = HUBER_K * np.nan_to_num(scale, nan=RESIDUAL_CLIP)[:, None]
    residuals = np.where(trusted, effects + np.clip(deviation, -bound, bound), log_values - level)
    effects, _ = _effects(residuals, days, config, LEVEL_HALF_WIDTH + 1)
    return effects, support


def reference_scores(
    values: np.ndarray, days: CalendarDays, config: DetectionConfig
) -> dict[str, np.ndarray]:
    """Expected value, calibrated z and calendar arrays of every cell, in float64."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_values = np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
    offset = np.nan_to_num(log_values[np.arange(len(values)), np.argmax(np.isfinite(log_values), axis=1)])
    log_values = log_values - offset[:, None]
    effects, support = _calendar(log_values, days, config)
    adjusted = log_values - effects
    centre, local_sigma, counts = comparable_centre_spread(
        adjusted, days.category != HOLIDAY, config.baseline_window, config.robust
    )
    centre = np.where(counts >= config.baseline_min_values, centre, np.nan)
    local_sigma = np.fmax(np.nan_to_num(local_sigma, nan=0.0), np.log1p(config.min_relative_noise))
    error = adjusted - centre
    ordinary = days.category < 7
    clipped = np.where(ordinary, np.minimum(np.abs(error), ERROR_CLIP_SIGMAS * local_sigma), np.nan)
    sums, counts = trailing_sum(clipped, config.calibration_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        history = np.where(counts >= MIN_HISTORY_ERRORS, MEAN_ABS_TO_SIGMA * sums / counts, np.nan)
    sigma = np.fmax(local_sigma, history) * np.where(ordinary, 1.0, config.special_day_noise_factor)
    z_raw = error / sigma
    sums, counts = trailing_sum(
        np.where(ordinary, np.minimum(np.abs(z_raw), ERROR_CLIP_SIGMAS), np.nan), config.calibration_days
    )
    calibration = np.maximum(
        (MEAN_ABS_TO_SIGMA * sums + CALIBRATION_PRIOR_DAYS) / (counts + CALIBRATION_PRIOR_DAYS), 1.0
    )
    return {
        "expected": np.exp(centre + effects + offset[:, None]),
        "z_calibrated": z_raw / calibration,
        "calendar_effect": effects,
        "calendar_support": support,
    }


# -- the comparison ---------------------------------------------------------------------------------------


def random_grid(n_series: int, dates: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Weekly and holiday lifts, noise, a trend, missing days, zeros, a spike and a short series."""
    rng = np.random.default_rng(seed)
    days = calendar_days(dates, CALENDAR)
    lift = np.where(days.weekday >= 5, 1.15, 1.0) * np.where(days.category == HOLIDAY, 1.3, 1.0)
    trend = np.linspace(0, rng.uniform(-0.3, 0.3), len(dates))
    level = rng.uniform(50, 50_000, (n_series, 1))
    values = level * lift * np.exp(trend + rng.normal(0, rng.uniform(0.01, 0.1, (n_series, 1)), level.shape))
    values = values * np.exp(rng.normal(0, 0.03, (n_series, len(dates))))
    values[rng.random(values.shape) < 0.03] = np.nan
    values[rng.random(values.shape) < 0.01] = 0.0
    values[0, -5] *= 2.5
    values[1, : len(dates) // 2] = np.nan
    return values


@pytest.mark.parametrize(
    ("end", "n_days", "robust"),
    [
        ("2025-12-31", 365, True),
        ("2025-10-20", 120, True),
        ("2026-02-28", 200, False),
        ("2026-06-30", 560, True),
    ],
)
def test_engine_matches_the_reference(end: str, n_days: int, robust: bool) -> None:
    dates = pd.date_range(end=end, periods=n_days, freq="D")
    days = calendar_days(dates, CALENDAR)
    values = random_grid(40, dates, seed=n_days)
    config = DetectionConfig(robust=robust, exclude_anomalies_from_baseline=False)  # the reference's maths
    reference = reference_scores(values, days, config)
    scores = score_grid(values, days, config)
    assert np.array_equal(scores.calendar_support, reference["calendar_support"])
    for name, absolute in (("calendar_effect", 1e-5), ("z_calibrated", 1e-4)):
        ours, theirs = getattr(scores, name), reference[name]
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), name
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=absolute, equal_nan=True, err_msg=name)
    np.testing.assert_allclose(scores.expected, reference["expected"], rtol=1e-5, equal_nan=True)
    assert np.isfinite(scores.z_calibrated[2:, -30:]).mean() > 0.9  # the comparison is not vacuous
    assert (np.abs(reference["calendar_effect"][:, days.category == HOLIDAY]) > 0.1).any()


# -- the day-major primitives -----------------------------------------------------------------------------


@pytest.mark.parametrize("n_days", [1, 15, 16, 17, 48, 365])
def test_prefix_sums_equal_cumulative_sums(n_days: int) -> None:
    values = np.random.default_rng(n_days).normal(size=(n_days, 6))
    expected = np.vstack([np.zeros((1, 6)), np.cumsum(values, axis=0)])
    np.testing.assert_allclose(prefix_sums(values), expected, rtol=1e-12, atol=1e-12)


def test_trailing_window_sums_lag_and_length() -> None:
    sums, counts = trailing_window_sums(np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])[:, None], length=2, lag=2)
    assert sums[:, 0].tolist() == [0, 0, 1, 3, 2, 4]
    assert counts[:, 0].tolist() == [0, 0, 1, 2, 1, 1]


def test_sorting_network_equals_sort_with_nan_last() -> None:
    stack = np.random.default_rng(0).normal(size=(7, 50, 3)).astype(np.float32)
    stack[np.random.default_rng(1).random(stack.shape) < 0.3] = np.nan
    np.testing.assert_array_equal(sorted_rows(stack), np.sort(stack, axis=0))


@pytest.mark.parametrize("robust", [True, False])
def test_day_major_baseline_equals_series_major(robust: bool) -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(size=(3, 40))
    values[rng.random(values.shape) < 0.2] = np.nan
    comparable = rng.random(40) > 0.2
    expected = comparable_centre_spread(values, comparable, 7, robust)
    ours = day_major_spread(values.T.copy(), comparable, 7, robust, first=10)
    for mine, theirs in zip(ours, expected, strict=True):
        np.testing.assert_allclose(mine.T, theirs[:, 10:], rtol=1e-9, atol=1e-12, equal_nan=True)
