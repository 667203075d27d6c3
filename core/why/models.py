"""The facts of one explanation: numbers, root-cause slices, mix/rate split, calendar notes and alerts.

These models are the only source of numbers for the ``/why`` card, the alert card and the ``Explanation``
narrative (the AI engine's number guard checks every figure the model writes against them). Fractions
(shares, changes) are stored as fractions: 0.12 = 12 %.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

PeriodKind = Literal["day", "week", "range"]
Comparison = Literal["same_weekday", "previous_period", "expected"]


class WhyPeriod(BaseModel):
    """The explained days and the comparable days they are measured against (same length)."""

    kind: PeriodKind
    start: dt.date
    end: dt.date
    baseline_start: dt.date
    baseline_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def baseline_dates(self) -> list[dt.date]:
        return [self.baseline_start + dt.timedelta(days=i) for i in range(self.days)]


class WhySlice(BaseModel):
    """A root-cause slice: its dimension values, its share of the change and the metric inside it."""

    slice: dict[str, str]
    share: float
    actual: float | None = None
    expected: float | None = None
    change: float | None = None  # actual / expected - 1 inside the slice
    z: float | None = None  # the slice's own change against its own noise (core.why.significance)
    significant: bool | None = None  # None: not assessed (a cause as far as we know)


class WhyMixRate(BaseModel):
    """A ratio metric's change split into mix (composition) and rate (the ratio itself) along dimensions."""

    dimensions: list[str]
    total_change: float
    mix: float
    rate: float
    mix_share: float  # mix / total_change (rate_share = 1 - mix_share)
    rate_share: float


class WhyAlert(BaseModel):
    """One alert of the scan on the explained days (the card lists them)."""

    date: dt.date
    metric: str
    metric_label: str
    scope: dict[str, str]
    value: float
    expected: float
    pct_change: float
    severity: str
    direction: str
    root_causes: list[WhySlice] = Field(default_factory=list)


class WhyTrend(BaseModel):
    """The metric's daily values up to the period's end, with the detection band where it can be scored."""

    dates: list[dt.date]
    values: list[float | None]
    expected: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    anomalies: list[int] = Field(default_factory=list)  # indexes of days outside the band


class WhyFacts(BaseModel):
    """One metric's change over ``period`` (within ``scope``) against its baseline, and why."""

    metric: str
    metric_label: str
    unit: str = ""
    is_ratio: bool
    scope: dict[str, str] = Field(default_factory=dict)
    period: WhyPeriod
    comparison: Comparison
    daily_average: bool = False  # additive metric over a week: values are per-day averages
    value: float
    baseline: float
    change: float  # value - baseline
    pct_change: float | None  # value / baseline - 1 (None when the baseline is 0)
    direction: Literal["up", "down", "flat"]
    expected: float | None = None  # detection baseline of the day (day periods)
    lower: float | None = None
    upper: float | None = None
    pct_vs_expected: float | None = None
    slices: list[WhySlice] = Field(default_factory=list)
    explained_share: float = 0.0
    mix_rate: WhyMixRate | None = None
    calendar_notes: list[str] = Field(default_factory=list)
    baseline_calendar_notes: list[str] = Field(default_factory=list)
    alerts: list[WhyAlert] = Field(default_factory=list)
    severity: str | None = None  # set when the facts describe one alert
    z: float | None = None  # the alert's calibrated score, or the change's z against its own history
    within_normal_range: bool | None = None  # None: too little history to tell
    normal_low: float | None = None  # a period's normal range: the baseline moved by the comparison's usual
    normal_high: float | None = None  # change ± Z_NORMAL of its noise (a day with a band: lower/upper)
    explained_by: str | None = None  # a benign explanation of the scan (denominator, calendar)
