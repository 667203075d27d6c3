"""Mix / rate split of a ratio metric's change along one or more dimensions.

For groups g (the values of the split dimensions), with actual and expected numerators n, n̂ and
denominators d, d̂, totals R = N / D and R̂ = N̂ / D̂:

* ``rate_g = (n_g - d_g r̂_g) / D`` = w_g (r_g - r̂_g): the ratio inside the group moved (at actual weight);
* ``mix_g = (w_g - ŵ_g)(r̂_g - R̂)``: the group's share of the denominator moved while its expected ratio
  differs from the total's (more users in a low-ARPU segment pull 边现 down even if no ratio moved).

Their sum is ``(n_g - R̂ d_g) / D - (n̂_g - R̂ d̂_g) / D̂`` whose total over groups is R - R̂ exactly, so
there is no interaction term. ``mix_g`` is computed as that exact sum minus ``rate_g``, which keeps the
identity exact also for groups that appear (d̂_g = 0: r̂_g is taken as r_g, i.e. the whole change is mix) or
vanish (d_g = 0: the rate effect is 0 and the change is mix).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.rootcause.leaves import LeafArrays
from core.rootcause.models import MixRateContribution, MixRateSplit


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, numerator / np.where(denominator != 0, denominator, 1.0), np.nan)


def mix_rate_split(arrays: LeafArrays, dimension_indices: Sequence[int]) -> MixRateSplit | None:
    """Split actual - expected of the total ratio along the given dimensions (None for additive metrics)."""
    if not arrays.is_ratio or not dimension_indices:
        return None
    assert arrays.denominator is not None and arrays.denominator_expected is not None
    dims = list(dimension_indices)
    groups, inverse = np.unique(arrays.codes[:, dims], axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)

    def grouped(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=len(groups))

    n, n_hat = grouped(arrays.numerator), grouped(arrays.numerator_expected)
    d, d_hat = grouped(arrays.denominator), grouped(arrays.denominator_expected)
    total_d, total_d_hat = d.sum(), d_hat.sum()
    if total_d == 0 or total_d_hat == 0:
        return None
    expected_total = n_hat.sum() / total_d_hat
    rate_actual, rate_expected = _safe_ratio(n, d), _safe_ratio(n_hat, d_hat)
    rate_reference = np.where(d_hat != 0, rate_expected, np.where(d != 0, rate_actual, expected_total))
    exact = (n - expected_total * d) / total_d - (n_hat - expected_total * d_hat) / total_d_hat
    rate = (n - d * rate_reference) / total_d
    mix = exact - rate
    contributions = [
        MixRateContribution(
            value={
                arrays.dimensions[j]: arrays.value_of(j, int(code))
                for j, code in zip(dims, combo, strict=True)
            },
            weight_actual=float(d[g] / total_d),
            weight_expected=float(d_hat[g] / total_d_hat),
            rate_actual=float(rate_actual[g]),
            rate_expected=float(rate_expected[g]),
            mix=float(mix[g]),
            rate=float(rate[g]),
        )
        for g, combo in enumerate(groups)
    ]
    contributions.sort(key=lambda c: abs(c.mix + c.rate), reverse=True)
    return MixRateSplit(
        dimensions=[arrays.dimensions[j] for j in dims],
        total_change=float(n.sum() / total_d - expected_total),
        mix=float(mix.sum()),
        rate=float(rate.sum()),
        interaction=0.0,
        contributions=contributions,
    )
