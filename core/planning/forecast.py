"""Baseline forecast of a daily metric: weekly-seasonal naive × linear trend, residual-based interval.

Model, fitted on the last ``history_days`` (84 = 12 weeks) of daily values ``y_t``:

1. weekday index ``s_w`` = mean of ``y`` on weekday ``w`` / mean of ``y`` (multiplicative; 1 for a weekday
   without data);
2. deseasonalised ``z_t = y_t / s_w(t)`` gets an ordinary least-squares line ``a + b·t``;
3. forecast ``ŷ_h = (a + b·t_h) · s_w(h)``;
4. the 80 % interval is the OLS prediction interval of the line, ``± t_{0.9, n-2} · σ · sqrt(1 + 1/n +
   (t_h - t̄)² / Σ(t - t̄)²)`` with ``σ`` the residual standard deviation of ``z``, scaled by ``s_w(h)``. It
   widens with the distance from the fitted window, i.e. with the horizon.

The natural lift (what the metric does without action) compares the deseasonalised levels: the mean of
the trend line over the horizon against the mean of ``z`` over the last 28 days, so a horizon that is not
a whole number of weeks does not count an extra weekend as growth.

The horizon mean's interval is the mean of the daily bounds: conservative (assumes fully correlated
errors), which suits a planning tool better than a falsely tight band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from core.cube import DATE
from core.planning.goal_models import Forecast, ForecastPoint

HISTORY_DAYS = 84
RECENT_DAYS = 28
LEVEL = 0.8


def _weekday_index(values: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    overall = values.mean()
    sums = np.bincount(weekdays, weights=values, minlength=7)
    counts = np.bincount(weekdays, minlength=7)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(counts > 0, sums / counts / overall, 1.0)
    return np.where(np.isfinite(index) & (index > 0), index, 1.0)


def forecast_metric(
    daily: pd.DataFrame,
    metric: str,
    horizon_days: int,
    history_days: int = HISTORY_DAYS,
    level: float = LEVEL,
) -> Forecast:
    """Forecast ``daily[metric]`` (one row per date) for ``horizon_days`` after its last date."""
    series = daily[[DATE, metric]].dropna().sort_values(DATE)
    last = series[DATE].max()
    series = series[series[DATE] > last - pd.Timedelta(days=history_days)]
    if series.empty:
        raise ValueError(f"no {metric} values to forecast")
    y = series[metric].to_numpy(float)
    t = ((series[DATE] - series[DATE].min()).dt.days).to_numpy(float)
    weekdays = series[DATE].dt.day_of_week.to_numpy()
    index = _weekday_index(y, weekdays) if len(y) >= 14 else np.ones(7)
    z = y / index[weekdays]

    n = len(z)
    slope, intercept = np.polyfit(t, z, 1) if n >= 3 else (0.0, float(z.mean()))
    residuals = z - (intercept + slope * t)
    dof = max(n - 2, 1)
    sigma = float(np.sqrt((residuals**2).sum() / dof)) if n >= 3 else float(abs(z.mean()) * 0.1)
    sxx = float(((t - t.mean()) ** 2).sum()) or 1.0

    future = pd.date_range(last + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    t_future = t.max() + np.arange(1, horizon_days + 1, dtype=float)
    season = index[future.day_of_week.to_numpy()]
    point = (intercept + slope * t_future) * season
    half = stats.t.ppf(0.5 + level / 2, dof) * sigma * np.sqrt(1 + 1 / n + (t_future - t.mean()) ** 2 / sxx)
    lower, upper = point - half * season, point + half * season

    recent = t > t.max() - RECENT_DAYS
    recent_mean = float(y[recent].mean())
    recent_level = float(z[recent].mean())
    future_level = float((intercept + slope * t_future).mean())
    mean = float(point.mean())
    return Forecast(
        metric=metric,
        level=level,
        history_days=n,
        trend_per_day=float(slope),
        residual_sd=sigma,
        weekday_index=[float(v) for v in index],
        points=[
            ForecastPoint(date=d.date(), value=float(v), lower=float(lo), upper=float(hi))
            for d, v, lo, hi in zip(future, point, lower, upper, strict=True)
        ],
        mean=mean,
        mean_lower=float(lower.mean()),
        mean_upper=float(upper.mean()),
        recent_mean=recent_mean,
        natural_lift=future_level / recent_level - 1 if recent_level else 0.0,
    )
