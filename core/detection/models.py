"""Result models of the anomaly scan (pydantic, JSON-serialisable)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.detection.config import DetectionConfig
from core.detection.metric_tree import TreeMove


class RootCause(BaseModel):
    """One slice that explains part of a move, with its share of the deviation (from ``core.rootcause``),
    and its own move against its own noise (``core.detection.slice_noise``)."""

    slice: dict[str, str]
    share: float
    actual: float | None = None  # the metric inside the slice on the alert day
    expected: float | None = None
    change: float | None = None  # actual / expected - 1
    z: float | None = None
    significant: bool | None = None  # None: not assessed (a cause as far as we know)


Severity = Literal["minor", "moderate", "severe"]
Direction = Literal["up", "down"]
SEVERITY_RANK: dict[str, int] = {"minor": 1, "moderate": 2, "severe": 3}


class FoldedSlice(BaseModel):
    """A slice anomaly that only mirrors the total (same metric and direction, proportional move)."""

    scope: dict[str, str]
    value: float
    expected: float
    z: float
    pct_change: float
    metric: str | None = None  # set when the folded finding is on another metric than its leader


class Alert(BaseModel):
    """One anomalous (date, metric, scope); ``explained_by`` set means "reported, not notifying"."""

    date: dt.date
    metric: str
    metric_label: str
    scope: dict[str, str] = Field(default_factory=dict)  # {} for the total
    value: float
    expected: float
    lower: float
    upper: float
    pct_change: float
    z: float  # calibrated, multiple-testing adjusted score
    z_raw: float  # the robust z before calibration and adjustment
    severity: Severity
    direction: Direction
    explained_by: str | None = None
    denominator_share: float | None = None  # ratio metrics: share of the move due to the denominator
    root_causes: list[RootCause] = Field(default_factory=list)
    mix_rate: dict[str, Any] | None = None
    root_cause_note: str | None = None
    calendar_notes: list[str] = Field(default_factory=list)
    calendar_provisional: bool = False
    folded: list[FoldedSlice] = Field(default_factory=list)
    tree: dict[str, TreeMove] = Field(default_factory=dict)  # every scanned metric of the scope that day


class DateStatus(BaseModel):
    date: dt.date
    status: Literal["ok", "not_enough_data"]
    reason: str | None = None
    calendar_notes: list[str] = Field(default_factory=list)
    calendar_provisional: bool = False


class PanelMetric(BaseModel):
    """One metric of the whole cube on one scored day (see ``core.detection.panel``)."""

    date: dt.date
    metric: str
    value: float
    expected: float | None
    lower: float | None
    upper: float | None
    change: float | None  # value / expected - 1
    state: Literal["normal", "alert", "explained"]
    severity: str | None = None  # of the alert, when state is "alert"


class ScanResult(BaseModel):
    dates: list[dt.date]
    alerts: list[Alert]  # notify these, most important first
    explained: list[Alert]  # real moves with a benign explanation: report, do not notify
    panel: list[PanelMetric] = Field(default_factory=list)  # DAU/收入/边现/转化率 of the total per scored day
    statuses: list[DateStatus]
    series_scored: int  # series (metric x scope) in the scan
    scopes: list[dict[str, str]]
    settings: DetectionConfig
    language: Literal["zh", "en"] = "zh"

    def status_of(self, day: dt.date) -> DateStatus:
        return next(s for s in self.statuses if s.date == day)


def importance(alert: Alert) -> tuple[int, int, float]:
    """Sort key, most important first: severity, then the total before slices, then |z|."""
    return (-SEVERITY_RANK[alert.severity], 1 if alert.scope else 0, -abs(alert.z))
