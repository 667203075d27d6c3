"""The goal tree: revenue = DAU × conversion × ARPPU, 边现 = conversion × ARPPU, and the split by segment.

``ARPPU`` = revenue / (new + renewed members), so DAU × conversion × ARPPU equals revenue exactly (the
members cancel). Values are computed from the measure sums of the baseline window: additive metrics as daily
means, ratios as ratios of sums, so the segment nodes add up (additive) or average with their denominator
weights (ratios) to the parent exactly.

``required`` answers "what would this node need to be if the whole target came from it alone":

* factor of a product: ``current · (1 + lift)``;
* segment of a sum: ``current + total · lift``;
* segment of a ratio: ``current + total · lift / weight`` (weight = its share of the denominator).

Factor nodes carry ``change_share``: their share of the parent's log-change against the prior window
(log-changes of a product add up, so the shares sum to 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cube import MEASURES, METRICS, metric_values
from core.planning.goal_models import DecompositionNode

FACTORS: dict[str, tuple[str, ...]] = {
    "revenue": ("dau", "conversion", "arppu"),
    "arpu": ("conversion", "arppu"),
}


def _value(sums: pd.Series, metric: str, days: int) -> float:
    """A metric (or ``arppu``) from measure sums: ratios of sums; additive measures as daily means."""
    if metric == "arppu":
        members = sums["new_members"] + sums["renew_members"]
        return float(sums["revenue"] / members) if members else float("nan")
    value = float(metric_values(sums, metric))
    return value if METRICS[metric].is_ratio else value / days


def _factor_nodes(
    sums: pd.Series, prior: pd.Series | None, metric: str, lift: float, days: int, prior_days: int
) -> list[DecompositionNode]:
    names = FACTORS.get(metric, ())
    current = {name: _value(sums, name, days) for name in names}
    change_share: dict[str, float | None] = dict.fromkeys(names)
    if prior is not None:
        logs = {name: np.log(current[name] / _value(prior, name, prior_days)) for name in names}
        total = sum(logs.values())
        if np.isfinite(total) and abs(total) > 1e-12:
            change_share = {name: float(logs[name] / total) for name in names}
    return [
        DecompositionNode(
            name=name,
            kind="factor",
            metric=name,
            current=current[name],
            change_share=change_share[name],
            required=current[name] * (1 + lift),
            required_lift=lift,
        )
        for name in names
    ]


def decompose(
    window: pd.DataFrame,
    metric: str,
    target_lift: float,
    segment_column: str | None,
    days: int,
    prior_window: pd.DataFrame | None = None,
    prior_days: int | None = None,
) -> DecompositionNode:
    """The tree of ``metric`` over ``window`` (cube rows of the baseline window, ``days`` long)."""
    measures = list(MEASURES)
    sums = window[measures].sum()
    prior = prior_window[measures].sum() if prior_window is not None and len(prior_window) else None
    prior_days = prior_days or days
    total = _value(sums, metric, days)
    root = DecompositionNode(
        name="total",
        kind="total",
        metric=metric,
        current=total,
        share=1.0,
        required=total * (1 + target_lift),
        required_lift=target_lift,
        children_relation="product" if metric in FACTORS else None,
        children=_factor_nodes(sums, prior, metric, target_lift, days, prior_days),
    )
    if segment_column is None:
        return root
    root.segments = _segment_nodes(
        window, prior_window, metric, target_lift, segment_column, days, prior_days, total
    )
    root.segments_relation = "weighted_mean" if METRICS[metric].is_ratio else "sum"
    return root


def _segment_nodes(
    window: pd.DataFrame,
    prior_window: pd.DataFrame | None,
    metric: str,
    lift: float,
    column: str,
    days: int,
    prior_days: int,
    total: float,
) -> list[DecompositionNode]:
    definition = METRICS[metric]
    by_segment = window.groupby(column, observed=True, sort=True)[list(MEASURES)].sum()
    prior_by_segment = (
        prior_window.groupby(column, observed=True)[list(MEASURES)].sum()
        if prior_window is not None
        else None
    )
    weight_of = definition.denominator if definition.is_ratio else definition.numerator
    weights = by_segment[list(weight_of)].sum(axis=1)
    weights = weights / weights.sum()
    gap = total * lift
    nodes = []
    for name, sums in by_segment.iterrows():
        current = _value(sums, metric, days)
        share = float(weights[name])
        required = current + (gap / share if definition.is_ratio else gap) if share else float("nan")
        own_lift = required / current - 1 if current else float("nan")
        prior = None
        if prior_by_segment is not None and name in prior_by_segment.index:
            prior = prior_by_segment.loc[name]
        nodes.append(
            DecompositionNode(
                name=str(name),
                kind="segment",
                metric=metric,
                current=current,
                share=share,
                required=required,
                required_lift=own_lift,
                children_relation="product" if metric in FACTORS else None,
                children=_factor_nodes(sums, prior, metric, own_lift, days, prior_days),
            )
        )
    nodes.sort(key=lambda node: -(node.share or 0))
    return nodes
