"""``memberops retro CAMPAIGN_ID --json``: the campaign's lift against its counterfactual, as data.

Lifts are fractions; ``incremental_revenue`` is the period's revenue minus the counterfactual's (元), with the
80 % interval of the revenue lift; ``roi`` is that divided by the campaign's spend (None without one).
"""

from __future__ import annotations

from typing import Any

from core.retro.counterfactual import incremental_revenue, incremental_roi
from core.retro.models import RetroFacts


def retro_to_json(facts: RetroFacts) -> dict[str, Any]:
    lift = facts.counterfactual
    out: dict[str, Any] = {
        "campaign_id": facts.target.campaign_id,
        "start": facts.target.start.isoformat(),
        "end": facts.target.end.isoformat(),
        "target": dict(facts.scope),
        "spend": facts.cost,
    }
    if lift is None:
        return out | {"method": None, "controls": [], "verdict": "undetermined", "reason": "not_a_campaign"}
    incremental = incremental_revenue(lift)
    return out | {
        "method": lift.method,
        "controls": list(lift.controls),
        "verdict": lift.verdict,
        "reason": lift.reason,
        "mde": lift.mde,
        "placebo_windows": lift.placebo_windows,
        "fit_days": lift.fit_days,
        "placebo_spread": lift.placebo_spread,
        "placebos_overlap_campaigns": lift.placebos_overlap_campaigns,
        "placebos_in_space": lift.placebos_in_space,
        "controls_have_campaigns": lift.controls_have_campaigns,
        "placebo_false_positive_rate": lift.placebo_false_positive_rate,
        "control_disagreement": lift.control_disagreement,
        "stratum": lift.stratum,
        "overlapping_campaigns": list(lift.overlapping_campaigns),
        "metrics": {
            name: {
                "actual": m.actual,
                "counterfactual": m.counterfactual,
                "lift": m.lift,
                "lift_low": m.lift_low,
                "lift_high": m.lift_high,
                "p_value": m.p_value,
            }
            for name, m in lift.metrics.items()
        },
        "incremental_revenue": incremental,
        "roi": incremental_roi(lift, facts.cost),
    }
