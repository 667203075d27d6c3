"""Root-cause hook: per-leaf baseline forecasts and the call to the localiser (``core.rootcause``).

The localiser needs, for the alert's date and scope, one row per leaf of the cube with the actual measures
and ``{measure}_expected``. A leaf's forecast is made exactly like a series forecast (the same engine:
calendar effects, comparable-day median), then rescaled so that the leaves of the scope add up to the
scope's own forecast – the localiser then splits exactly the deviation the alert reports. A leaf without
usable history (zeros, new leaf) falls back to the median of its raw values over the baseline window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, METRICS
from core.detection.calendar_effects import CalendarDays
from core.detection.config import DetectionConfig
from core.detection.engine import GridScores, score_grid
from core.detection.models import Alert, RootCause
from core.detection.series import SeriesGrid
from core.detection.windows import trailing_centre_spread

Localiser = Callable[..., Any]


def default_localiser() -> Localiser | None:
    """``core.rootcause.localise`` when that package is present, else None (no root causes)."""
    try:
        from core.rootcause import localise
    except ImportError:
        return None
    return localise


class LeafForecasts:
    """Per-leaf actual and expected measures on every grid day, computed once per scan."""

    def __init__(self, frame: pd.DataFrame, grid: SeriesGrid, days: CalendarDays, config: DetectionConfig):
        self.dimensions = grid.dimensions
        frame = frame[frame[DATE].isin(grid.dates)]
        frame = frame.groupby([DATE, *self.dimensions], observed=True)[list(MEASURES)].sum(min_count=1)
        frame = frame.reset_index()
        codes, self.leaves = _leaf_codes(frame, self.dimensions)
        columns = grid.dates.get_indexer(frame[DATE])
        self.actual: dict[str, np.ndarray] = {}
        self.expected: dict[str, np.ndarray] = {}
        leaf_config = config.model_copy(update={"family_size": 1})
        for measure in MEASURES:
            values = np.full((len(self.leaves), len(grid.dates)), np.nan)
            values[codes, columns] = frame[measure].to_numpy(dtype=float)
            expected = score_grid(values, days, leaf_config).expected
            self.actual[measure] = values
            self.expected[measure] = np.where(np.isfinite(expected), expected, _raw_median(values, config))

    def frame_for(
        self, column: int, scope: dict[str, str], measures: tuple[str, ...], scope_expected: dict[str, float]
    ) -> pd.DataFrame:
        """The localiser's input: leaves of ``scope`` on day ``column`` with actual and expected measures."""
        mask = np.ones(len(self.leaves), dtype=bool)
        for dimension, value in scope.items():
            mask &= (self.leaves[dimension] == value).to_numpy()
        out = self.leaves[mask].reset_index(drop=True)
        for measure in measures:
            actual = np.nan_to_num(self.actual[measure][mask, column])
            expected = np.nan_to_num(self.expected[measure][mask, column])
            target = scope_expected.get(measure)
            if target is not None and np.isfinite(target) and expected.sum() > 0:
                expected = expected * (target / expected.sum())
            out[measure] = actual
            out[f"{measure}_expected"] = expected
        return out


def attach_root_causes(
    alert: Alert,
    column: int,
    scope_index: int,
    leaves: LeafForecasts,
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
        RootCause(slice={str(k): str(v) for k, v in dict(s.slice).items()}, share=float(s.share))
        for s in slices
    ]
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


def _raw_median(values: np.ndarray, config: DetectionConfig) -> np.ndarray:
    centre, _, _ = trailing_centre_spread(values, config.baseline_window, robust=True)
    return np.nan_to_num(centre)
