"""Goal difficulty 1–5: where the lift a campaign must add lies among the lifts history has seen.

``needed = (1 + target) / (1 + natural_lift) - 1`` removes what the trend brings anyway (a negative trend
makes the goal harder). Bands: needed ≤ median → 1; ≤ p75 → 2; ≤ p90 → 3; ≤ best → 4; beyond the best
campaign → 5. Without history the default thresholds (3 %, 6 %, 10 %, 15 %) stand in for the quantiles.
The level never decreases as the target rises.
"""

from __future__ import annotations

import numpy as np

from core.planning.goal_models import Difficulty, LiftDistribution

DEFAULT_THRESHOLDS = {"median": 0.03, "p75": 0.06, "p90": 0.10, "best": 0.15}
BANDS = ("at_or_below_median", "median_to_p75", "p75_to_p90", "p90_to_best", "above_best")


def rate_difficulty(
    target_lift: float, natural_lift: float, history: LiftDistribution, past_lifts: np.ndarray | None = None
) -> Difficulty:
    needed = (1 + target_lift) / (1 + natural_lift) - 1
    if history.n:
        thresholds = {"median": history.median, "p75": history.p75, "p90": history.p90, "best": history.best}
    else:
        thresholds = dict(DEFAULT_THRESHOLDS)
    cuts = np.maximum.accumulate(np.array(list(thresholds.values()), dtype=float))
    position = int(np.searchsorted(cuts, needed, side="left"))
    percentile = None
    if past_lifts is not None and len(past_lifts):
        percentile = float((np.asarray(past_lifts) < needed).mean())
    return Difficulty(
        level=position + 1,
        band=BANDS[position] if history.n else f"no_history_{BANDS[position]}",
        target_lift=target_lift,
        natural_lift=natural_lift,
        needed_lift=needed,
        percentile=percentile,
        thresholds={k: float(v) for k, v in thresholds.items()},
    )
