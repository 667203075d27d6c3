"""Which values of each dimension carried the scope's revenue change.

For a dimension with values v, ``change_v = revenue_during(v) - revenue_before(v)`` and
``share_v = change_v / Σ change``. Revenue is additive, so the changes add up to the scope's change and the
shares of every dimension sum to exactly 1; a value that went against the total has a negative share (and
others then exceed 1 together). With no total change the shares are undefined (None).
"""

from __future__ import annotations

import pandas as pd

from core.retro.models import DriverShare
from core.retro.scope import BEFORE, DURING


def revenue_drivers(rows: pd.DataFrame, dimensions: list[str]) -> dict[str, list[DriverShare]]:
    """Per dimension, its values by share, largest first (by change when the total did not move)."""
    return {dimension: _drivers_of(rows, dimension) for dimension in dimensions}


def _drivers_of(rows: pd.DataFrame, dimension: str) -> list[DriverShare]:
    revenue = rows.groupby([dimension, "phase"], observed=True)["revenue"].sum().unstack("phase")
    revenue = revenue.reindex(columns=[BEFORE, DURING]).fillna(0.0)
    change = revenue[DURING] - revenue[BEFORE]
    total = float(change.sum())
    direction = -1.0 if total < 0 else 1.0
    order = (change * direction).sort_values(ascending=False, kind="stable").index
    return [
        DriverShare(
            dimension=dimension,
            value=str(value),
            revenue_before=float(revenue.at[value, BEFORE]),
            revenue_during=float(revenue.at[value, DURING]),
            change=float(change[value]),
            share=float(change[value] / total) if total else None,
        )
        for value in order
    ]
