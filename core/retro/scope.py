"""Where a retro looks: its periods, the dimension that holds a name, and the rows in scope.

Dimension names are data, so the dimension of a campaign's target segment (or of its content types,
positions, discount) is found by value: the dimension whose values contain most of the given names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.cube import DATE, dimension_columns

BEFORE, DURING = "before", "during"


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
