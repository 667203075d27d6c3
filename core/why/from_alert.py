"""The facts of one alert of the scan, in the shape the explanation narrator reads (:class:`WhyFacts`)."""

from __future__ import annotations

import math

from core.cube import METRICS
from core.detection.models import Alert
from core.why.build import mix_rate_facts, why_slice
from core.why.models import WhyFacts
from core.why.periods import day_period


def facts_from_alert(alert: Alert, language: str = "zh") -> WhyFacts:
    """The alert's value against the detection baseline, its root-cause slices and calendar notes."""
    definition = METRICS[alert.metric]
    change = alert.value - alert.expected
    return WhyFacts(
        metric=alert.metric,
        metric_label=definition.label(language),
        unit=definition.unit,
        is_ratio=definition.is_ratio,
        scope=dict(alert.scope),
        period=day_period(alert.date),
        comparison="expected",
        value=alert.value,
        baseline=alert.expected,
        change=change,
        pct_change=alert.pct_change if math.isfinite(alert.pct_change) else None,
        direction=alert.direction,
        expected=alert.expected,
        lower=alert.lower,
        upper=alert.upper,
        pct_vs_expected=alert.pct_change if math.isfinite(alert.pct_change) else None,
        slices=[why_slice(r) for r in alert.root_causes],
        explained_share=float(sum(r.share for r in alert.root_causes)),
        mix_rate=mix_rate_facts(alert.mix_rate),
        calendar_notes=list(alert.calendar_notes),
        severity=alert.severity,
        z=alert.z,
        explained_by=alert.explained_by,
    )
