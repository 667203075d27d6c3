"""Fact models of a retrospective (复盘): what was planned, what the cube measured, what drove it.

Everything is a number, a code or a name; documents and the AI narrative phrase them. Lifts and shares
are fractions (0.12 = 12 %), money is in 元.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from core.documents.models import ExecutionTemplateInput
from core.retro.counterfactual import CounterfactualLift


class RetroTarget(BaseModel):
    """What to review: one campaign, or a date range (inclusive) over the whole cube."""

    kind: Literal["campaign", "range"]
    start: dt.date
    end: dt.date
    campaign_id: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class MetricComparison(BaseModel):
    """One metric during the period vs the equally long period just before (values over the whole period)."""

    metric: str
    before: float
    during: float
    change: float
    lift: float | None = Field(description="during / before - 1; None when before is 0 or unknown.")


class PlanVsActual(BaseModel):
    """The campaign's plan and recorded outcome next to what the cube measured."""

    budget_planned: float | None = None
    budget_used: float | None = None
    budget_usage: float | None = Field(None, description="budget_used / budget_planned.")
    target_arpu_lift: float | None = None
    recorded_arpu_lift: float | None = None
    measured_arpu_lift: float | None = None
    recorded_revenue_lift: float | None = None
    measured_revenue_lift: float | None = None
    recorded_roi: float | None = None
    measured_roi: float | None = Field(None, description="Measured revenue change / budget used.")
    arpu_target_met: bool | None = Field(
        None, description="Measured 边现 lift ≥ target (None without target)."
    )

    @property
    def judged_roi(self) -> float | None:
        """The ROI a retro is judged by: the recorded one when the campaign has it, else the measured one."""
        return self.recorded_roi if self.recorded_roi is not None else self.measured_roi


class DriverShare(BaseModel):
    """One value of a dimension and its part of the revenue change in scope (shares sum to 1 per dimension)."""

    dimension: str
    value: str
    revenue_before: float
    revenue_during: float
    change: float
    share: float | None = Field(description="change / total change; None when the total did not change.")


class RoiRank(BaseModel):
    """Revenue change per 元 of the cost attributed to one content type or resource position."""

    dimension: str
    value: str
    cost: float
    revenue_change: float
    roi: float
    rank: int


class Shortfall(BaseModel):
    """Something that underperformed: a code, what it concerns and the numbers behind it."""

    code: Literal[
        "arpu_target_missed",
        "roi_below_one",
        "budget_overrun",
        "budget_underused",
        "metric_declined",
        "driver_declined",
        "low_roi_position",
        "low_roi_content",
    ]
    subject: str = ""
    actual: float | None = None
    reference: float | None = None


class DailyPoint(BaseModel):
    """One day of the trend chart (the scope's totals)."""

    date: dt.date
    phase: Literal["before", "during"]
    dau: float
    revenue: float
    arpu: float | None
    conversion: float | None


class RetroFacts(BaseModel):
    """Everything a retro report is made of."""

    target: RetroTarget
    title: str
    before_start: dt.date
    before_end: dt.date
    scope: dict[str, str] = Field(description="Dimension → value the measurements are restricted to.")
    campaign: dict[str, object] | None = Field(
        None, description="The campaign record (for a campaign retro)."
    )
    overlapping_campaigns: list[str] = Field(default_factory=list)
    cost: float | None = Field(None, description="Budget attributed to the period (元).")
    metrics: list[MetricComparison]
    plan: PlanVsActual
    drivers: dict[str, list[DriverShare]]
    roi_by_content: list[RoiRank]
    roi_by_position: list[RoiRank]
    shortfalls: list[Shortfall]
    daily: list[DailyPoint]
    template: ExecutionTemplateInput
    notes: list[str] = Field(default_factory=list, description="Codes of caveats (e.g. missing_pre_period).")
    before_days: int | None = Field(None, description="Days with data in the pre-period.")
    during_days: int | None = Field(None, description="Days with data in the period.")
    counterfactual: CounterfactualLift | None = Field(
        None, description="The campaign's lift against a synthetic control (core.retro.counterfactual)."
    )

    def note_values(self) -> dict[str, int]:
        """The numbers the caveats in ``notes`` are phrased with (days with data, the period's length)."""
        length = (self.target.end - self.target.start).days + 1
        return {"before": self.before_days or 0, "during": self.during_days or 0, "length": length}

    def metric(self, name: str) -> MetricComparison:
        return next(m for m in self.metrics if m.metric == name)
