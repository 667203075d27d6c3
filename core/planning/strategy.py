"""``/strategy``: target segments, content mix, timing, discount, positions + budget split, KPI forecast.

The plan is built lever by lever (each module documents its rule) and then scored with the same neighbour
model as ``/budget`` (:mod:`plan_kpi`), so a strategy and its simulation always agree. Without a budget the
plan takes the median daily budget of past campaigns on the primary segment (all campaigns if it has none)
times the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.planning.campaigns import prepare_campaigns
from core.planning.capacity import allocate_budget, allocation_facts, position_table
from core.planning.content_choice import choose_content
from core.planning.discount import choose_discount
from core.planning.errors import text_language
from core.planning.facts import Fact
from core.planning.goal_assess import goal_scope
from core.planning.goal_models import GoalSpec
from core.planning.goal_parse import parse_goal
from core.planning.plan_kpi import estimate_kpis
from core.planning.plan_models import StrategyFacts
from core.planning.plan_risks import plan_risks
from core.planning.segment_choice import rank_segments
from core.planning.similarity import K, Plan
from core.planning.timing import weekday_timing

MAX_SEGMENTS = 2
KPI_FOR_METRIC = {"arpu": "arpu_lift", "revenue": "revenue_lift"}


def default_budget(campaigns: pd.DataFrame, segment: str, days: int) -> float:
    """Median daily budget of the segment's past campaigns (all campaigns as fallback) × ``days``."""
    own = campaigns[campaigns["target_segment"] == segment]
    rows = own if own["budget_used"].notna().any() else campaigns
    daily = rows["budget_used"].fillna(rows["budget_planned"]) / rows["duration_days"]
    median = float(daily.median())
    return median * days if np.isfinite(median) else 0.0


def recommend_strategy(
    goal: GoalSpec | str,
    cube: pd.DataFrame,
    segments: pd.DataFrame,
    campaigns: pd.DataFrame,
    resources: pd.DataFrame,
    budget: float | None = None,
    *,
    k: int = K,
) -> StrategyFacts:
    spec = parse_goal(goal, require_target=False) if isinstance(goal, str) else goal
    column, names, scoped = goal_scope(spec, cube, segments, text_language(spec.raw))
    history = prepare_campaigns(campaigns)
    choices = rank_segments(names, spec.segment_filter, segments, history, spec.metric)[:MAX_SEGMENTS]
    primary = choices[0]
    profile = segments[segments["segment"].astype(str) == primary.segment].iloc[0]
    content = choose_content(primary.segment, profile.get("content_preference"), history)
    discount = choose_discount(
        primary.price_sensitivity, history[history["target_segment"] == primary.segment]
    )
    chosen_rows = scoped if column is None else cube[cube[column].isin([c.segment for c in choices])]
    timing = weekday_timing(chosen_rows)

    days = spec.horizon_days
    budget_source = "given" if budget is not None else "history_median"
    budget = float(budget) if budget is not None else default_budget(history, primary.segment, days)
    table = position_table(resources, cube)
    usage = allocate_budget(budget, table, days)
    positions = allocation_facts(usage, table, days)
    budget_used = sum(p.budget for p in positions)

    plan = Plan(primary.segment, content.mix, frozenset(p.position for p in positions), discount.discount)
    kpi, neighbours = estimate_kpis(
        plan,
        usage,
        budget_used,
        days,
        history,
        segments,
        table,
        cube,
        k,
    )
    risks = plan_risks(positions, kpi, budget, budget_used, primary.price_sensitivity, discount.discount)
    if kpi is not None and spec.target_lift is not None and spec.metric in KPI_FOR_METRIC:
        predicted = getattr(kpi, KPI_FOR_METRIC[spec.metric]).point
        if predicted < spec.target_lift:
            risks.append(Fact(code="target_above_forecast", value=predicted, threshold=spec.target_lift))
    return StrategyFacts(
        spec=spec,
        segments=choices,
        content=content,
        timing=timing,
        discount=discount,
        budget=budget,
        budget_source=budget_source,
        horizon_days=days,
        positions=positions,
        kpi=kpi,
        neighbours=neighbours,
        risks=risks,
    )
