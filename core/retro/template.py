"""The reusable execution template drawn from a retro.

KPI targets: 边现 aims at the campaign's target lift when it had one, else at the lift achieved (if it
rose); revenue, DAU and conversion aim at the lift achieved when it was positive (otherwise the baseline is
shown without a target). Baselines are daily averages of the pre-period. ROI aims at max(1, ROI achieved).
Lessons become extra checklist items: a low-ROI position is watched on D5, a low-ROI content type, a budget
overrun and a missed 边现 target on D3.
"""

from __future__ import annotations

import datetime as dt

from core.documents.models import ChecklistItem, ExecutionTemplateInput, KpiTarget, MixPart, TimeWindow
from core.retro.models import MetricComparison, Shortfall

LESSONS: dict[str, tuple[int, str]] = {
    "low_roi_position": (5, "watch_position"),
    "low_roi_content": (3, "watch_content"),
    "budget_overrun": (3, "watch_budget"),
    "arpu_target_missed": (3, "watch_target"),
}
ADDITIVE_METRICS: tuple[str, ...] = ("revenue", "dau")


def build_template(
    *,
    title: str,
    based_on: str,
    start: dt.date,
    end: dt.date,
    segment: str | None,
    content: dict[str, float],
    positions: list[str],
    discount: str | None,
    budget: float | None,
    target_arpu_lift: float | None,
    roi: float | None,
    metrics: list[MetricComparison],
    shortfalls: list[Shortfall],
) -> ExecutionTemplateInput:
    days = (end - start).days + 1
    return ExecutionTemplateInput(
        title=title,
        segment=segment,
        content_mix=[MixPart(name=name, share=share) for name, share in content.items()],
        positions=positions,
        time_windows=[TimeWindow(start=start, end=end)],
        duration_days=days,
        discount=discount,
        budget=budget,
        kpi_targets=_kpi_targets(metrics, days, target_arpu_lift, roi),
        checklist=[
            ChecklistItem(day=LESSONS[s.code][0], code=LESSONS[s.code][1], subject=s.subject)
            for s in shortfalls
            if s.code in LESSONS
        ],
        based_on=based_on,
        prepared_on=end,
    )


def _kpi_targets(
    metrics: list[MetricComparison], days: int, target_arpu_lift: float | None, roi: float | None
) -> list[KpiTarget]:
    targets = []
    for m in metrics:
        if m.metric not in ("arpu", "revenue", "dau", "conversion"):
            continue
        baseline = m.before / days if m.metric in ADDITIVE_METRICS else m.before
        achieved = m.lift if m.lift is not None and m.lift > 0 else None
        lift = target_arpu_lift if m.metric == "arpu" and target_arpu_lift is not None else achieved
        value = baseline * (1 + lift) if lift is not None else None
        targets.append(KpiTarget(metric=m.metric, baseline=baseline, target_lift=lift, target_value=value))
    if roi is not None:
        targets.append(KpiTarget(metric="roi", target_value=max(1.0, roi)))
    return targets
