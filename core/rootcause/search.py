"""Greedy scan of the slice lattice for the smallest set of slices that explains the deviation.

Score. Model each leaf's contribution ``c_i`` as noise with variance proportional to its volume ``v_i``
(Poisson-like), plus, inside a root-cause slice S, a shift proportional to volume (the *generalised ripple
effect* of Squeeze: every leaf under a cause moves by the same relative amount). The likelihood-ratio
(scan) statistic of "S is anomalous" is then ``C_S² / V_S`` with ``C_S = Σ_S c_i`` and ``V_S = Σ_S v_i``.
Normalised by the totals it reads ``share² / variance share`` — recall × lift, in words an operator
understands: "holds 8% of the users, explains 90% of the drop". It punishes both errors of hierarchy:

* a parent of the true cause adds normal leaves: same share, larger support → lower score;
* a child of the true cause has the same lift but a smaller share → lower score.

Selection. Take the best slice, remove its leaves, rescan the rest (so several simultaneous causes are found
one after another, and never counted twice), until the returned set explains ``target_explained`` of the
deviation, or no slice explains ``min_share`` of it, or the next slice is not ``min_z`` noise standard
deviations away from zero (noise scale estimated robustly from all leaves via the median absolute
standardised contribution). Succinctness: a slice with fewer dimensions is preferred to the best one when its
score is within ``succinctness`` of it, so ops staff get "position 1" rather than three sub-slices of it.

Ancestor promotion. Real causes are rarely homogeneous: when a whole bitrate fails but one device inside it
fails much harder, the scan statistic prefers the device × bitrate child, and the rest of the bitrate then
comes back as a second slice. So after each pick we check its ancestors: if the part of an ancestor outside
the pick would by itself qualify as a root cause (``min_share`` and ``min_z``), the ancestor is reported
instead (``promote_ancestors``; on the RS benchmark this lifts F1 from 0.64 to 0.69).

Uniform moves. When the whole scope moved alike (every leaf lost the same share), the largest slice still
"explains" most of the move. So the first pick is refused when its share of the move per share of the
baseline (the expected numerator) equals the rest's within ``uniform_tolerance`` and the rest would be a
cause by itself: the scope is the cause, and no slice inside it is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.rootcause.lattice import Lattice
from core.rootcause.models import LocaliserConfig

_MAD_TO_SIGMA = 1.0 / 0.6744897501960817


@dataclass(frozen=True)
class Pick:
    """One selected candidate and the leaves it claimed."""

    candidate: int
    members: np.ndarray  # boolean mask over leaves
    score: float


def noise_scale(contribution: np.ndarray, variance: np.ndarray) -> float:
    """Robust standard deviation of the volume-standardised leaf contributions (0 if there is no noise)."""
    usable = variance > 0
    if not usable.any():
        return 0.0
    standardised = contribution[usable] / np.sqrt(variance[usable])
    return float(np.median(np.abs(standardised)) * _MAD_TO_SIGMA)


def greedy_scan(
    lattice: Lattice,
    contribution: np.ndarray,
    volume: np.ndarray,
    total_change: float,
    config: LocaliserConfig,
    baseline: np.ndarray | None = None,
) -> list[Pick]:
    """Pick root-cause candidates one by one as described in the module docstring.

    ``baseline``: each leaf's share of a move that hit the whole scope alike (the expected numerator: a
    uniform relative drop of a sum or of a ratio gives every leaf a contribution in proportion to it); the
    first pick is refused when its lift over that baseline equals the rest's (``uniform_tolerance``)."""
    baseline_share = (
        lattice.sums(baseline) / float(baseline.sum())
        if baseline is not None and config.uniform_tolerance is not None and float(baseline.sum()) > 0
        else None
    )
    prior = config.volume_prior * float(np.median(volume[volume > 0])) if (volume > 0).any() else 0.0
    variance = volume + prior
    sigma = noise_scale(contribution, variance)
    total_variance = float(variance.sum())
    total_volume = float(volume.sum())
    order = lattice.order()
    remaining = np.ones(len(contribution), dtype=bool)
    picks: list[Pick] = []
    explained = 0.0
    while len(picks) < config.max_slices and explained < config.target_explained:
        share = lattice.sums(np.where(remaining, contribution, 0.0)) / total_change
        slice_variance = lattice.sums(np.where(remaining, variance, 0.0))
        support = lattice.sums(np.where(remaining, volume, 0.0)) / total_volume if total_volume else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(slice_variance > 0, share**2 * total_variance / slice_variance, 0.0)
            noise = sigma * np.sqrt(slice_variance) / abs(total_change)
            z = np.where(noise > 0, share / noise, np.inf)
        eligible = (share >= config.min_share) & (z >= config.min_z) & (support >= config.min_support)
        eligible &= slice_variance > 0
        if not eligible.any():
            break
        best = succinct_best(np.where(eligible, score, -np.inf), order, config.succinctness)
        if config.promote_ancestors:
            best = promote_to_ancestor(lattice, best, share, slice_variance, sigma, total_change, config)
        if not picks and baseline_share is not None:
            base = float(baseline_share[best])
            if _uniform(share[best], base, slice_variance[best], total_variance, sigma, total_change, config):
                break  # the scope itself moved: no slice inside it is the cause
        members = lattice.members(best) & remaining
        picks.append(Pick(candidate=best, members=members, score=float(score[best])))
        explained += float(share[best])
        remaining &= ~members
    return picks


def succinct_best(score: np.ndarray, order: np.ndarray, tolerance: float) -> int:
    """The best-scoring candidate among those of the lowest order that come within ``tolerance`` of the top."""
    top = float(score.max())
    close = score >= top * (1 - tolerance) if top > 0 else score >= top
    lowest = int(order[close].min())
    return int(np.argmax(np.where(close & (order == lowest), score, -np.inf)))


def promote_to_ancestor(
    lattice: Lattice,
    best: int,
    share: np.ndarray,
    slice_variance: np.ndarray,
    sigma: float,
    total_change: float,
    config: LocaliserConfig,
) -> int:
    """Climb from ``best`` to a coarser slice while the deviation is not confined to ``best``.

    If an ancestor A ⊃ best carries, *outside* best, a deviation that would qualify as a root cause by
    itself (share ≥ ``min_share``, z ≥ ``min_z``), then best is only the most strongly hit part of a cause
    spanning A (a heterogeneous ripple), and A is the better single explanation; otherwise best stays.
    Among qualifying ancestors the one whose remainder carries the largest share wins.
    """
    order = lattice.order()
    codes = lattice.candidate_codes
    while True:
        ancestors = ((codes < 0) | (codes == codes[best])).all(axis=1) & (order < order[best])
        rest_share = share - share[best]
        rest_variance = np.maximum(slice_variance - slice_variance[best], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            noise = sigma * np.sqrt(rest_variance) / abs(total_change)
            rest_z = np.where(noise > 0, rest_share / noise, np.inf)
        qualifies = ancestors & (rest_share >= config.min_share) & (rest_z >= config.min_z)
        if not qualifies.any():
            return best
        best = int(np.argmax(np.where(qualifies, rest_share, -np.inf)))


def _uniform(
    share: float,
    support: float,
    variance: float,
    total_variance: float,
    sigma: float,
    total_change: float,
    config: LocaliserConfig,
) -> bool:
    """Did the rest of the scope move like the pick (the same share of the move per share of the baseline,
    and enough to be a cause by itself)? Then the whole scope moved alike and no slice inside it is the
    cause."""
    rest_share, rest_support = 1.0 - share, 1.0 - support
    if rest_support <= 0 or support <= 0 or rest_share < config.min_share:
        return False
    noise = sigma * np.sqrt(max(total_variance - variance, 0.0)) / abs(total_change)
    if noise > 0 and rest_share / noise < config.min_z:
        return False
    lift, rest_lift = share / support, rest_share / rest_support
    return abs(lift - rest_lift) <= (config.uniform_tolerance or 0.0) * max(lift, rest_lift)
