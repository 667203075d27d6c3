"""From the cube's grouped series to the series x day grid that the engine scores.

The input is what :meth:`core.cube_reader.CubeReader.series` returns — per day, the total and every
one-dimension slice (a warehouse computes it with GROUPING SETS) — so the leaf rows never have to be read.

A *scope* is the total (``{}``) or one single-dimension slice (``{"platform": "ios"}``) large enough to
matter: at least ``min_share`` of DAU or of revenue over the ``share_window_days`` before the last scored
day. Each (metric, scope) is one row of the grid; columns are every calendar day from the first day of
data to the last scored day, so a missing day is a NaN column, never silently skipped. A day where any
row of a scope has a NaN measure gives NaN for that scope's measure (a sum that skips NaN would be wrong).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, METRICS
from core.cube_reader import SET
from core.detection.engine import ScopeOverlap


@dataclass(frozen=True)
class SeriesGrid:
    dates: pd.DatetimeIndex  # consecutive days
    present: np.ndarray  # (days,) bool: the cube has rows for this day
    dimensions: list[str]
    scopes: list[dict[str, str]]  # scope 0 is the total
    measures: dict[str, np.ndarray]  # measure -> (scopes, days) sums
    metrics: tuple[str, ...]
    values: np.ndarray  # (metrics * scopes, days), metric-major

    def row(self, metric: str, scope_index: int) -> int:
        return self.metrics.index(metric) * len(self.scopes) + scope_index

    def key(self, row: int) -> tuple[str, int]:
        """(metric, scope index) of a grid row."""
        return self.metrics[row // len(self.scopes)], row % len(self.scopes)


def build_grid(
    series: pd.DataFrame,
    dimensions: list[str],
    metrics: tuple[str, ...],
    until: pd.Timestamp,
    *,
    min_share: float,
    share_window_days: int,
) -> SeriesGrid:
    """Per-scope daily measure sums and metric values from grouped ``series`` (see ``CubeReader.series``)."""
    series = series[series[DATE] <= until]
    total = series[series[SET] == 0].set_index(DATE)
    dates = pd.date_range(total.index.min() if len(total) else until, until, freq="D")
    present = dates.isin(total.index.unique())
    totals = {m: total[m].reindex(dates).to_numpy(dtype=float) for m in MEASURES}
    scopes: list[dict[str, str]] = [{}]
    blocks = [{m: totals[m][None, :] for m in MEASURES}]
    share_columns = slice(max(len(dates) - share_window_days, 0), len(dates))
    for i, dimension in enumerate(dimensions, start=1):
        sums = _slices(series[series[SET] == i], dates)
        keep = _large_enough(sums, totals, share_columns, min_share)
        scopes += [{dimension: value} for value in sums["labels"][keep]]
        blocks.append({m: sums[m][keep] for m in MEASURES})
    measures = {m: np.concatenate([b[m] for b in blocks]) for m in MEASURES}
    values = np.concatenate([metric_grid(measures, metric) for metric in metrics])
    return SeriesGrid(dates, present, list(dimensions), scopes, measures, metrics, values)


def metric_grid(measures: dict[str, np.ndarray], metric: str) -> np.ndarray:
    """A metric from measure arrays: ratio of sums, NaN where the denominator is zero."""
    definition = METRICS[metric]
    numerator = sum(measures[c] for c in definition.numerator)
    if not definition.is_ratio:
        return np.asarray(numerator, dtype=float)
    denominator = sum(measures[c] for c in definition.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def _slices(rows: pd.DataFrame, dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """One dimension's slices as arrays (values, days), with their labels in sorted order."""
    if not len(rows):
        return {m: np.zeros((0, len(dates))) for m in MEASURES} | {"labels": np.asarray([], dtype=object)}
    indexed = rows.set_index([DATE, "value"])
    out: dict[str, np.ndarray] = {}
    for measure in MEASURES:
        # fill_value only fills (day, value) pairs without rows - zero activity - and keeps flagged NaN
        wide = indexed[measure].unstack("value", fill_value=0.0).reindex(dates)
        out[measure] = wide.to_numpy(dtype=float).T
        out["labels"] = np.asarray(wide.columns.astype(str), dtype=object)
    return out


def _large_enough(
    sums: dict[str, np.ndarray], totals: dict[str, np.ndarray], columns: slice, min_share: float
) -> np.ndarray:
    """Values whose share of DAU or revenue over ``columns`` reaches ``min_share`` (and is not ~all)."""
    shares = []
    for measure in ("dau", "revenue"):
        total = np.nansum(totals[measure][columns])
        part = np.nansum(sums[measure][:, columns], axis=1)
        shares.append(part / total if total > 0 else np.zeros(len(part)))
    share = np.maximum(*shares)
    return (share >= min_share) & (share < 0.999)


def scope_overlap(grid: SeriesGrid) -> ScopeOverlap:
    """Two scopes overlap unless they are different values of the same dimension (the total overlaps all)."""
    dimension = np.array([next(iter(scope), "") for scope in grid.scopes], dtype=object)
    value = np.array([next(iter(scope.values()), "") for scope in grid.scopes], dtype=object)
    same_dimension = dimension[:, None] == dimension[None, :]
    overlap = ~same_dimension | (value[:, None] == value[None, :]) | (dimension == "")[:, None]
    overlap |= (dimension == "")[None, :]
    scope_of = np.tile(np.arange(len(grid.scopes)), len(grid.metrics))
    return ScopeOverlap(scope_of=scope_of, overlap=overlap)
