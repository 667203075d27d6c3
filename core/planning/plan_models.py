"""Fact models of ``/strategy`` and ``/budget``: the chosen levers, the allocation and the KPI forecast."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.planning.facts import Estimate, Fact
from core.planning.goal_models import GoalSpec


class SegmentChoice(BaseModel):
    segment: str
    size: float | None = None
    historical_cvr: float | None = None
    avg_arpu_contribution: float | None = None
    price_sensitivity: str | None = None
    score: float
    reasons: list[Fact]


class ContentMixChoice(BaseModel):
    mix: dict[str, float]
    text: str
    reasons: list[Fact]
    source_campaign_ids: list[str] = Field(default_factory=list)


class TimeWindow(BaseModel):
    code: str = Field(description="weekend | weekday_evening")
    index: float = Field(description="Mean DAU on those days / mean DAU on all days.")


class TimingFacts(BaseModel):
    weekday_index: list[float] = Field(description="DAU per weekday / overall mean, Monday first.")
    best_weekdays: list[int] = Field(description="Top 3 weekdays, 0 = Monday.")
    windows: list[TimeWindow]
    days_used: int


class DiscountChoice(BaseModel):
    discount: str
    price_sensitivity: str | None
    reasons: list[Fact]


class PositionAllocation(BaseModel):
    """One resource position in a plan. ``usage`` is the share of the position's inventory bought."""

    position: str
    budget: float
    budget_share: float
    usage: float
    max_capacity: float
    capacity_used: float = Field(description="usage / max_capacity")
    inventory: float = Field(description="Exposures available over the plan's days.")
    cost_per_10k: float
    elasticity: float
    response: float
    marginal_response: float = Field(description="d response / d usage at this usage.")
    warning: str | None = Field(None, description="capacity_near_limit | usage_clipped")


class Neighbour(BaseModel):
    """A past campaign the estimate learned from, with its own outcome and the transferred one."""

    campaign_id: str
    name: str | None = None
    similarity: float
    weight: float
    components: dict[str, float]
    roi: float
    arpu_lift: float
    revenue_lift: float
    response_ratio: float
    transferred_roi: float
    transferred_arpu_lift: float
    transferred_revenue_lift: float


class KpiForecast(BaseModel):
    arpu_lift: Estimate
    revenue_lift: Estimate
    roi: Estimate
    confidence: float = Field(ge=0, le=1)
    n_neighbours: int
    effective_n: float
    mean_similarity: float


class BudgetSimulation(BaseModel):
    content_ratio: dict[str, float]
    segment: str | None
    discount: str | None
    days: int
    budget: float
    budget_used: float
    positions: list[PositionAllocation]
    kpi: KpiForecast | None
    neighbours: list[Neighbour]
    warnings: list[Fact]


class StrategyFacts(BaseModel):
    spec: GoalSpec
    segments: list[SegmentChoice]
    content: ContentMixChoice
    timing: TimingFacts
    discount: DiscountChoice
    budget: float
    budget_source: str = Field(description="given | history_median")
    horizon_days: int
    positions: list[PositionAllocation]
    kpi: KpiForecast | None
    neighbours: list[Neighbour]
    risks: list[Fact]


class BudgetInput(BaseModel):
    """Parsed ``/budget`` arguments. ``content_ratio`` sums to 1; usage is a share of inventory (0–1)."""

    content_ratio: dict[str, float]
    position_usage: dict[str, float]
    budget: float
    days: int = 30
    segment: str | None = None
    discount: str | None = None
    raw: str = ""
