"""Is a root-cause slice's own move significant against its own noise?

The localiser names the slices that carry most of a move; that alone does not make them causes — among
hundreds of combinations, some small slice always moved most. So every named slice gets a z of its own:
its relative move on the alert day (actual against its share of the scope's forecast) in units of its own
day-to-day noise, measured on the baseline days the scan used (calendar-adjusted; 1.4826 × their median
absolute deviation), floored at ``MIN_RELATIVE_NOISE`` and,
for a count (DAU, members), at its Poisson noise — five members against three is no evidence, however
quiet the baseline days were.

A slice is *significant* when ``|z| >= SLICE_Z`` and it moved the way the alert did. The bar is far above a
single test's 3 because the slice was picked as the most-moved of many; ``core.why.significance`` uses the
same bar and rule for ``/why`` (chosen on the tuning half of ``bench/why_family.py``).
"""

from __future__ import annotations

import math

import numpy as np

SLICE_Z = 5.0
MAD_TO_SIGMA = 1.4826
MIN_RELATIVE_NOISE = 0.002
MIN_BASELINE_DAYS = 3
COUNT_MEASURES = frozenset({"dau", "new_members", "renew_members"})  # counted, hence Poisson noise


def relative_noise(history: np.ndarray) -> float | None:
    """The relative day-to-day noise of a metric from its values on the baseline days (None: too few).

    1.4826 × the median absolute deviation from the median: the baseline days of a multi-day incident's
    later days hold its first days, and up to three of seven such days leave the scale unmoved."""
    values = history[np.isfinite(history) & (history > 0)]
    if len(values) < MIN_BASELINE_DAYS:
        return None
    relative = values / float(np.median(values)) - 1.0
    return MAD_TO_SIGMA * float(np.median(np.abs(relative - np.median(relative))))


def poisson_noise(count_now: float, count_before: float) -> float:
    """The relative change counting alone produces: √(1/n + 1/n₀) (∞ when either count is zero)."""
    if count_now <= 0 or count_before <= 0:
        return math.inf
    return math.sqrt(1 / count_now + 1 / count_before)


def slice_z(change: float, noise: float | None, count_noise: float = 0.0) -> float | None:
    """``change`` (actual / expected − 1) in units of the slice's noise; None when it cannot be told."""
    if noise is None or not math.isfinite(change):
        return None
    scale = max(noise, MIN_RELATIVE_NOISE, count_noise)
    return change / scale if math.isfinite(scale) else 0.0


def is_significant(z: float | None, change: float | None, direction: str) -> bool | None:
    """A slice counts as a cause when its own move is unusual and goes the way the total went (None:
    too little history to tell, so it stays a cause as far as we know)."""
    if z is None or change is None:
        return None
    if abs(z) < SLICE_Z:
        return False
    if direction == "flat":
        return True
    return (change > 0) == (direction == "up")
