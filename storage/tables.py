"""The database schema (SQLModel tables). Migrations in ``storage/migrations`` create and upgrade it.

The metric cube is stored without fixed dimension columns: the dimension names are data (they come from the
imported file), so each distinct combination of dimension values is a row of ``metric_series`` (its values as
JSON plus a canonical key) and each day of it a row of ``metric_fact``. ``cube_dimension`` records the
dimension names in file order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CubeDimension(SQLModel, table=True):
    __tablename__ = "cube_dimension"

    position: int = Field(primary_key=True)
    name: str = Field(max_length=64, unique=True)


class MetricSeries(SQLModel, table=True):
    __tablename__ = "metric_series"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=1024, unique=True)
    dims: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class MetricFact(SQLModel, table=True):
    __tablename__ = "metric_fact"
    __table_args__ = (Index("ix_metric_fact_date", "date"),)

    series_id: int = Field(foreign_key="metric_series.id", primary_key=True)
    date: dt.date = Field(primary_key=True)
    dau: float
    revenue: float
    new_members: float
    renew_members: float


class Segment(SQLModel, table=True):
    __tablename__ = "segment"

    segment: str = Field(primary_key=True, max_length=128)
    active_level: str = Field(max_length=64)
    membership_status: str = Field(max_length=64)
    size: int
    content_preference: str = Field(max_length=256)
    avg_watch_minutes: float
    price_sensitivity: str = Field(max_length=16)
    historical_cvr: float
    avg_arpu_contribution: float


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"

    campaign_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=256)
    start_date: dt.date
    end_date: dt.date
    strategy_tag: str = Field(max_length=128)
    target_segment: str = Field(max_length=128)
    content_mix: str = Field(max_length=256)
    resource_positions: str = Field(max_length=512)
    discount: str = Field(max_length=128)
    budget_planned: float | None = None
    budget_used: float
    target_arpu_lift: float | None = None
    revenue_lift: float
    arpu_lift: float
    roi: float
    success_factors: str | None = None
    notes: str | None = None
    tokens: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ResourceCapacity(SQLModel, table=True):
    __tablename__ = "resource_capacity"

    position: str = Field(primary_key=True, max_length=128)
    max_capacity: float
    cost_per_10k: float
    elasticity: float


class ImportRun(SQLModel, table=True):
    """One successful import (CSV or demo), so that operators can see what data is loaded and when."""

    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    source: str = Field(max_length=1024)
    rows: int
    encoding: str | None = Field(default=None, max_length=32)
    finished_at: dt.datetime = Field(default_factory=utcnow)


class AICall(SQLModel, table=True):
    """One AI narration: latency, tokens, outcome (ok / repaired / fallback) and why."""

    __tablename__ = "ai_call"
    __table_args__ = (Index("ix_ai_call_started_at", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    section: str = Field(max_length=64)
    model: str = Field(max_length=128)
    started_at: dt.datetime
    latency_s: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    outcome: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=256)
    attempts: int = 0
    cached: bool = False


class SeenRequest(SQLModel, table=True):
    """Signatures of inbound requests already accepted: an exact replay inside the window is refused.

    Kept in the database (not in memory) so that several replicas refuse a replay sent to another one.
    """

    __tablename__ = "seen_request"
    __table_args__ = (Index("ix_seen_request_seen_at", "seen_at"),)

    key: str = Field(primary_key=True, max_length=200)
    seen_at: dt.datetime
