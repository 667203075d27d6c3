"""Fact models of ``/goal``: the parsed goal, the forecast, the history of lifts, difficulty and the tree."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from core.planning.facts import Fact


class GoalSpec(BaseModel):
    """A parsed goal: raise ``metric`` by ``target_lift`` (a fraction) within ``horizon_days``."""

    metric: str
    target_lift: float | None = Field(description="Fraction, 0.15 = +15 %; None when the text gave none.")
    horizon_days: int
    segment_filter: str | None = Field(description="A segment name or keyword (家庭向, family); None = all.")
    raw: str
    horizon_defaulted: bool = False
    metric_defaulted: bool = False


class ForecastPoint(BaseModel):
    date: dt.date
    value: float
    lower: float
    upper: float


class Forecast(BaseModel):
    """Daily forecast of the metric over the horizon, without any new campaign (see :mod:`forecast`)."""

    metric: str
    method: str = "calendar_profile_theta"  # core.planning.forecast.METHOD
    level: float = 0.8
    history_days: int
    trend_per_day: float = Field(description="Slope of the deseasonalised metric, in metric units per day.")
    residual_sd: float = Field(description="Standard deviation of the deseasonalised residuals.")
    weekday_index: list[float] = Field(description="Multiplicative weekday profile, Monday first.")
    points: list[ForecastPoint]
    mean: float = Field(description="Mean daily forecast over the horizon.")
    mean_lower: float
    mean_upper: float
    recent_mean: float = Field(description="Mean daily value over the last 28 observed days.")
    natural_lift: float = Field(
        description="Deseasonalised level over the horizon / over the last 28 days - 1: the change without action."
    )


class LiftDistribution(BaseModel):
    """Lifts past campaigns achieved on the goal's metric (``source`` = the campaign column used)."""

    metric: str
    source: str
    scope: Literal["segment", "all", "none"]
    n: int
    median: float | None = None
    p75: float | None = None
    p90: float | None = None
    best: float | None = None
    best_campaign_id: str | None = None
    campaign_ids: list[str] = Field(default_factory=list)


class Difficulty(BaseModel):
    """Difficulty 1–5 from where the needed lift lies among past lifts (``band``) — all facts, no prose."""

    level: int = Field(ge=1, le=5)
    band: str
    target_lift: float
    natural_lift: float
    needed_lift: float = Field(description="(1 + target) / (1 + natural_lift) - 1: what a campaign must add.")
    percentile: float | None = Field(description="Share of past lifts below the needed lift.")
    thresholds: dict[str, float]


class DecompositionNode(BaseModel):
    """One node of the goal tree.

    * ``kind`` – ``total`` (the goal's metric), ``factor`` (a multiplicative factor of its parent) or
      ``segment`` (a part of its parent);
    * ``current`` – the value over the baseline window (daily mean for additive metrics, ratio of sums for
      ratios);
    * ``share`` – for a segment, its share of the parent (its revenue, or its DAU for a ratio metric);
    * ``change_share`` – for a factor, its share of the parent's log-change against the prior window;
    * ``required`` / ``required_lift`` – the value (and lift) the node needs if the whole target came from it
      alone.
    """

    name: str
    kind: Literal["total", "factor", "segment"]
    metric: str
    current: float
    share: float | None = None
    change_share: float | None = None
    required: float | None = None
    required_lift: float | None = None
    children_relation: Literal["product"] | None = None
    children: list[DecompositionNode] = Field(default_factory=list, description="Factor nodes (a product).")
    segments_relation: Literal["sum", "weighted_mean"] | None = None
    segments: list[DecompositionNode] = Field(default_factory=list, description="Segment nodes.")


class GoalAssessment(BaseModel):
    spec: GoalSpec
    segments: list[str] = Field(description="Segments the goal covers (all when no filter).")
    segment_column: str | None
    window_start: dt.date
    window_end: dt.date
    baseline: float = Field(description="Metric over the last 28 days: daily mean, or ratio of sums.")
    target_value: float
    forecast: Forecast
    history: LiftDistribution
    difficulty: Difficulty
    risks: list[Fact]
    decomposition: DecompositionNode
