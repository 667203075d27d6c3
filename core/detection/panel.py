"""The day's panel: DAU, 收入, 边现 and 转化率 of the whole cube, each with its baseline, normal range and state.

Every number is the scan's own (the total's row of the scored grid), so the panel and the alerts never
disagree: ``expected``/``lower``/``upper`` are the detection baseline and band, ``state`` is ``alert`` when the
scan notifies on that metric of the total that day (directly or folded into an incident), ``explained`` when
it found a move with a benign explanation, else ``normal``.
"""

from __future__ import annotations

import datetime as dt
import math

from core.detection.engine import GridScores
from core.detection.models import Alert, PanelMetric
from core.detection.series import SeriesGrid

PANEL_METRICS: tuple[str, ...] = ("dau", "revenue", "arpu", "conversion")


def day_panel(
    day: dt.date,
    column: int,
    grid: SeriesGrid,
    scores: GridScores,
    alerts: list[Alert],
    explained: list[Alert],
) -> list[PanelMetric]:
    """The panel of one scored day (metrics the scan did not score are left out)."""
    out = []
    for metric in (m for m in PANEL_METRICS if m in grid.metrics):
        row = grid.row(metric, 0)
        value = float(grid.values[row, column])
        if not math.isfinite(value):
            continue
        expected, lower, upper = (
            _finite(a[row, column]) for a in (scores.expected, scores.lower, scores.upper)
        )
        alert = next((a for a in alerts if _on_total(a, day, metric)), None)
        state = (
            "alert"
            if alert
            else ("explained" if any(_on_total(a, day, metric) for a in explained) else "normal")
        )
        out.append(
            PanelMetric(
                date=day,
                metric=metric,
                value=value,
                expected=expected,
                lower=lower,
                upper=upper,
                change=value / expected - 1 if expected else None,
                state=state,
                severity=alert.severity if alert else None,
            )
        )
    return out


def _on_total(alert: Alert, day: dt.date, metric: str) -> bool:
    if alert.date != day:
        return False
    if not alert.scope and alert.metric == metric:
        return True
    return any(not f.scope and (f.metric or alert.metric) == metric for f in alert.folded)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
