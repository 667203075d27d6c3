"""``/budget``: what a given content mix, position usage and budget would bring (deterministic).

Steps: unknown positions are dropped (warned); usage above ``max_capacity`` is clipped (``usage_clipped``);
when buying the usage would cost more than the budget, all usages shrink by the same factor
(``usage_exceeds_budget``); positions above 80 % of their capacity are warned (``capacity_near_limit``) and
their extra response is penalised by the curve of :mod:`capacity`. The KPIs come from :mod:`plan_kpi`.
"""

from __future__ import annotations

import pandas as pd

from core.planning.campaigns import prepare_campaigns
from core.planning.capacity import allocation_facts, position_table, spend_for_usage
from core.planning.facts import Fact
from core.planning.plan_kpi import estimate_kpis
from core.planning.plan_models import BudgetInput, BudgetSimulation
from core.planning.plan_risks import plan_risks
from core.planning.similarity import K, Plan


def simulate_budget(
    content_ratio: dict[str, float],
    position_usage: dict[str, float],
    budget: float,
    segments: pd.DataFrame,
    campaigns: pd.DataFrame,
    resources: pd.DataFrame,
    cube: pd.DataFrame,
    *,
    days: int = 30,
    segment: str | None = None,
    discount: str | None = None,
    k: int = K,
) -> BudgetSimulation:
    table = position_table(resources, cube)
    warnings: list[Fact] = []
    for name in position_usage:
        if name not in table.index:
            warnings.append(Fact(code="unknown_position", detail={"position": name}))
    usage = pd.Series(position_usage, dtype=float).reindex(table.index).fillna(0.0).clip(lower=0.0)
    capacity = table["max_capacity"]
    clipped = frozenset(usage.index[usage > capacity])
    for name in sorted(clipped):
        warnings.append(
            Fact(
                code="usage_clipped",
                value=float(usage[name]),
                threshold=float(capacity[name]),
                detail={"position": name},
            )
        )
    usage = usage.clip(upper=capacity)
    cost = float(spend_for_usage(usage.to_numpy(), table, days).sum())
    if cost > budget:
        warnings.append(Fact(code="usage_exceeds_budget", value=cost, threshold=budget))
        usage = usage * (max(budget, 0.0) / cost if cost else 0.0)
    budget_used = float(spend_for_usage(usage.to_numpy(), table, days).sum())
    positions = allocation_facts(usage, table, days, clipped)

    total = sum(content_ratio.values()) or 1.0
    mix = {name: share / total for name, share in content_ratio.items()}
    plan = Plan(segment=segment, mix=mix, positions=frozenset(usage.index[usage > 0]), discount=discount)
    kpi, neighbours = estimate_kpis(
        plan,
        usage,
        budget_used,
        days,
        prepare_campaigns(campaigns),
        segments,
        table,
        cube,
        k,
    )
    sensitivity = None
    if segment is not None:
        rows = segments.loc[segments["segment"].astype(str) == segment, "price_sensitivity"]
        sensitivity = str(rows.iloc[0]) if len(rows) else None
    warnings.extend(plan_risks(positions, kpi, budget, budget_used, sensitivity, discount))
    return BudgetSimulation(
        content_ratio=mix,
        segment=segment,
        discount=discount,
        days=days,
        budget=float(budget),
        budget_used=budget_used,
        positions=positions,
        kpi=kpi,
        neighbours=neighbours,
        warnings=warnings,
    )


def simulate_budget_input(
    parsed: BudgetInput,
    segments: pd.DataFrame,
    campaigns: pd.DataFrame,
    resources: pd.DataFrame,
    cube: pd.DataFrame,
) -> BudgetSimulation:
    """:func:`simulate_budget` on the output of :func:`core.planning.budget_parse.parse_budget_args`."""
    return simulate_budget(
        parsed.content_ratio,
        parsed.position_usage,
        parsed.budget,
        segments,
        campaigns,
        resources,
        cube,
        days=parsed.days,
        segment=parsed.segment,
        discount=parsed.discount,
    )


__all__ = ["simulate_budget", "simulate_budget_input"]
