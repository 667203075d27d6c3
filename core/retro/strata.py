"""The dimension a retro compares its slices within, and the slices' daily sums per value of it.

A shock that hits one value of another dimension — films taken down (content type 电影 −25 % 边现), a
platform's outage — moves every slice by its own exposure to that value. A segment that watches few films is
hit less than its controls, and against their median it shows a "lift" it never had. Compared within each
content type (the treated slice's 电影 days against the controls' 电影 days, and so on, the predictions then
summed), the shock cancels.

Which dimension: the one whose mix differs most between the treated slice and the rest of the cube —
the total-variation distance of their DAU shares over the ``MIX_DAYS`` before the launch (``½ Σ |p − q|``)
— since the bias of a shock on a value is the difference of the two exposures to it. None when no other
dimension's mix differs by at least ``MIN_MIX_DISTANCE`` (then a stratum only adds noise). Both constants
were set before the first run, not swept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from core.cube import MEASURES

Breakdown = Callable[[str, Mapping[str, str], dt.date, dt.date], pd.DataFrame]

MIX_DAYS = 28
MIN_MIX_DISTANCE = 0.10


def stratum_dimension(
    dimension: str, value: str, others: Sequence[str], launch: dt.date, breakdown: Breakdown
) -> str | None:
    """The dimension of ``others`` whose DAU mix differs most between ``dimension = value`` and the rest."""
    first, last = launch - dt.timedelta(days=MIX_DAYS), launch - dt.timedelta(days=1)
    best, best_distance = None, MIN_MIX_DISTANCE
    for other in others:
        if other == dimension:
            continue
        treated = breakdown(other, {dimension: value}, first, last)
        inside, rest = _mix(treated), _mix(breakdown(other, {}, first, last), minus=treated)
        if inside is None or rest is None:
            continue
        distance = 0.5 * float(inside.sub(rest, fill_value=0.0).abs().sum())
        if distance >= best_distance:
            best, best_distance = other, distance
    return best


def _mix(rows: pd.DataFrame, minus: pd.DataFrame | None = None) -> pd.Series | None:
    """DAU shares per value (of ``rows`` less ``minus``), None without DAU."""
    dau = rows.groupby("value")["dau"].sum()
    if minus is not None:
        dau = dau.sub(minus.groupby("value")["dau"].sum(), fill_value=0.0)
    total = float(dau.clip(lower=0.0).sum())
    return dau.clip(lower=0.0) / total if total > 0 else None


def stratum_frames(
    other: str, scope: Mapping[str, str], index: pd.DatetimeIndex, breakdown: Breakdown
) -> dict[str, pd.DataFrame]:
    """Per value of ``other``, the daily measure sums of ``scope`` on ``index`` (0 on a day without rows):
    one query for all values."""
    rows = breakdown(other, scope, index.min().date(), index.max().date())
    out = {}
    for value, part in rows.groupby("value"):
        daily = part.set_index(pd.DatetimeIndex(pd.to_datetime(part["date"])))[list(MEASURES)]
        out[str(value)] = daily.groupby(level=0).sum().reindex(index, fill_value=0.0).astype(float)
    return out
