"""Risk facts of a campaign plan (``/strategy`` and ``/budget`` share them)."""

from __future__ import annotations

from core.planning.discount import discount_depth
from core.planning.facts import Fact
from core.planning.plan_models import KpiForecast, PositionAllocation

MIN_NEIGHBOURS = 3
WIDE_LIFT_INTERVAL = 0.10  # revenue-lift interval wider than 10 points
UNSPENT_SHARE = 0.05


def plan_risks(
    positions: list[PositionAllocation],
    kpi: KpiForecast | None,
    budget: float,
    budget_used: float,
    price_sensitivity: str | None,
    discount: str | None,
) -> list[Fact]:
    risks = [
        Fact(
            code="capacity_near_limit", value=p.capacity_used, threshold=0.8, detail={"position": p.position}
        )
        for p in positions
        if p.warning == "capacity_near_limit"
    ]
    if kpi is None:
        risks.append(Fact(code="no_similar_campaigns", value=0, threshold=MIN_NEIGHBOURS))
    else:
        if kpi.n_neighbours < MIN_NEIGHBOURS:
            risks.append(Fact(code="few_similar_campaigns", value=kpi.n_neighbours, threshold=MIN_NEIGHBOURS))
        if kpi.revenue_lift.width > WIDE_LIFT_INTERVAL:
            risks.append(
                Fact(code="wide_interval", value=kpi.revenue_lift.width, threshold=WIDE_LIFT_INTERVAL)
            )
        if kpi.roi.lower < 1:
            risks.append(Fact(code="roi_may_be_below_1", value=kpi.roi.lower, threshold=1.0))
    if price_sensitivity == "高" and (discount is None or (discount_depth(discount) or 0.0) == 0.0):
        risks.append(Fact(code="price_sensitive_without_discount", detail={"discount": discount}))
    if budget > 0 and (budget - budget_used) / budget > UNSPENT_SHARE:
        risks.append(Fact(code="budget_unspent", value=budget - budget_used, threshold=budget))
    return risks
