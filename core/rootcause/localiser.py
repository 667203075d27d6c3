"""``localise``: which slices of the cube explain the deviation of a metric at one anomalous time.

Algorithm choice. Adtributor (Bhagwan et al., NSDI'14) ranks values per dimension by explanatory power and
surprise, but assumes the cause lies in one dimension, so 2- and 3-dimension causes (segment × position)
are missed. HotSpot (Sun et al., 2018) searches the lattice with MCTS and a potential score built on the
ripple effect, which only holds for additive measures and is slow. Squeeze (Li et al., ISSRE'19) clusters
leaves by a deviation score, then searches each cluster; its clustering is fragile on noisy small leaves.
RiskLoc (Kalander, 2022) splits leaves into normal / abnormal by deviation and weights a risk score; the
hard split is sensitive to its threshold. All of them need a leaf-level "is it abnormal" decision somewhere.

We use a principled hybrid: the lattice search of HotSpot / Squeeze bounded to order ≤ ``max_order``, scored
by the likelihood-ratio scan statistic of "this slice moved" under Poisson-like noise (Squeeze's generalised
ripple effect as the alternative hypothesis), which needs no abnormal / normal threshold and handles noise
in small leaves by weighting evidence by volume, then promotes a pick to its ancestor when the deviation
spills over the rest of that ancestor (see ``search``). Deviations are measured as the exact
additive contributions of leaves to the change of the total metric (``leaves``), which covers both additive
measures and ratio metrics whose denominator moved (mix as well as rate). Everything is vectorised: one
``np.bincount`` over integer-coded cuboids sums all candidates at once.

Shares. ``share`` is the slice's additive contribution to ``actual - expected`` of the total (for leaves not
already claimed by a more important slice), so the shares of the returned slices add up to
``explained_total`` exactly; for a ratio metric counterfactual shares ("only this slice restored") do not
add up, so they are reported beside it as ``counterfactual_share`` together with ``metric_if_restored``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.rootcause.lattice import Lattice, build_lattice
from core.rootcause.leaves import LeafArrays, contributions, leaf_arrays, metric_totals, ratio, volumes
from core.rootcause.mixrate import mix_rate_split
from core.rootcause.models import Localisation, LocaliserConfig, RootCauseSlice
from core.rootcause.search import Pick, greedy_scan

ALGORITHM = "lattice-scan"
_RELATIVE_NO_CHANGE = 1e-9


def localise(
    leaves: pd.DataFrame,
    dimensions: Sequence[str],
    numerator: Sequence[str],
    denominator: Sequence[str] = (),
    *,
    config: LocaliserConfig | None = None,
) -> Localisation:
    """Find the slices (combinations of up to ``max_order`` dimension values) behind a metric's deviation.

    ``leaves`` has one row per leaf: the ``dimensions`` columns, and for each measure ``c`` of
    ``numerator`` + ``denominator`` the actual ``c`` and the forecast ``c_expected``. The metric is
    sum(numerator) / sum(denominator) over any slice, or sum(numerator) without a denominator.
    """
    config = config or LocaliserConfig()
    algorithm = f"{ALGORITHM}(order<={config.max_order})"
    arrays = leaf_arrays(leaves, dimensions, numerator, denominator)
    actual, expected = metric_totals(arrays)
    total_change = actual - expected
    empty = Localisation(
        slices=[], explained_total=0.0, metric_actual=actual, metric_expected=expected, algorithm=algorithm
    )
    if len(leaves) == 0 or not dimensions:
        return empty.model_copy(update={"note": "no leaves or no dimensions"})
    if not np.isfinite(total_change):
        return empty.model_copy(update={"note": "zero total denominator: the metric is undefined"})
    if abs(total_change) <= _RELATIVE_NO_CHANGE * max(abs(expected), abs(actual), 1e-300):
        return empty.model_copy(update={"note": "no deviation"})

    contribution = contributions(arrays)
    lattice = build_lattice(arrays, config.max_order)
    baseline = np.abs(arrays.numerator_expected)
    picks = greedy_scan(lattice, contribution, volumes(arrays), total_change, config, baseline=baseline)
    slices = [_describe(arrays, lattice, pick, contribution, total_change) for pick in picks]
    slices.sort(key=lambda s: s.share, reverse=True)
    top_dimensions = _top_dimensions(lattice, picks)
    return Localisation(
        slices=slices,
        explained_total=float(sum(s.share for s in slices)),
        metric_actual=actual,
        metric_expected=expected,
        algorithm=algorithm,
        mix_rate=mix_rate_split(arrays, top_dimensions) if top_dimensions else None,
    )


def _top_dimensions(lattice: Lattice, picks: list[Pick]) -> list[int]:
    if not picks:
        return []
    best = max(picks, key=lambda p: p.score)
    return [int(j) for j in np.flatnonzero(lattice.candidate_codes[best.candidate] >= 0)]


def _describe(
    arrays: LeafArrays, lattice: Lattice, pick: Pick, contribution: np.ndarray, total_change: float
) -> RootCauseSlice:
    """Metric values, support and shares of one picked slice."""
    codes = lattice.candidate_codes[pick.candidate]
    inside = lattice.members(pick.candidate)
    n, n_hat = arrays.numerator, arrays.numerator_expected
    n_s, n_hat_s = float(n[inside].sum()), float(n_hat[inside].sum())
    if arrays.is_ratio:
        assert arrays.denominator is not None and arrays.denominator_expected is not None
        d, d_hat = arrays.denominator, arrays.denominator_expected
        d_s, d_hat_s = float(d[inside].sum()), float(d_hat[inside].sum())
        actual_s, expected_s = ratio(n_s, d_s), ratio(n_hat_s, d_hat_s)
        support, support_expected = ratio(d_s, float(d.sum())), ratio(d_hat_s, float(d_hat.sum()))
        restored = ratio(float(n.sum()) - n_s + n_hat_s, float(d.sum()) - d_s + d_hat_s)
        actual_total = ratio(float(n.sum()), float(d.sum()))
    else:
        actual_s, expected_s = n_s, n_hat_s
        support = ratio(float(np.abs(n[inside]).sum()), float(np.abs(n).sum()))
        support_expected = ratio(float(np.abs(n_hat[inside]).sum()), float(np.abs(n_hat).sum()))
        restored = float(n.sum()) - n_s + n_hat_s
        actual_total = float(n.sum())
    return RootCauseSlice(
        slice={arrays.dimensions[j]: arrays.value_of(j, int(codes[j])) for j in np.flatnonzero(codes >= 0)},
        share=float(contribution[pick.members].sum() / total_change),
        counterfactual_share=float((actual_total - restored) / total_change),
        actual=actual_s,
        expected=expected_s,
        deviation=actual_s - expected_s,
        support=support,
        support_expected=support_expected,
        metric_if_restored=restored,
        score=pick.score,
    )
