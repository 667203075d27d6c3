"""The JSON contract of a scan: what the bot, the scheduler and the LLM layer consume."""

from __future__ import annotations

from typing import Any

from core.detection.models import Alert, ScanResult


def alerts_to_json(result: ScanResult) -> list[dict[str, Any]]:
    """Alerts (``notify: true``) then explained moves (``notify: false``), each most important first."""
    return [_alert_json(a, notify=True) for a in result.alerts] + [
        _alert_json(a, notify=False) for a in result.explained
    ]


def _alert_json(alert: Alert, notify: bool) -> dict[str, Any]:
    return {
        "date": alert.date.isoformat(),
        "metric": alert.metric,
        "metric_label": alert.metric_label,
        "scope": dict(alert.scope),
        "value": alert.value,
        "expected": alert.expected,
        "lower": alert.lower,
        "upper": alert.upper,
        "pct_change": alert.pct_change,
        "z": alert.z,
        "severity": alert.severity,
        "direction": alert.direction,
        "notify": notify,
        "explained_by": alert.explained_by,
        "root_causes": [{"slice": dict(rc.slice), "share": float(rc.share)} for rc in alert.root_causes],
        "folded": [f.model_dump() for f in alert.folded],
        "led_by": alert.metric,  # the incident's driver in the metric tree (its headline)
        "follows": _follows(alert),
        "calendar_notes": list(alert.calendar_notes),
        "calendar_provisional": alert.calendar_provisional,
    }


def _follows(alert: Alert) -> list[str]:
    """The other metrics of the incident, folded under its driver (revenue under DAU or 边现, …)."""
    return list(dict.fromkeys(f.metric for f in alert.folded if f.metric and f.metric != alert.metric))
