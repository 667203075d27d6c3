"""Turn a leaf frame into integer-coded dimensions and per-leaf measure arrays, plus the exact contributions.

Every later step works on these numpy arrays only (no Python loop over leaves).

The contribution of a leaf to the change of the total metric is exact and additive:

* additive metric (no denominator): ``c_i = n_i - n̂_i``;
* ratio metric ``R = N / D`` with expected ``R̂ = N̂ / D̂``:
  ``c_i = (n_i - R̂ d_i) / D - (n̂_i - R̂ d̂_i) / D̂``.

Summed over all leaves the ``c_i`` give ``actual - expected`` exactly, so the sum over any set of leaves is
that set's share of the deviation, and shares of disjoint slices add up. For a ratio, ``c_i`` holds both
the rate effect (the ratio inside the leaf moved) and the mix effect (the leaf's share of the denominator
moved while its ratio differs from the total's), so a slice whose DAU surged is found as well as a slice
whose ARPU dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

EXPECTED_SUFFIX = "_expected"


@dataclass(frozen=True)
class LeafArrays:
    """The cube at the anomalous time, as arrays aligned on leaves."""

    dimensions: tuple[str, ...]
    codes: np.ndarray  # (leaves, dimensions) int64 codes into ``levels``
    levels: tuple[np.ndarray, ...]  # per dimension: the string value of each code
    numerator: np.ndarray
    numerator_expected: np.ndarray
    denominator: np.ndarray | None  # None for an additive metric
    denominator_expected: np.ndarray | None

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    def value_of(self, dimension_index: int, code: int) -> str:
        return str(self.levels[dimension_index][code])


def _summed(leaves: pd.DataFrame, columns: Sequence[str], suffix: str = "") -> np.ndarray:
    missing = [c + suffix for c in columns if c + suffix not in leaves.columns]
    if missing:
        raise ValueError(f"leaf frame lacks measure columns {missing}")
    values = [pd.to_numeric(leaves[c + suffix], errors="coerce").to_numpy(dtype=float) for c in columns]
    return np.nan_to_num(np.sum(values, axis=0), nan=0.0, posinf=0.0, neginf=0.0)


def leaf_arrays(
    leaves: pd.DataFrame, dimensions: Sequence[str], numerator: Sequence[str], denominator: Sequence[str] = ()
) -> LeafArrays:
    """Encode the dimensions as integers and sum the numerator / denominator measures per leaf."""
    if not numerator:
        raise ValueError("numerator must name at least one measure column")
    missing = [d for d in dimensions if d not in leaves.columns]
    if missing:
        raise ValueError(f"leaf frame lacks dimension columns {missing}")
    codes = np.zeros((len(leaves), len(dimensions)), dtype=np.int64)
    levels: list[np.ndarray] = []
    for j, dimension in enumerate(dimensions):
        column_codes, uniques = pd.factorize(leaves[dimension].astype(str), sort=True)
        codes[:, j] = column_codes
        levels.append(np.asarray(uniques, dtype=object))
    has_denominator = bool(denominator)
    return LeafArrays(
        dimensions=tuple(dimensions),
        codes=codes,
        levels=tuple(levels),
        numerator=_summed(leaves, numerator),
        numerator_expected=_summed(leaves, numerator, EXPECTED_SUFFIX),
        denominator=_summed(leaves, denominator) if has_denominator else None,
        denominator_expected=_summed(leaves, denominator, EXPECTED_SUFFIX) if has_denominator else None,
    )


def ratio(numerator: float, denominator: float) -> float:
    """Ratio of sums; NaN (never an exception) on a zero denominator."""
    return numerator / denominator if denominator != 0 else float("nan")


def metric_totals(arrays: LeafArrays) -> tuple[float, float]:
    """The total metric, actual and expected (NaN for a ratio whose total denominator is 0)."""
    n, n_hat = float(arrays.numerator.sum()), float(arrays.numerator_expected.sum())
    if not arrays.is_ratio:
        return n, n_hat
    assert arrays.denominator is not None and arrays.denominator_expected is not None
    return ratio(n, float(arrays.denominator.sum())), ratio(n_hat, float(arrays.denominator_expected.sum()))


def contributions(arrays: LeafArrays) -> np.ndarray:
    """Each leaf's exact additive contribution to ``actual - expected`` of the total metric."""
    if not arrays.is_ratio:
        return arrays.numerator - arrays.numerator_expected
    assert arrays.denominator is not None and arrays.denominator_expected is not None
    total_d, total_d_hat = arrays.denominator.sum(), arrays.denominator_expected.sum()
    expected_ratio = arrays.numerator_expected.sum() / total_d_hat
    return (arrays.numerator - expected_ratio * arrays.denominator) / total_d - (
        arrays.numerator_expected - expected_ratio * arrays.denominator_expected
    ) / total_d_hat


def volumes(arrays: LeafArrays) -> np.ndarray:
    """Each leaf's size (mean of actual and expected denominator, or of the measure's magnitude).

    It measures support and, Poisson-like, the noise variance of the leaf's contribution; using the mean of
    actual and expected keeps leaves that appear or vanish at the anomalous time from getting zero size.
    """
    if arrays.is_ratio:
        assert arrays.denominator is not None and arrays.denominator_expected is not None
        return (np.abs(arrays.denominator) + np.abs(arrays.denominator_expected)) / 2
    return (np.abs(arrays.numerator) + np.abs(arrays.numerator_expected)) / 2
