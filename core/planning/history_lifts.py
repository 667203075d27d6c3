"""The lifts past campaigns achieved on a metric: the evidence for what a goal can ask for.

Campaign records carry ``arpu_lift`` and ``revenue_lift``. For DAU the lift is derived as
``(1 + revenue_lift) / (1 + arpu_lift) - 1`` (revenue = DAU × ARPU); for conversion and member counts no
column exists, so the revenue lift stands in (``source = "revenue_lift_proxy"``). Campaigns on the goal's
segments are used when there are at least ``MIN_CAMPAIGNS`` of them, all campaigns otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.planning.goal_models import LiftDistribution

MIN_CAMPAIGNS = 3


def campaign_lifts(campaigns: pd.DataFrame, metric: str) -> tuple[pd.Series, str]:
    """Each campaign's lift on ``metric`` (indexed like ``campaigns``) and the name of its source."""
    if metric == "arpu":
        return campaigns["arpu_lift"], "arpu_lift"
    if metric == "revenue":
        return campaigns["revenue_lift"], "revenue_lift"
    if metric == "dau":
        return (1 + campaigns["revenue_lift"]) / (1 + campaigns["arpu_lift"]) - 1, "dau_lift_derived"
    return campaigns["revenue_lift"], "revenue_lift_proxy"


def lift_distribution(campaigns: pd.DataFrame, metric: str, segments: list[str]) -> LiftDistribution:
    """Median, p75, p90 and best lift of past campaigns on ``segments`` (or all campaigns if too few)."""
    lifts, source = campaign_lifts(campaigns, metric)
    on_segments = campaigns["target_segment"].isin(segments) & lifts.notna()
    if on_segments.sum() >= MIN_CAMPAIGNS:
        scope, chosen = "segment", on_segments
    else:
        scope, chosen = "all", lifts.notna()
    values = lifts[chosen].to_numpy(float)
    if len(values) == 0:
        return LiftDistribution(metric=metric, source=source, scope="none", n=0)
    best_row = lifts[chosen].idxmax()
    p50, p75, p90 = np.quantile(values, [0.5, 0.75, 0.9])
    return LiftDistribution(
        metric=metric,
        source=source,
        scope=scope,
        n=len(values),
        median=float(p50),
        p75=float(p75),
        p90=float(p90),
        best=float(values.max()),
        best_campaign_id=str(campaigns.loc[best_row, "campaign_id"]),
        campaign_ids=campaigns.loc[chosen, "campaign_id"].astype(str).tolist(),
    )
