"""The metric's recent daily series with the detection band, scored exactly like the scan scores it.

A series' expected value depends only on its own history and the calendar, so one row scored by
:func:`core.detection.engine.score_grid` gives the scan's expected value for any scope — also a
multi-dimension scope the scan does not cover. The band (values whose score stays below the minor
threshold) also depends on how many series the scan tests that day (its Bonferroni family): pass the
scan's ``series_scored``, or let :func:`series_count` count them the way the scan does. A day outside the
band is what the scan calls anomalous; those days are highlighted on the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import MEASURES
from core.cube_reader import CubeReader, as_reader
from core.detection.calendar_effects import calendar_days
from core.detection.config import DetectionConfig
from core.detection.engine import score_grid
from core.detection.series import build_grid, metric_grid
from core.why.models import WhyTrend

TREND_DAYS = 28


def metric_trend(
    cube: pd.DataFrame | CubeReader,
    metric: str,
    scope: Mapping[str, str],
    end: dt.date,
    *,
    calendar: ChineseCalendar,
    config: DetectionConfig | None = None,
    family_size: int | None = None,
    days: int = TREND_DAYS,
) -> WhyTrend:
    """The last ``days`` daily values of ``metric`` in ``scope`` up to ``end``, with expected and band."""
    config = config or DetectionConfig()
    sums = as_reader(cube).daily(scope, end)
    values = metric_grid({m: sums[m].to_numpy(dtype=float)[None, :] for m in MEASURES}, metric)
    scoring = config.model_copy(update={"family_size": family_size or config.family_size})
    scores = score_grid(values, calendar_days(sums.index, calendar), scoring)
    shown = slice(max(values.shape[1] - days, 0), values.shape[1])
    value_row, lower, upper = values[0, shown], scores.lower[0, shown], scores.upper[0, shown]
    outside = np.isfinite(value_row) & np.isfinite(lower) & ((value_row < lower) | (value_row > upper))
    return WhyTrend(
        dates=[d.date() for d in sums.index[shown]],
        values=_listed(value_row),
        expected=_listed(scores.expected[0, shown]),
        lower=_listed(lower),
        upper=_listed(upper),
        anomalies=[int(i) for i in np.flatnonzero(outside)],
    )


def series_count(cube: pd.DataFrame | CubeReader, end: dt.date, config: DetectionConfig | None = None) -> int:
    """How many series the scan scores on ``end`` (its multiple-testing family), counted as the scan does.

    Scopes are chosen by their share over the last ``share_window_days``, so the grid of that window alone
    has the same scopes as the scan's full grid, at a fraction of the cost.
    """
    config = config or DetectionConfig()
    since = end - dt.timedelta(days=config.share_window_days - 1)
    reader = as_reader(cube)
    recent = reader.series(since, end)
    if recent.empty:
        return 1
    grid = build_grid(
        recent,
        reader.dimensions(),
        config.metrics,
        pd.Timestamp(end),
        min_share=config.min_slice_share,
        share_window_days=config.share_window_days,
    )
    return len(grid.values)


def _listed(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]
