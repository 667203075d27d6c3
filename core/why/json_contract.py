"""The JSON contract of ``memberops why … --json``: the facts behind ``/why``, for scripts and checks.

Changes and shares are fractions (``-0.09`` = −9 %). ``change`` is relative (value / baseline − 1),
``difference`` absolute; ``z`` measures the change against the same comparison over the previous weeks
(:mod:`core.why.significance`); ``within_normal_range`` is null only when there is too little history.
"""

from __future__ import annotations

from typing import Any

from core.why.models import WhyFacts


def facts_to_json(facts: WhyFacts) -> dict[str, Any]:
    period = facts.period
    return {
        "metric": facts.metric,
        "metric_label": facts.metric_label,
        "scope": dict(facts.scope),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "baseline_start": period.baseline_start.isoformat(),
        "baseline_end": period.baseline_end.isoformat(),
        "daily_average": facts.daily_average,
        "value": facts.value,
        "baseline": facts.baseline,
        "change": facts.pct_change,
        "difference": facts.change,
        "direction": facts.direction,
        "z": facts.z,
        "within_normal_range": facts.within_normal_range,
        "expected": facts.expected,
        "lower": facts.lower,
        "upper": facts.upper,
        "root_causes": [
            {
                "slice": dict(s.slice),
                "share": s.share,
                "actual": s.actual,
                "expected": s.expected,
                "change": s.change,
                "z": s.z,
                "significant": s.significant,  # null: too little history to tell
            }
            for s in facts.slices
        ],
        "mix_rate": facts.mix_rate.model_dump() if facts.mix_rate else None,
        "calendar_notes": list(facts.calendar_notes),
        "alerts": [
            {"date": a.date.isoformat(), "metric": a.metric, "scope": dict(a.scope), "severity": a.severity}
            for a in facts.alerts
        ],
    }
