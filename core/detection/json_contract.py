"""The JSON contract of a scan: what the bot, the scheduler and the LLM layer consume."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.detection.models import Alert, ScanResult


def alerts_to_json(result: ScanResult, before: Sequence[Alert] = ()) -> list[dict[str, Any]]:
    """Alerts (``notify: true``, ``status: "alert"``), explained moves (``notify: false``, ``"explained"``),
    each most important first, then the series that alerted the day before a scanned day and not on it
    (``"recovered"``; ``before``: the alerts of the day before the first scanned day)."""
    return (
        [_alert_json(a, notify=True) for a in result.alerts]
        + [_alert_json(a, notify=False) for a in result.explained]
        + recovered_json(result, before)
    )


def recovered_json(result: ScanResult, before: Sequence[Alert] = ()) -> list[dict[str, Any]]:
    alerting: dict[dt.date, dict[tuple, Alert]] = {}
    for alert in [*before, *result.alerts]:
        alerting.setdefault(alert.date, {})[_series(alert)] = alert
    out = []
    for day in sorted(result.dates):
        today = alerting.get(day, {})
        for series, alert in alerting.get(day - dt.timedelta(days=1), {}).items():
            if series not in today:
                out.append(
                    {
                        "date": day.isoformat(),
                        "metric": alert.metric,
                        "metric_label": alert.metric_label,
                        "scope": dict(alert.scope),
                        "status": "recovered",
                        "notify": False,
                        "last_alert_day": alert.date.isoformat(),
                    }
                )
    return out


def _series(alert: Alert) -> tuple:
    return (alert.metric, tuple(sorted(alert.scope.items())))


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
        "status": "alert" if notify else "explained",
        "explained_by": alert.explained_by,
        "root_causes": [
            {"slice": dict(rc.slice), "share": float(rc.share), "z": rc.z, "significant": rc.significant}
            for rc in alert.root_causes
        ],
        "folded": [f.model_dump() for f in alert.folded],
        "led_by": alert.metric,  # the incident's driver in the metric tree (its headline)
        "follows": _follows(alert),
        "tree": {m: {"change": move.change, "z": move.z} for m, move in alert.tree.items()},
        "calendar_notes": list(alert.calendar_notes),
        "calendar_provisional": alert.calendar_provisional,
    }


def _follows(alert: Alert) -> list[str]:
    """The other metrics of the incident, folded under its driver (revenue under DAU or 边现, …)."""
    return list(dict.fromkeys(f.metric for f in alert.folded if f.metric and f.metric != alert.metric))
