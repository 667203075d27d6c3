"""Resource positions: inventory, what a budget buys, the response curve with diminishing returns.

Inventory. A position's daily inventory is the mean daily DAU the cube attributes to it (last 28 days,
whole cube — inventory is platform-wide, not per segment), times ``EXPOSURES_PER_DAU`` = 1 exposure per
user-day. Without a position column in the cube, total DAU is split evenly across the positions.
``usage`` is the share of that inventory a plan buys over its days, so
``spend = usage · inventory · days · cost_per_10k / 10 000``. ``max_capacity`` caps usage.

Response. ``response = elasticity · audience_share · g(usage)`` with a concave ``g(u) = u^β`` (β = 0.7,
diminishing returns) up to the knee ``k = 0.8 · max_capacity``; past the knee the extra response is
multiplied by ``PENALTY`` = 0.4 (saturation: the last slots reach users already reached):
``g(u) = k^β + 0.4 · (u^β - k^β)``. So the marginal response at 90 % of capacity is well below the one at
70 %. ``audience_share`` is the position's share of all inventory (reaching 60 % of a big position is
worth more than 60 % of a small one).

Allocation. :func:`allocate_budget` spends a budget greedily in ``STEPS`` equal slices, each to the
position with the highest extra response per 元, first up to the knee, then (only if money is left) up
to ``max_capacity``; whatever still remains is left unspent. Usage never exceeds ``max_capacity``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cube import DATE
from core.planning.plan_models import PositionAllocation
from core.planning.segment_match import column_holding

CURVE_EXPONENT = 0.7
KNEE = 0.8
PENALTY = 0.4
EXPOSURES_PER_DAU = 1.0
INVENTORY_DAYS = 28
STEPS = 400
MIN_BUDGET_SHARE = 0.1


def position_table(resources: pd.DataFrame, cube: pd.DataFrame) -> pd.DataFrame:
    """Resources indexed by position with ``daily_inventory`` and ``audience_share`` added."""
    table = resources.copy()
    table["position"] = table["position"].astype(str)
    table = table.set_index("position")
    for column in ("max_capacity", "cost_per_10k", "elasticity"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    recent = cube[cube[DATE] > cube[DATE].max() - pd.Timedelta(days=INVENTORY_DAYS)]
    days = max(recent[DATE].nunique(), 1)
    column = column_holding(cube, table.index.to_series())
    if column is None:
        inventory = pd.Series(recent["dau"].sum() / days / len(table), index=table.index)
    else:
        by_position = recent.groupby(column, observed=True)["dau"].sum() / days
        inventory = by_position.reindex(table.index)
        inventory = inventory.fillna(inventory.median() if inventory.notna().any() else 0.0)
    table["daily_inventory"] = inventory * EXPOSURES_PER_DAU
    table["audience_share"] = table["daily_inventory"] / table["daily_inventory"].sum()
    return table


def curve(usage: np.ndarray, max_capacity: np.ndarray) -> np.ndarray:
    """``g(u)`` of the module docs (usage clipped to ``[0, max_capacity]``)."""
    u = np.clip(np.asarray(usage, float), 0, max_capacity)
    knee = KNEE * np.asarray(max_capacity, float)
    below = u**CURVE_EXPONENT
    return np.where(u <= knee, below, knee**CURVE_EXPONENT + PENALTY * (below - knee**CURVE_EXPONENT))


def response(usage: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """Response of each position of ``table`` (aligned with ``usage``)."""
    return (
        table["elasticity"].to_numpy()
        * table["audience_share"].to_numpy()
        * curve(usage, table["max_capacity"].to_numpy())
    )


def marginal_response(usage: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """d response / d usage (at ``u = 0`` the value at a tiny usage, since ``u^β`` is steep there)."""
    u = np.maximum(np.asarray(usage, float), 1e-4)
    slope = CURVE_EXPONENT * u ** (CURVE_EXPONENT - 1)
    slope = np.where(u > KNEE * table["max_capacity"].to_numpy(), PENALTY * slope, slope)
    return table["elasticity"].to_numpy() * table["audience_share"].to_numpy() * slope


def full_cost(table: pd.DataFrame, days: int) -> np.ndarray:
    """What buying a position's whole inventory over ``days`` costs (元)."""
    return (table["daily_inventory"] * days * table["cost_per_10k"] / 10_000).to_numpy()


def campaign_usage(positions: frozenset[str], budget: float, days: int, table: pd.DataFrame) -> pd.Series:
    """The usage a campaign bought of each position of ``table``: its budget split evenly over its known
    positions, each capped at its capacity (0 elsewhere; all 0 without a known position or a budget)."""
    usage = pd.Series(0.0, index=table.index)
    known = table.loc[[p for p in sorted(positions) if p in table.index]]
    if known.empty or not np.isfinite(budget):
        return usage
    bought = budget / len(known) / full_cost(known, int(days))
    usage.loc[known.index] = np.minimum(bought, known["max_capacity"].to_numpy())
    return usage


def spend_for_usage(usage: np.ndarray, table: pd.DataFrame, days: int) -> np.ndarray:
    return np.asarray(usage, float) * full_cost(table, days)


def _greedy(
    budget: float, table: pd.DataFrame, days: int, usage: np.ndarray, limit: np.ndarray
) -> np.ndarray:
    cost = full_cost(table, days)
    step = budget / STEPS
    remaining = budget
    usage = usage.copy()
    while remaining > 1e-9:
        room = np.maximum(limit - usage, 0) * cost
        if not (room > 1e-9).any():
            break
        spend = np.minimum(min(step, remaining), room)
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = (response(usage + spend / cost, table) - response(usage, table)) / spend
        gain = np.where(spend > 1e-9, gain, -np.inf)
        best = int(np.argmax(gain))
        usage[best] += spend[best] / cost[best]
        remaining -= spend[best]
    return usage


def allocate_budget(budget: float, table: pd.DataFrame, days: int) -> pd.Series:
    """Usage per position (index of ``table``) that spends ``budget`` for the most response.

    Positions that would get less than ``MIN_BUDGET_SHARE`` of the money are dropped and the budget is
    re-spread over the rest (unless the rest could not absorb it), so a plan names a few positions rather
    than crumbs everywhere.
    """
    chosen = table
    usage = _allocate_within(budget, chosen, days)
    for _ in range(len(table)):
        spend = spend_for_usage(usage, chosen, days)
        keep = spend >= MIN_BUDGET_SHARE * max(spend.sum(), 1e-9)
        fewer = chosen[keep]
        if keep.all() or (full_cost(fewer, days) * fewer["max_capacity"].to_numpy()).sum() < budget:
            break  # nothing to drop, or the rest could not absorb the budget
        chosen, usage = fewer, _allocate_within(budget, fewer, days)
    return pd.Series(usage, index=chosen.index).reindex(table.index, fill_value=0.0)


def _allocate_within(budget: float, table: pd.DataFrame, days: int) -> np.ndarray:
    capacity = table["max_capacity"].to_numpy()
    usage = _greedy(budget, table, days, np.zeros(len(table)), KNEE * capacity)
    left = budget - spend_for_usage(usage, table, days).sum()
    if left > 1e-6:
        usage = _greedy(left, table, days, usage, capacity)
    return usage


def allocation_facts(
    usage: pd.Series, table: pd.DataFrame, days: int, clipped: frozenset[str] = frozenset()
) -> list[PositionAllocation]:
    """Facts per position with positive usage (``usage`` indexed by position, already within capacity)."""
    used = table.loc[usage[usage > 0].index]
    values = usage[used.index].to_numpy(float)
    spend = spend_for_usage(values, used, days)
    responses, marginals = response(values, used), marginal_response(values, used)
    total = spend.sum()
    facts = []
    for i, (position, row) in enumerate(used.iterrows()):
        near_limit = values[i] > KNEE * row["max_capacity"] + 1e-9
        warning = "usage_clipped" if position in clipped else ("capacity_near_limit" if near_limit else None)
        facts.append(
            PositionAllocation(
                position=str(position),
                budget=float(spend[i]),
                budget_share=float(spend[i] / total) if total else 0.0,
                usage=float(values[i]),
                max_capacity=float(row["max_capacity"]),
                capacity_used=float(values[i] / row["max_capacity"]) if row["max_capacity"] else 0.0,
                inventory=float(row["daily_inventory"] * days),
                cost_per_10k=float(row["cost_per_10k"]),
                elasticity=float(row["elasticity"]),
                response=float(responses[i]),
                marginal_response=float(marginals[i]),
                warning=warning,
            )
        )
    return facts
