"""Attributing a campaign's budget to content types and resource positions, and ranking their ROI.

A budget (``budget_used``, else ``budget_planned``) is split

* over **content types** by the campaign's content mix (``家庭剧70%+动漫30%`` → 70 % / 30 %);
* over **resource positions** in proportion to ``cost_per_10k × usage``, where usage is the DAU the
  position carried in the campaign's segment during the campaign (the cube's exposure proxy): a position
  costs more when its rate is higher and when it was used more. A position missing from the resources
  table is priced at the mean rate; without any usage the split follows the rates alone, and without rates
  it is even.

For a date-range retro every overlapping campaign contributes its budget pro rata of the overlapping days.
ROI of a value = its revenue change in the retro's scope (see :mod:`core.retro.drivers`) / its cost;
values without attributed cost are not ranked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.cube import DATE
from core.retro.models import DriverShare, RoiRank


@dataclass(frozen=True)
class BudgetSource:
    """The part of one campaign's budget that falls into the retro period, and where it was spent."""

    campaign_id: str
    budget: float
    start: dt.date
    end: dt.date
    scope: dict[str, str] = field(default_factory=dict)
    positions: tuple[str, ...] = ()
    content: dict[str, float] = field(default_factory=dict)


def content_costs(sources: list[BudgetSource]) -> dict[str, float]:
    costs: dict[str, float] = {}
    for source in sources:
        for name, share in source.content.items():
            costs[name] = costs.get(name, 0.0) + source.budget * share
    return costs


def position_costs(
    sources: list[BudgetSource], cube: pd.DataFrame, resources: pd.DataFrame, position_dimension: str | None
) -> dict[str, float]:
    rates = _rates(resources)
    costs: dict[str, float] = {}
    for source in sources:
        if not source.positions:
            continue
        usage = _usage(source, cube, position_dimension)
        weights = _position_weights(source.positions, rates, usage)
        for position, weight in zip(source.positions, weights, strict=True):
            costs[position] = costs.get(position, 0.0) + source.budget * float(weight)
    return costs


def _rates(resources: pd.DataFrame) -> dict[str, float]:
    if resources is None or resources.empty:
        return {}
    rates = pd.to_numeric(resources["cost_per_10k"], errors="coerce")
    return {str(p): float(r) for p, r in zip(resources["position"], rates, strict=True) if not np.isnan(r)}


def _usage(source: BudgetSource, cube: pd.DataFrame, position_dimension: str | None) -> dict[str, float]:
    if position_dimension is None:
        return {}
    mask = (cube[DATE] >= pd.Timestamp(source.start)) & (cube[DATE] <= pd.Timestamp(source.end))
    mask &= cube[position_dimension].isin(source.positions)
    for dimension, value in source.scope.items():
        mask &= cube[dimension] == value
    sums = cube.loc[mask].groupby(position_dimension, observed=True)["dau"].sum()
    return {str(k): float(v) for k, v in sums.items()}


def _position_weights(
    positions: tuple[str, ...], rates: dict[str, float], usage: dict[str, float]
) -> np.ndarray:
    known = [rates[p] for p in positions if p in rates]
    default_rate = float(np.mean(known)) if known else 1.0
    rate = np.array([rates.get(p, default_rate) for p in positions])
    used = np.array([usage.get(p, 0.0) for p in positions])
    for weights in (rate * used, rate, np.ones(len(positions))):
        if weights.sum() > 0:
            return weights / weights.sum()
    raise AssertionError("unreachable: even weights are positive")


def rank_roi(dimension: str, costs: dict[str, float], drivers: list[DriverShare]) -> list[RoiRank]:
    """ROI of each value with a positive cost, best first (ties keep the cost order)."""
    change = {d.value: d.change for d in drivers}
    scored = [
        (value, cost, change.get(value, 0.0), change.get(value, 0.0) / cost)
        for value, cost in sorted(costs.items(), key=lambda item: -item[1])
        if cost > 0
    ]
    scored.sort(key=lambda item: -item[3])
    return [
        RoiRank(dimension=dimension, value=value, cost=cost, revenue_change=delta, roi=roi, rank=rank)
        for rank, (value, cost, delta, roi) in enumerate(scored, start=1)
    ]
