"""Where a retro looks: its periods, the dimension that holds a name, and the rows in scope.

Dimension names are data, so the dimension of a campaign's target segment (or of its content types,
positions, discount) is found by value: the dimension whose values contain most of the given names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, dimension_columns

BEFORE, DURING = "before", "during"
MIN_PRE_PERIOD_SHARE = 0.5  # a pre-period with data on fewer of its days than this share is not compared


def pre_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The equally long period ending the day before ``start``."""
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def dimension_values(cube: pd.DataFrame) -> dict[str, set[str]]:
    """The distinct values of every dimension (computed once per retro: it is the costly part)."""
    return {dimension: set(cube[dimension].unique().tolist()) for dimension in dimension_columns(cube)}


def dimension_holding(values: dict[str, set[str]], names: Iterable[str]) -> str | None:
    """The dimension whose values contain the most of ``names`` (None when none contains any)."""
    wanted = {str(n) for n in names if n}
    best, best_hits = None, 0
    for dimension, present in values.items():
        hits = len(wanted & present)
        if hits > best_hits:
            best, best_hits = dimension, hits
    return best


def phased_rows(cube: pd.DataFrame, scope: dict[str, str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rows of the scope from the pre-period through ``end`` with a ``phase`` column (before / during)."""
    before_start, _ = pre_period(start, end)
    dates = cube[DATE]
    mask = (dates >= pd.Timestamp(before_start)) & (dates <= pd.Timestamp(end))
    for dimension, value in scope.items():
        mask &= cube[dimension] == value
    rows = cube.loc[mask]
    phase = np.where(rows[DATE] >= pd.Timestamp(start), DURING, BEFORE)
    return rows.assign(phase=phase)


def phase_days(window: pd.DataFrame, start: dt.date) -> tuple[int, int]:
    """The days with data in the pre-period and in the period (``window``: the cube from the pre-period's
    first day through the period's last)."""
    days = pd.Series(window[DATE].unique())
    during = int((days >= pd.Timestamp(start)).sum())
    return len(days) - during, during


def per_day_rows(rows: pd.DataFrame, before_days: int, during_days: int) -> pd.DataFrame:
    """``rows`` with the pre-period's measures scaled to the period's number of days with data, so that
    comparing period totals compares daily averages when either period misses days (the cube began inside
    the pre-period, a day failed to load). Ratio metrics do not change."""
    if before_days == during_days or before_days == 0:
        return rows
    scaled = rows.copy()
    before = (scaled["phase"] == BEFORE).to_numpy()
    measures = [m for m in MEASURES if m in scaled.columns]
    scaled.loc[before, measures] = scaled.loc[before, measures].astype(float) * (during_days / before_days)
    return scaled
