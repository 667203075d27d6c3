"""KPI forecast of a plan (边现 lift, revenue lift, ROI) from its most similar past campaigns.

Each neighbour's outcome is *transferred* to the plan before it is averaged:

* ``ρ = R_plan / R_c`` (clipped to [0.5, 2]) compares the plan's exposure response with the one the
  campaign bought (its ``budget_used`` split evenly over its positions, turned into usage over its own
  duration, through the same response curve, see :mod:`capacity`);
* lifts grow with the square root of that ratio, ``lift_plan = lift_c · ρ^0.5`` (history rarely pins down
  how lift scales with exposure; the damped exponent keeps the transfer modest);
* ``ROI_plan = ROI_c · ρ^0.5 · (base_plan / base_c) · (budget_c / budget_plan)`` where ``base`` is the daily
  revenue of the targeted segment times the days (incremental revenue = lift × base × reach, reach assumed
  alike). Because the response is concave, a bigger budget raises the lift less than proportionally and
  lowers ROI.

The transferred values then give a weighted median and an interval (:mod:`intervals`), weights =
similarity². The prior spread is the spread of the raw outcome over all campaigns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cube import DATE
from core.planning.capacity import campaign_usage, response
from core.planning.intervals import confidence, effective_n, weighted_estimate
from core.planning.plan_models import KpiForecast, Neighbour
from core.planning.segment_match import column_holding
from core.planning.similarity import MIN_SIMILARITY, K, Plan, campaign_similarities, nearest_campaigns

RATIO_CLIP = (0.5, 2.0)
LIFT_EXPONENT = 0.5
RECENT_DAYS = 28
FALLBACK_SD = {"arpu_lift": 0.05, "revenue_lift": 0.05, "roi": 1.0}
OUTCOMES = ("arpu_lift", "revenue_lift", "roi")


def campaign_responses(campaigns: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """Exposure response each prepared campaign bought (NaN when none of its positions is known)."""
    budgets = campaigns["budget_used"].fillna(campaigns["budget_planned"]).to_numpy(float)
    result = np.full(len(campaigns), np.nan)
    for i, (positions, days, budget) in enumerate(
        zip(campaigns["position_set"], campaigns["duration_days"], budgets, strict=True)
    ):
        mine = table.index.isin(list(positions))
        if mine.any() and np.isfinite(budget):
            usage = campaign_usage(positions, budget, days, table)
            result[i] = response(usage[mine].to_numpy(), table[mine]).sum()
    return result


def segment_daily_revenue(cube: pd.DataFrame, segments: pd.DataFrame) -> pd.Series:
    """Mean daily revenue per segment over the last 28 days of the cube (empty without a segment column)."""
    column = column_holding(cube, segments["segment"])
    if column is None:
        return pd.Series(dtype=float)
    recent = cube[cube[DATE] > cube[DATE].max() - pd.Timedelta(days=RECENT_DAYS)]
    return recent.groupby(column, observed=True)["revenue"].sum() / max(recent[DATE].nunique(), 1)


def estimate_kpis(
    plan: Plan,
    usage: pd.Series,
    plan_budget: float,
    days: int,
    campaigns: pd.DataFrame,
    segments: pd.DataFrame,
    table: pd.DataFrame,
    cube: pd.DataFrame,
    k: int = K,
    min_similarity: float = MIN_SIMILARITY,
) -> tuple[KpiForecast | None, list[Neighbour]]:
    """Forecast the plan's KPIs from its ``k`` nearest prepared ``campaigns``; ``None`` without neighbours.

    ``usage`` is the plan's usage per position of ``table`` (its exposure response is compared with each
    campaign's); ``cube`` gives the segments' recent daily revenue (:func:`segment_daily_revenue`).
    """
    nearest = nearest_campaigns(campaign_similarities(plan, campaigns, segments), k, min_similarity)
    if nearest.empty:
        return None, []
    plan_response = float(response(usage.to_numpy(), table).sum())
    daily_revenue = segment_daily_revenue(cube, segments)
    rows = campaigns.loc[nearest.index]
    ratio = np.clip(plan_response / campaign_responses(rows, table), *RATIO_CLIP)
    ratio = np.where(np.isfinite(ratio), ratio, 1.0)
    scale = ratio**LIFT_EXPONENT
    budgets = rows["budget_used"].fillna(rows["budget_planned"]).to_numpy(float)
    base_c = rows["target_segment"].map(daily_revenue).to_numpy(float) * rows["duration_days"].to_numpy(float)
    plan_daily = daily_revenue.get(plan.segment, np.nan) if plan.segment else np.nan
    base_plan = (plan_daily if np.isfinite(plan_daily) else base_c / rows["duration_days"].to_numpy()) * days
    base_ratio = np.where(np.isfinite(base_plan / base_c), base_plan / base_c, days / rows["duration_days"])
    transferred = {
        "arpu_lift": rows["arpu_lift"].to_numpy(float) * scale,
        "revenue_lift": rows["revenue_lift"].to_numpy(float) * scale,
        "roi": rows["roi"].to_numpy(float) * scale * base_ratio * budgets / plan_budget
        if plan_budget
        else np.full(len(rows), np.nan),
    }
    weights = nearest["weight"].to_numpy(float)
    estimates = {}
    for outcome, values in transferred.items():
        ok = np.isfinite(values)
        prior_sd = campaigns[outcome].std()
        prior_sd = float(prior_sd) if np.isfinite(prior_sd) and prior_sd > 0 else FALLBACK_SD[outcome]
        estimates[outcome] = (
            weighted_estimate(values[ok], weights[ok], prior_sd) if ok.any() else None,
            prior_sd,
        )
    n_eff = effective_n(weights)
    mean_similarity = float(np.average(nearest["similarity"], weights=weights))
    revenue, revenue_sd = estimates["revenue_lift"]
    kpi = None
    if all(estimate is not None for estimate, _ in estimates.values()):
        kpi = KpiForecast(
            arpu_lift=estimates["arpu_lift"][0],
            revenue_lift=revenue,
            roi=estimates["roi"][0],
            confidence=confidence(n_eff, mean_similarity, revenue.width, revenue_sd),
            n_neighbours=len(nearest),
            effective_n=n_eff,
            mean_similarity=mean_similarity,
        )
    components = [c for c in ("segment", "content", "positions", "discount") if c in nearest]
    neighbours = [
        Neighbour(
            campaign_id=str(row["campaign_id"]),
            name=str(row.get("name")) if "name" in row else None,
            similarity=float(near["similarity"]),
            weight=float(near["weight"]),
            components={c: float(near[c]) for c in components},
            roi=float(row["roi"]),
            arpu_lift=float(row["arpu_lift"]),
            revenue_lift=float(row["revenue_lift"]),
            response_ratio=float(ratio[i]),
            transferred_roi=float(transferred["roi"][i]),
            transferred_arpu_lift=float(transferred["arpu_lift"][i]),
            transferred_revenue_lift=float(transferred["revenue_lift"][i]),
        )
        for i, ((_, row), (_, near)) in enumerate(zip(rows.iterrows(), nearest.iterrows(), strict=True))
    ]
    return kpi, neighbours
