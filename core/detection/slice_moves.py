"""A root-cause slice's own move on the alert day, and whether the move is the slice's at all.

:class:`SliceMoves` works on the localiser's input frame (the alert scope's leaves with actual and expected
measures) and the leaves' baseline days (``LeafBaselines.history``):

* :meth:`SliceMoves.assessed` – the metric inside the slice, its change against its share of the scope's
  forecast and its own z (``core.detection.slice_noise``). For a ratio, a slice whose own ratio held can
  still move the scope's ratio by its weight (a mix effect: the high-边现 slice lost half its users); then
  its numerator's own z decides.
* :meth:`SliceMoves.uniform` – the rest of the scope moved the same way, by a comparable share and
  significantly: the move belongs to the whole scope, not to the slice the localiser happened to pick
  first (usually the largest value of some dimension, which carries most of any uniform move). The alert
  then names no slice inside its scope. ``UNIFORM_Z`` and ``UNIFORM_RATIO`` were chosen on the tuning half
  of ``bench/detection_family.py`` (odd seeds 1–39; root-cause F1 without the check 0.83, with it for
  ``UNIFORM_Z`` 3.0 / 2.0 / 1.5: 0.96 / 0.98 / 0.99; ``UNIFORM_RATIO`` 0.7 instead of 0.5: 0.96 at 3.0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cube import METRICS, metric_values
from core.detection.models import Alert, RootCause
from core.detection.series import metric_grid
from core.detection.slice_noise import COUNT_MEASURES, is_significant, poisson_noise, relative_noise, slice_z

UNIFORM_Z = 2.0  # the rest of the scope moved beyond its own noise (one test of one complement)
UNIFORM_RATIO = 0.5  # ... by at least half the slice's relative move


@dataclass(frozen=True)
class OwnMove:
    actual: float
    expected: float
    change: float
    z: float | None
    significant: bool | None


class SliceMoves:
    """Own moves of sets of leaves of one alert's scope (``frame``: the localiser's input)."""

    def __init__(
        self,
        alert: Alert,
        frame: pd.DataFrame,
        scope_mask: np.ndarray,
        history: Callable[[np.ndarray], dict[str, np.ndarray]],
    ) -> None:
        self.alert = alert
        self.definition = METRICS[alert.metric]
        self.frame = frame
        self.scope_mask = scope_mask  # over all leaves; its True rows are the frame's rows, in order
        self._history = history

    def assessed(self, cause: RootCause) -> RootCause:
        """``cause`` with the metric inside it, its change and its own z."""
        move = self._own_move(self._rows(cause.slice))
        if move is None:
            return cause
        return cause.model_copy(
            update={
                "actual": move.actual,
                "expected": move.expected,
                "change": move.change,
                "z": None if move.z is None else round(move.z, 2),
                "significant": move.significant,
            }
        )

    def uniform(self, cause: RootCause) -> bool:
        """The rest of the scope moved with ``cause`` – the alert's way, significantly, by at least
        ``UNIFORM_RATIO`` of the slice's own change (a mix effect, the slice's ratio held, is not)."""
        up = self.alert.direction == "up"
        if cause.change is None or cause.change == 0 or (cause.change > 0) != up:
            return False
        rest = ~self._rows(cause.slice)
        if not rest.any():
            return False
        move = self._own_move(rest, numerator_too=False)
        if move is None or move.z is None or (move.change > 0) != up:
            return False
        return abs(move.z) >= UNIFORM_Z and abs(move.change) >= UNIFORM_RATIO * abs(cause.change)

    # -- the arithmetic ------------------------------------------------------------------------------

    def _rows(self, where: dict[str, str]) -> np.ndarray:
        rows = np.ones(len(self.frame), dtype=bool)
        for dimension, value in where.items():
            rows &= (self.frame[dimension].astype(str) == value).to_numpy()
        return rows

    def _own_move(self, rows: np.ndarray, numerator_too: bool = True) -> OwnMove | None:
        definition = self.definition
        measures = tuple(definition.numerator) + tuple(definition.denominator)
        sums = {m: float(self.frame.loc[rows, m].sum()) for m in measures}
        expected_sums = {m: float(self.frame.loc[rows, f"{m}_expected"].sum()) for m in measures}
        metric = self.alert.metric
        actual, expected = float(metric_values(sums, metric)), float(metric_values(expected_sums, metric))
        if not (math.isfinite(actual) and math.isfinite(expected)) or expected <= 0:
            return None
        change = actual / expected - 1
        leaves = self.scope_mask.copy()
        leaves[self.scope_mask] = rows
        history = self._history(leaves)
        counting = _counting_noise(definition.numerator, sums, expected_sums)
        z = slice_z(change, relative_noise(metric_grid(history, metric)), counting)
        significant = is_significant(z, change, self.alert.direction)
        if definition.is_ratio and numerator_too and significant is not True:
            top = sum(sums[m] for m in definition.numerator)
            top_expected = sum(expected_sums[m] for m in definition.numerator)
            top_change = top / top_expected - 1 if top_expected > 0 else math.nan
            top_history = np.asarray(sum(history[m] for m in definition.numerator), dtype=float)
            top_z = slice_z(top_change, relative_noise(top_history), counting)
            if is_significant(top_z, top_change, self.alert.direction):
                z, significant = top_z, True
        return OwnMove(actual, expected, change, z, significant)


def _counting_noise(numerator: tuple[str, ...], sums: dict[str, float], expected: dict[str, float]) -> float:
    if not set(numerator) <= COUNT_MEASURES:
        return 0.0
    return poisson_noise(sum(sums[m] for m in numerator), sum(expected[m] for m in numerator))
