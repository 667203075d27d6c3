"""Inputs of the downloadable documents: small pydantic models that handlers (or the retro) fill in.

All values are facts (numbers, names, dates); the renderers own every sentence and label, in zh and en.
Fractions (lifts, shares) are stored as fractions (0.12 = 12 %), money in 元.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from pydantic import BaseModel, Field


class MixPart(BaseModel):
    """One content type of a content mix and its share of the mix (0–1)."""

    name: str
    share: float


class KpiTarget(BaseModel):
    """A KPI to watch: its metric code (a ``core.cube.METRICS`` name, or ``roi``), baseline and target.

    ``baseline`` is the daily value before the campaign, ``target_lift`` the relative lift aimed at and
    ``target_value`` the value to reach (``baseline × (1 + target_lift)`` when both are known).
    """

    metric: str
    baseline: float | None = None
    target_lift: float | None = None
    target_value: float | None = None


class ChecklistItem(BaseModel):
    """An extra check on a milestone day (1, 3, 5 or 7): a code the renderer phrases, plus its subject."""

    day: int = Field(ge=1)
    code: str
    subject: str = ""


class TimeWindow(BaseModel):
    """A period the plan runs in (for a reusable template: the period it was proven in)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class ExecutionTemplateInput(BaseModel):
    """The fields of a reusable execution plan: who, what, where, when, at what price, towards which KPIs."""

    title: str = ""
    segment: str | None = None
    content_mix: list[MixPart] = Field(default_factory=list)
    positions: list[str] = Field(default_factory=list)
    time_windows: list[TimeWindow] = Field(default_factory=list)
    duration_days: int | None = Field(None, ge=1)
    discount: str | None = None
    budget: float | None = None
    kpi_targets: list[KpiTarget] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    based_on: str | None = Field(None, description="Campaign or retro id the template was drawn from.")
    prepared_on: dt.date | None = None


class RootCauseShare(BaseModel):
    """A root-cause slice of an explanation and the share of the deviation it carries."""

    slice: dict[str, str]
    share: float
    actual: float | None = None
    expected: float | None = None


class ActionItem(BaseModel):
    """An action to take; owner and deadline stay blank for the team to fill in."""

    action: str
    owner: str = ""
    deadline: str = ""


class ActionChecklistInput(BaseModel):
    """What the action checklist of an explained anomaly needs."""

    title: str
    metric: str
    date: dt.date
    actual: float | None = None
    expected: float | None = None
    causes: list[str] = Field(default_factory=list)
    actions: list[ActionItem] = Field(default_factory=list)
    slices: list[RootCauseShare] = Field(default_factory=list)


class CampaignRecord(BaseModel):
    """One row of the campaign library (the columns of the campaigns import)."""

    campaign_id: str
    name: str = ""
    start_date: dt.date
    end_date: dt.date
    strategy_tag: str = ""
    target_segment: str = ""
    content_mix: str = ""
    resource_positions: str = ""
    discount: str = ""
    budget_planned: float | None = None
    budget_used: float | None = None
    target_arpu_lift: float | None = None
    revenue_lift: float | None = None
    arpu_lift: float | None = None
    roi: float | None = None
    success_factors: str = ""
    notes: str = ""
    measured_arpu_lift: float | None = None  # what a saved retro measured (counterfactual, else pre-period)
    measured_revenue_lift: float | None = None
    measured_roi: float | None = None
    measured_verdict: str | None = None
    measured_method: str | None = None


class ReuseTemplateInput(BaseModel):
    """A past campaign proposed for reuse, with the suggestion of how to adapt it."""

    campaign: CampaignRecord
    suggestion: list[str] = Field(default_factory=list)
    template: ExecutionTemplateInput | None = None
    prepared_on: dt.date | None = None


class Document(BaseModel):
    """A rendered file: its name (which says what and when), title, media type and bytes."""

    filename: str
    ascii_filename: str
    title: str
    media_type: str
    content: bytes

    @property
    def content_disposition(self) -> str:
        """An ``attachment`` header value with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename)}"
