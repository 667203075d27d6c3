"""``retro_as_campaign``: the campaign record a saved retro adds to the experience library.

A campaign retro keeps the campaign's own record and fills what it lacked (lifts, ROI) from the
measurement, and every saved retro writes what it measured into the ``measured_*`` columns beside the
recorded outcome (the counterfactual lift where one was fitted): the planners learn from it
(``core.planning.outcomes``) and /search shows it beside the recorded one; a date-range retro becomes a new record ``R<start>-<end>`` describing the period: the
overlapping campaign with the largest budget gives segment, mix, positions and discount (empty
when no campaign ran), the measured lifts and ROI its outcome. ``success_factors`` and ``notes`` are
short factual Chinese sentences (the library is searched in Chinese).
"""

from __future__ import annotations

from typing import Any

from core.documents.models import CampaignRecord
from core.importing import POSITION_JOINER, content_mix_text
from core.retro.build import range_id
from core.retro.counterfactual import incremental_roi
from core.retro.models import RetroFacts

CAMPAIGN_COLUMNS: tuple[str, ...] = tuple(CampaignRecord.model_fields)
FACTOR_DRIVERS = 2


def retro_as_campaign(facts: RetroFacts) -> dict[str, Any]:
    """One row with exactly the campaign columns (in the import's order)."""
    template = facts.template
    record: dict[str, Any] = dict(facts.campaign or {})
    plan = facts.plan
    if facts.target.kind == "range":
        record = {
            "campaign_id": range_id(facts.target.start, facts.target.end),
            "name": f"复盘 {facts.title}",
            "start_date": facts.target.start,
            "end_date": facts.target.end,
            "strategy_tag": "复盘",
            "target_segment": template.segment or "全部",
            "content_mix": content_mix_text({p.name: p.share for p in template.content_mix}),
            "resource_positions": POSITION_JOINER.join(template.positions),
            "discount": template.discount or "",
            "budget_planned": None,
            "budget_used": facts.cost,
            "target_arpu_lift": None,
        }
    record.setdefault("revenue_lift", None)
    record.setdefault("arpu_lift", None)
    record.setdefault("roi", None)
    if record["arpu_lift"] is None:
        record["arpu_lift"] = _rounded(plan.measured_arpu_lift)
    if record["revenue_lift"] is None:
        record["revenue_lift"] = _rounded(plan.measured_revenue_lift)
    if record["roi"] is None:
        record["roi"] = _rounded(plan.measured_roi, 2)
    record["success_factors"] = _join(record.get("success_factors"), _factors(facts))
    record["notes"] = _join(record.get("notes"), _summary(facts))
    record.update(measured_outcome(facts))
    return {column: record.get(column) for column in CAMPAIGN_COLUMNS}


def measured_outcome(facts: RetroFacts) -> dict[str, Any]:
    """What the retro measured, kept beside the recorded outcome: the lift against the counterfactual where
    one was fitted (its ROI = incremental revenue / spend), else the comparison with the period before."""
    lift = facts.counterfactual
    arpu = lift.metrics.get("arpu") if lift is not None else None
    if lift is not None and arpu is not None:
        revenue = lift.metrics.get("revenue")
        roi = incremental_roi(lift, facts.cost)
        return {
            "measured_arpu_lift": _rounded(arpu.lift),
            "measured_revenue_lift": _rounded(revenue.lift) if revenue is not None else None,
            "measured_roi": _rounded(roi["estimate"], 2) if roi else None,
            "measured_verdict": lift.verdict,
            "measured_method": lift.method,
        }
    plan = facts.plan
    return {
        "measured_arpu_lift": _rounded(plan.measured_arpu_lift),
        "measured_revenue_lift": _rounded(plan.measured_revenue_lift),
        "measured_roi": _rounded(plan.measured_roi, 2),
        "measured_verdict": None,
        "measured_method": "pre_period",
    }


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _join(existing: Any, addition: str) -> str:
    existing = str(existing or "").strip()
    return f"{existing}；{addition}" if existing and addition else existing or addition


def _factors(facts: RetroFacts) -> str:
    parts = []
    for dimension, values in facts.drivers.items():
        for driver in values[:FACTOR_DRIVERS]:
            if driver.share is not None and driver.share > 0 and driver.change > 0:
                parts.append(f"{dimension}={driver.value}贡献收入增量{driver.share:.0%}")
    if facts.roi_by_position:
        best = facts.roi_by_position[0]
        parts.append(f"资源位ROI最高：{best.value}（{best.roi:.2f}）")
    return "；".join(parts)


def _summary(facts: RetroFacts) -> str:
    arpu, revenue = facts.metric("arpu"), facts.metric("revenue")
    text = f"复盘（{facts.target.start}~{facts.target.end} 对比前{facts.target.days}天）：边现"
    text += f"{arpu.lift:+.1%}" if arpu.lift is not None else "无基线"
    text += f"，收入{revenue.lift:+.1%}" if revenue.lift is not None else ""
    if facts.plan.target_arpu_lift is not None:
        verdict = "达成" if facts.plan.arpu_target_met else "未达成"
        text += f"，边现目标{facts.plan.target_arpu_lift:.0%}{verdict}"
    return text + "。" + _counterfactual_summary(facts)


def _counterfactual_summary(facts: RetroFacts) -> str:
    """ "对比无活动的反事实：边现 +8.2%（80%：+5.1%~+11.0%），有效。" (empty without a measured lift)."""
    lift = facts.counterfactual
    arpu = lift.metrics.get("arpu") if lift is not None else None
    if lift is None or arpu is None:
        return ""
    verdict = {"effective": "有效", "no_effect": "无显著效果"}.get(lift.verdict, "无法判断")
    return f"对比无活动的反事实：边现{arpu.lift:+.1%}（80%：{arpu.lift_low:+.1%}~{arpu.lift_high:+.1%}），{verdict}。"
