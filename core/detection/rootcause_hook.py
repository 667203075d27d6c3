"""Root-cause hook: per-leaf baselines and the call to the localiser (``core.rootcause``).

The localiser needs, for the alert's date and scope, one row per leaf of the cube with the actual measures
and ``{measure}_expected``. Only the leaf rows of the alert days and of their baseline days are read (a
warehouse returns those few days, never the whole cube): the baseline days are the ones the series
baseline uses — the ``baseline_window`` latest days with data before the alert day, public holidays
skipped. A leaf's expected value is the median of its calendar-adjusted baseline values, put back on the
alert day's calendar. The leaf's calendar effect (log) is the total's plus, for each dimension, how much
the slice holding the leaf differs from the total (the scan has estimated every large slice's effect; a
slice too small to be scored adds nothing). The leaves are then rescaled so that the leaves of the scope add
up to the scope's own forecast – the localiser splits exactly the deviation the alert reports.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, METRICS
from core.cube_reader import CubeReader
from core.detection.calendar_effects import HOLIDAY, CalendarDays
from core.detection.config import DetectionConfig
from core.detection.engine import GridScores
from core.detection.models import Alert, RootCause
from core.detection.series import SeriesGrid
from core.detection.slice_noise import (
    COUNT_MEASURES,
    is_significant,
    poisson_noise,
    relative_noise,
    slice_z,
)

Localiser = Callable[..., Any]


def default_localiser() -> Localiser | None:
    """``core.rootcause.localise`` when that package is present, else None (no root causes)."""
    try:
        from core.rootcause import localise
    except ImportError:
        return None
    return localise


def baseline_columns(grid: SeriesGrid, days: CalendarDays, column: int, window: int) -> list[int]:
    """The ``window`` latest grid columns before ``column`` with data that are not public holidays."""
    usable = grid.present[:column] & (days.category[:column] != HOLIDAY)
    return [int(c) for c in np.flatnonzero(usable)[-window:]]


class LeafBaselines:
    """Per-leaf actual and expected measures on the alert days, from the leaf rows of those days and of
    their baseline days only (read once per scan)."""

    def __init__(
        self,
        reader: CubeReader,
        grid: SeriesGrid,
        days: CalendarDays,
        scores: GridScores,
        alert_columns: Iterable[int],
        config: DetectionConfig,
    ) -> None:
        self.dimensions = grid.dimensions
        self.baselines = {
            c: baseline_columns(grid, days, c, config.baseline_window) for c in set(alert_columns)
        }
        needed = sorted(set(self.baselines) | {b for base in self.baselines.values() for b in base})
        self.local = {column: i for i, column in enumerate(needed)}
        frame = reader.leaves([grid.dates[c].date() for c in needed])
        frame = frame.groupby([DATE, *self.dimensions], observed=True)[list(MEASURES)].sum(min_count=1)
        frame = frame.reset_index()
        codes, self.leaves = _leaf_codes(frame, self.dimensions)
        self._codes = {d: pd.factorize(self.leaves[d].to_numpy())[:2] for d in self.dimensions}
        positions = np.array([self.local[c] for c in grid.dates.get_indexer(frame[DATE])], dtype=np.int64)
        self.values: dict[str, np.ndarray] = {}
        self.effects: dict[str, np.ndarray] = {}
        for measure in MEASURES:
            values = np.full((len(self.leaves), len(needed)), np.nan)
            values[codes, positions] = frame[measure].to_numpy(dtype=float)
            self.values[measure] = values
            self.effects[measure] = self._leaf_effects(measure, grid, scores, needed)

    def _leaf_effects(
        self, measure: str, grid: SeriesGrid, scores: GridScores, columns: list[int]
    ) -> np.ndarray:
        """(leaves, columns) log calendar effects: the total's plus each slice's difference from it."""
        if measure not in grid.metrics:
            return np.zeros((len(self.leaves), len(columns)))
        effect = scores.calendar_effect
        total = np.nan_to_num(effect[grid.row(measure, 0), columns])
        out = np.tile(total, (len(self.leaves), 1))
        slices = {next(iter(scope.items())): i for i, scope in enumerate(grid.scopes) if scope}
        for dimension, (codes, values) in self._codes.items():
            rows = [slices.get((dimension, value)) for value in values]
            differences = np.array(
                [
                    np.nan_to_num(effect[grid.row(measure, row), columns]) - total
                    if row is not None
                    else 0 * total
                    for row in rows
                ]
            )
            out += differences[codes]  # each leaf gets its value's row: one gather, no per-value masks
        return out

    def history(self, column: int, where: dict[str, str], measures: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Per measure, the calendar-adjusted sums over the leaves of ``where`` on the baseline days of
        ``column`` (put on the alert day's calendar of the scope's total, so days compare)."""
        mask = np.ones(len(self.leaves), dtype=bool)
        for dimension, value in where.items():
            if dimension in self.leaves:
                mask &= (self.leaves[dimension].astype(str) == value).to_numpy()
        base = [self.local[b] for b in self.baselines[column]]
        out = {}
        for measure in measures:
            values, effects = self.values[measure][mask][:, base], self.effects[measure][mask][:, base]
            out[measure] = np.nansum(values * np.exp(-effects), axis=0) if mask.any() else np.zeros(len(base))
        return out

    def frame_for(
        self, column: int, scope: dict[str, str], measures: tuple[str, ...], scope_expected: dict[str, float]
    ) -> pd.DataFrame:
        """The localiser's input: leaves of ``scope`` on day ``column`` with actual and expected measures."""
        mask = np.ones(len(self.leaves), dtype=bool)
        for dimension, value in scope.items():
            mask &= (self.leaves[dimension] == value).to_numpy()
        out = self.leaves[mask].reset_index(drop=True)
        day = self.local[column]
        base = [self.local[b] for b in self.baselines[column]]
        for measure in measures:
            values, effects = self.values[measure][mask], self.effects[measure][mask]
            adjusted = values[:, base] * np.exp(-effects[:, base])
            with warnings.catch_warnings():  # a leaf without baseline values: expected 0
                warnings.simplefilter("ignore", RuntimeWarning)
                centre = np.nanmedian(adjusted, axis=1) if base else np.full(len(out), np.nan)
            expected = np.nan_to_num(centre * np.exp(effects[:, day]))
            target = scope_expected.get(measure)
            if target is not None and np.isfinite(target) and expected.sum() > 0:
                expected = expected * (target / expected.sum())
            out[measure] = np.nan_to_num(values[:, day])
            out[f"{measure}_expected"] = expected
        return out


def attach_root_causes(
    alert: Alert,
    column: int,
    scope_index: int,
    leaves: LeafBaselines,
    grid: SeriesGrid,
    scores: GridScores,
    localise: Localiser,
    config: DetectionConfig,
) -> None:
    """Call the localiser for ``alert`` and store its top slices (in place). Never raises."""
    definition = METRICS[alert.metric]
    measures = definition.numerator + definition.denominator
    scope_expected = {
        m: float(scores.expected[grid.row(m, scope_index), column]) for m in measures if m in grid.metrics
    }
    dimensions = [d for d in leaves.dimensions if d not in alert.scope]
    try:
        frame = leaves.frame_for(column, alert.scope, measures, scope_expected)
        result = localise(frame, dimensions, definition.numerator, definition.denominator, config=None)
    except Exception as exc:  # the alert must survive a localiser failure
        alert.root_cause_note = f"root-cause localisation failed: {type(exc).__name__}: {exc}"
        return
    slices = list(getattr(result, "slices", []) or [])[: config.max_root_causes]
    alert.root_causes = [
        _assessed(
            RootCause(slice={str(k): str(v) for k, v in dict(s.slice).items()}, share=float(s.share)),
            alert,
            column,
            frame,
            leaves,
        )
        for s in slices
    ]
    mix_rate = getattr(result, "mix_rate", None)
    if mix_rate is not None:
        alert.mix_rate = mix_rate.model_dump() if hasattr(mix_rate, "model_dump") else dict(mix_rate)


def _assessed(
    cause: RootCause, alert: Alert, column: int, frame: pd.DataFrame, leaves: LeafBaselines
) -> RootCause:
    """``cause`` with the metric inside it, its change and its own z (see ``core.detection.slice_noise``).

    For a ratio, a slice whose own ratio held can still move the scope's ratio by its weight (a mix
    effect: the high-边现 slice lost half its users); then its numerator's own z decides."""
    definition = METRICS[alert.metric]
    mask = np.ones(len(frame), dtype=bool)
    for dimension, value in cause.slice.items():
        mask &= (frame[dimension].astype(str) == value).to_numpy()
    sums = {m: float(frame.loc[mask, m].sum()) for m in _measures(definition)}
    expected_sums = {m: float(frame.loc[mask, f"{m}_expected"].sum()) for m in _measures(definition)}
    actual, expected = _metric(definition, sums), _metric(definition, expected_sums)
    if not (math.isfinite(actual) and math.isfinite(expected)) or expected <= 0:
        return cause
    change = actual / expected - 1
    history = leaves.history(column, {**alert.scope, **cause.slice}, _measures(definition))
    counting = _counting_noise(definition.numerator, sums, expected_sums)
    z = slice_z(change, relative_noise(_metric_array(definition, history)), counting)
    significant = is_significant(z, change, alert.direction)
    if definition.is_ratio and significant is not True:
        top = sum(sums[m] for m in definition.numerator)
        top_expected = sum(expected_sums[m] for m in definition.numerator)
        top_change = top / top_expected - 1 if top_expected > 0 else math.nan
        top_history = np.asarray(sum(history[m] for m in definition.numerator), dtype=float)
        top_z = slice_z(top_change, relative_noise(top_history), counting)
        if is_significant(top_z, top_change, alert.direction):
            z, significant = top_z, True
    return cause.model_copy(
        update={
            "actual": actual,
            "expected": expected,
            "change": change,
            "z": None if z is None else round(z, 2),
            "significant": significant,
        }
    )


def _counting_noise(numerator: tuple[str, ...], sums: dict[str, float], expected: dict[str, float]) -> float:
    if not set(numerator) <= COUNT_MEASURES:
        return 0.0
    return poisson_noise(sum(sums[m] for m in numerator), sum(expected[m] for m in numerator))


def _measures(definition: Any) -> tuple[str, ...]:
    return tuple(definition.numerator) + tuple(definition.denominator)


def _metric(definition: Any, sums: dict[str, float]) -> float:
    top = sum(sums[m] for m in definition.numerator)
    if not definition.is_ratio:
        return top
    bottom = sum(sums[m] for m in definition.denominator)
    return top / bottom if bottom > 0 else math.nan


def _metric_array(definition: Any, sums: dict[str, np.ndarray]) -> np.ndarray:
    top = sum(sums[m] for m in definition.numerator)
    if not definition.is_ratio:
        return np.asarray(top, dtype=float)
    bottom = sum(sums[m] for m in definition.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _leaf_codes(frame: pd.DataFrame, dimensions: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not dimensions:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
    grouped = frame.groupby(dimensions, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    leaves = grouped.size().reset_index()[dimensions]
    return codes, leaves
