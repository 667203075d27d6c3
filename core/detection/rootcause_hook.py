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
from core.detection.slice_moves import SliceMoves

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

    def mask(self, where: dict[str, str]) -> np.ndarray:
        """The leaves inside ``where`` (the rows of :meth:`frame_for` for that scope, in order)."""
        mask = np.ones(len(self.leaves), dtype=bool)
        for dimension, value in where.items():
            if dimension in self.leaves:
                mask &= (self.leaves[dimension].astype(str) == value).to_numpy()
        return mask

    def history(self, column: int, mask: np.ndarray, measures: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Per measure, the calendar-adjusted sums over the ``mask`` leaves on the baseline days of
        ``column`` (put on the alert day's calendar, so the days compare)."""
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
        mask = self.mask(scope)
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
    moves = SliceMoves(alert, frame, leaves.mask(alert.scope), lambda m: leaves.history(column, m, measures))
    alert.root_causes = [
        moves.assessed(
            RootCause(slice={str(k): str(v) for k, v in dict(s.slice).items()}, share=float(s.share))
        )
        for s in slices
    ]
    if alert.root_causes and moves.uniform(alert.root_causes[0]):
        alert.root_causes = []
        alert.root_cause_note = "uniform over the scope: the rest of it moved with the first slice"
    mix_rate = getattr(result, "mix_rate", None)
    if mix_rate is not None:
        alert.mix_rate = mix_rate.model_dump() if hasattr(mix_rate, "model_dump") else dict(mix_rate)


def _leaf_codes(frame: pd.DataFrame, dimensions: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not dimensions:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
    grouped = frame.groupby(dimensions, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    leaves = grouped.size().reset_index()[dimensions]
    return codes, leaves
