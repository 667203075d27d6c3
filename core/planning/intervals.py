"""Weighted estimates from a few neighbours: median, an 80 % predictive interval and a confidence.

The interval is the wider of

* the weighted 10 %–90 % quantiles of the neighbours' values, and
* a predictive interval ``median ± t_{0.9, n_eff-1} · s · sqrt(1 + 1/n_eff)``, where ``n_eff = (Σw)²/Σw²``
  is the effective number of neighbours and ``s²`` pools the weighted variance with a prior variance (the
  spread over all campaigns) at ``PRIOR_WEIGHT`` pseudo-observations.

So a single neighbour still gets an honest band (from the prior spread and a large t), and the band widens
with fewer or more dispersed neighbours. The confidence multiplies coverage ``1 - exp(-n_eff/3)``, the mean
similarity of the neighbours and precision ``1 / (1 + width / prior width)``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from core.planning.facts import Estimate

LEVEL = 0.8
PRIOR_WEIGHT = 1.0


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of the weighted empirical distribution (midpoint interpolation of cumulative weights)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cumulative, v))


def effective_n(weights: np.ndarray) -> float:
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w**2).sum()) if (w > 0).any() else 0.0


def weighted_estimate(
    values: np.ndarray, weights: np.ndarray, prior_sd: float, level: float = LEVEL
) -> Estimate:
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    n_eff = effective_n(weights)
    point = weighted_quantile(values, weights, 0.5)
    mean = float(np.average(values, weights=weights))
    variance = float(np.average((values - mean) ** 2, weights=weights))
    if n_eff > 1:
        variance *= n_eff / (n_eff - 1)
    pooled = (n_eff * variance + PRIOR_WEIGHT * prior_sd**2) / (n_eff + PRIOR_WEIGHT)
    t = stats.t.ppf(0.5 + level / 2, max(n_eff - 1, 1))
    half = t * np.sqrt(pooled) * np.sqrt(1 + 1 / n_eff)
    tail = (1 - level) / 2
    lower = min(weighted_quantile(values, weights, tail), point - half)
    upper = max(weighted_quantile(values, weights, 1 - tail), point + half)
    return Estimate(point=point, lower=float(lower), upper=float(upper), level=level)


def confidence(
    n_eff: float, mean_similarity: float, width: float, prior_sd: float, level: float = LEVEL
) -> float:
    prior_width = 2 * stats.norm.ppf(0.5 + level / 2) * prior_sd
    precision = 1 / (1 + width / prior_width) if prior_width > 0 else 0.5
    return float(np.clip((1 - np.exp(-n_eff / 3)) * mean_similarity * precision, 0, 1))
