"""What underperformed, as codes with the numbers behind them (the report phrases them).

Rules (each independent):

* ``arpu_target_missed`` – measured 边现 lift below the campaign's target lift;
* ``roi_below_one`` – ROI (recorded, else measured) below 1: the campaign did not earn its cost back;
* ``budget_overrun`` / ``budget_underused`` – used above plan / below 80 % of plan;
* ``metric_declined`` – 边现, revenue, DAU or conversion fell against the pre-period by at least
  :data:`MIN_DECLINE` (a change that rounds away, 2.01 % → 2.01 %, is not a shortfall to act on);
* ``driver_declined`` – one of the campaign's own content types, positions or discount (for a date range:
  any value; the :data:`MAX_DECLINED_DRIVERS` largest falls) lost revenue;
* ``low_roi_position`` / ``low_roi_content`` – attributed ROI below 1.
"""

from __future__ import annotations

from core.retro.models import DriverShare, MetricComparison, PlanVsActual, RoiRank, Shortfall

UNDERUSED_BELOW = 0.8
DECLINE_METRICS: tuple[str, ...] = ("arpu", "revenue", "dau", "conversion")
MAX_DECLINED_DRIVERS = 5
MIN_DECLINE = 0.01  # relative: a metric counts as fallen from 1 % down


def find_shortfalls(
    plan: PlanVsActual,
    metrics: list[MetricComparison],
    drivers: dict[str, list[DriverShare]],
    own_values: dict[str, set[str]] | None,
    roi_by_content: list[RoiRank],
    roi_by_position: list[RoiRank],
) -> list[Shortfall]:
    """``own_values`` maps a dimension to the campaign's own values in it (None for a date range)."""
    found: list[Shortfall] = []
    if plan.arpu_target_met is False:
        found.append(
            Shortfall(
                code="arpu_target_missed",
                subject="arpu",
                actual=plan.measured_arpu_lift,
                reference=plan.target_arpu_lift,
            )
        )
    roi = plan.judged_roi
    if roi is not None and roi < 1:
        found.append(Shortfall(code="roi_below_one", subject="roi", actual=roi, reference=1.0))
    budget_code = _budget_code(plan.budget_usage)
    if budget_code is not None:
        found.append(
            Shortfall(
                code=budget_code, subject="budget", actual=plan.budget_used, reference=plan.budget_planned
            )
        )
    found += [
        Shortfall(code="metric_declined", subject=m.metric, actual=m.during, reference=m.before)
        for m in metrics
        if m.metric in DECLINE_METRICS and m.lift is not None and m.lift <= -MIN_DECLINE
    ]
    found += _declined_drivers(drivers, own_values)
    found += [
        Shortfall(code=code, subject=r.value, actual=r.roi, reference=1.0)
        for code, ranks in (("low_roi_position", roi_by_position), ("low_roi_content", roi_by_content))
        for r in ranks
        if r.roi < 1
    ]
    return found


def _budget_code(usage: float | None) -> str | None:
    if usage is None:
        return None
    if usage > 1:
        return "budget_overrun"
    return "budget_underused" if usage < UNDERUSED_BELOW else None


def _declined_drivers(
    drivers: dict[str, list[DriverShare]], own_values: dict[str, set[str]] | None
) -> list[Shortfall]:
    declined = [
        d
        for dimension, values in drivers.items()
        for d in values
        if d.change < 0 and (own_values is None or d.value in own_values.get(dimension, set()))
    ]
    declined.sort(key=lambda d: d.change)
    if own_values is None:
        declined = declined[:MAX_DECLINED_DRIVERS]
    return [
        Shortfall(
            code="driver_declined",
            subject=f"{d.dimension}={d.value}",
            actual=d.revenue_during,
            reference=d.revenue_before,
        )
        for d in declined
    ]
