"""How unusual a ``/why`` change is against the noise of the same comparison in the same series.

A change of −0.2 % in a week means nothing if that series moves ±1 % week over week; a slice whose own
change is ordinary is not a cause. So every change ``/why`` reports gets a z-score against *its own*
history of the same comparison: the period and its baseline period shifted back by whole weeks
(``NOISE_WEEKS`` pairs, weekday-aligned, so weekly seasonality cancels as it does in the comparison itself).

* centre = median of those historical relative changes (a steady trend is ordinary), scale = 1.2533 ×
  mean absolute deviation from it without the single largest one (one holiday week in the history does
  not widen the scale; mean deviation is less jumpy than the MAD on a dozen values), floored at
  ``MIN_SCALE`` and, for a count (members, DAU), at its Poisson noise, so that a smooth history does not
  turn rounding or a handful of members into significance;
* a total is *within the normal range* when ``|z| < Z_NORMAL`` (for a single day with a detection band,
  the band of the scan decides, so ``/why`` and the scan agree on what is anomalous);
* a slice is *significant* when its own ``|z| >= Z_SLICE`` and it moved in the direction of the total.
  The localiser picks the slices that moved most among hundreds of combinations, so the bar is far above a
  single test's 3 (a Bonferroni-like bar for the search, with the scale estimated from a dozen values).

``Z_NORMAL``, ``Z_SLICE`` and ``NOISE_WEEKS`` were chosen on the tuning half (odd seeds) of
``bench/why_family.py``; the README reports the other half.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.cube import METRICS
from core.detection.slice_noise import COUNT_MEASURES, MIN_RELATIVE_NOISE, SLICE_Z, is_significant
from core.why.models import WhyPeriod

__all__ = [
    "NOISE_WEEKS", "Z_NORMAL", "Z_SLICE", "change_noise", "change_z", "count_noise", "is_significant", "normal_range",
]  # fmt: skip

NOISE_WEEKS = 12
MIN_PERIODS = 4
Z_NORMAL = 3.0
Z_SLICE = SLICE_Z  # the same bar as the alerts' root-cause slices (core.detection.slice_noise)
MIN_SCALE = MIN_RELATIVE_NOISE  # 0.2 %: below this, week-over-week "noise" is rounding


def period_metric(daily: pd.DataFrame, metric: str, dates: Sequence[dt.date]) -> float:
    """``metric`` over ``dates`` from daily measure sums (ratio of sums; additive: mean per day).

    NaN when a day has no data or the denominator is zero."""
    index = pd.to_datetime(list(dates))
    if not index.isin(daily.index).all():
        return math.nan
    rows = daily.loc[index]
    if rows.isna().any().any():
        return math.nan
    definition = METRICS[metric]
    top = float(sum(rows[c].sum() for c in definition.numerator))
    if not definition.is_ratio:
        return top / len(index)
    bottom = float(sum(rows[c].sum() for c in definition.denominator))
    return top / bottom if bottom else math.nan


def relative_change(daily: pd.DataFrame, metric: str, period: WhyPeriod) -> float:
    value = period_metric(daily, metric, period.dates())
    baseline = period_metric(daily, metric, period.baseline_dates())
    if not (math.isfinite(value) and math.isfinite(baseline)) or baseline == 0:
        return math.nan
    return value / baseline - 1


def change_z(
    daily: pd.DataFrame, metric: str, period: WhyPeriod, *, weeks: int | None = None
) -> float | None:
    """The period's relative change in z units of the same comparison over the ``weeks`` before it.

    None when the change cannot be computed or fewer than ``MIN_PERIODS`` earlier comparisons can."""
    now = relative_change(daily, metric, period)
    noise = change_noise(daily, metric, period, weeks=weeks) if math.isfinite(now) else None
    if noise is None:
        return None
    centre, scale = noise
    return (now - centre) / scale


def change_noise(
    daily: pd.DataFrame, metric: str, period: WhyPeriod, *, weeks: int | None = None
) -> tuple[float, float] | None:
    """The usual relative change of this comparison (centre) and its noise (scale), from the ``weeks``
    before it; None with fewer than ``MIN_PERIODS`` of them."""
    weeks = weeks or NOISE_WEEKS
    history = np.array([relative_change(daily, metric, shifted(period, k)) for k in range(1, weeks + 1)])
    history = history[np.isfinite(history)]
    if len(history) < MIN_PERIODS:
        return None
    centre = float(np.median(history))
    deviations = np.sort(np.abs(history - centre))[:-1]  # without the single largest
    return centre, max(1.2533 * float(deviations.mean()), MIN_SCALE, count_noise(daily, metric, period))


def normal_range(baseline: float, noise: tuple[float, float]) -> tuple[float, float]:
    """The values whose change against ``baseline`` is within ``Z_NORMAL`` of the usual one."""
    centre, scale = noise
    return baseline * (1 + centre - Z_NORMAL * scale), baseline * (1 + centre + Z_NORMAL * scale)


def count_noise(daily: pd.DataFrame, metric: str, period: WhyPeriod) -> float:
    """The relative change that counting alone produces when the metric's numerator is a count (members,
    DAU): √(1/n + 1/n₀) for n and n₀ counted in the period and its baseline (Poisson). 25 members against
    24 is no evidence, however smooth the history happens to be."""
    numerator = METRICS[metric].numerator
    if not set(numerator) <= COUNT_MEASURES:
        return 0.0
    counts = [
        float(daily.loc[pd.to_datetime(list(dates)), list(numerator)].to_numpy().sum())
        for dates in (period.dates(), period.baseline_dates())
    ]
    if min(counts) <= 0:
        return math.inf
    return math.sqrt(1 / counts[0] + 1 / counts[1])


def shifted(period: WhyPeriod, weeks: int) -> WhyPeriod:
    back = dt.timedelta(days=7 * weeks)
    return period.model_copy(
        update={
            "start": period.start - back,
            "end": period.end - back,
            "baseline_start": period.baseline_start - back,
            "baseline_end": period.baseline_end - back,
        }
    )
