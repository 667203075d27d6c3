"""The database schema (SQLModel tables). Migrations in ``storage/migrations`` create and upgrade it.

The metric cube itself is not in the database: it is one Parquet file a day (``storage.cube_files``), and
``cube_partition`` lists the current file of each day; ``cube_dimension`` records the dimension names in file
order (they are data: they come from the imported file). ``metric_series`` and ``metric_fact`` held the cube
before version 0006 and stay only so that an older database can be moved (``adopt_legacy_cube``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
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


class CubePartition(SQLModel, table=True):
    """One day of the embedded cube: the Parquet file holding its leaf rows (``storage.cube_files``)."""

    __tablename__ = "cube_partition"

    date: dt.date = Field(primary_key=True)
    file: str = Field(max_length=255)  # relative to the cube directory
    rows: int
    dau: float | None = None
    written_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


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
    # what a saved retro measured, beside the recorded outcome (core/retro/library.py)
    measured_arpu_lift: float | None = None
    measured_revenue_lift: float | None = None
    measured_roi: float | None = None
    measured_verdict: str | None = Field(default=None, max_length=32)  # effective | no_effect | undetermined
    measured_method: str | None = Field(default=None, max_length=64)  # synthetic_control_placebo | pre_period
    tokens: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ResourceCapacity(SQLModel, table=True):
    __tablename__ = "resource_capacity"

    position: str = Field(primary_key=True, max_length=128)
    max_capacity: float
    cost_per_10k: float
    elasticity: float


class CubeSeriesCache(SQLModel, table=True):
    """A warehouse's grouped series (``CubeReader.series``) per day, kept between mornings.

    ``grouping_set`` -1 marks a day as read (``rows`` is its row count, 0 for a day without data), so that
    a gap is not asked for again; ``source_key`` names the source and mapping the rows came from."""

    __tablename__ = "cube_series_cache"
    source_key: str = Field(max_length=64, primary_key=True)
    date: dt.date = Field(primary_key=True)
    grouping_set: int = Field(primary_key=True)
    value: str = Field(max_length=512, primary_key=True)
    rows: int
    dau: float | None = None
    revenue: float | None = None
    new_members: float | None = None
    renew_members: float | None = None


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


class StoredDownload(SQLModel, table=True):
    """A document offered for download from a card (checklist, template, report): bytes kept in the database
    so that every replica can serve ``/downloads/{token}`` and Slack button clicks."""

    __tablename__ = "download"
    __table_args__ = (Index("ix_download_created_at", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    filename: str = Field(max_length=512)
    ascii_filename: str = Field(max_length=512)
    title: str = Field(max_length=512)
    media_type: str = Field(max_length=128)
    content: bytes
    created_at: dt.datetime


# -- daily alerts: lifecycle, outbox, scheduler lease (migration 0004) -----------------------------------------


def _utc_column(nullable: bool = False) -> Any:
    from sqlalchemy import DateTime

    return Column(DateTime(timezone=True), nullable=nullable)


def _unique(*columns: str, name: str) -> Any:
    from sqlalchemy import UniqueConstraint

    return UniqueConstraint(*columns, name=name)


class AlertSeriesState(SQLModel, table=True):
    """Lifecycle of one anomaly series (metric x scope, the alert's fingerprint) across days.

    An *episode* is a run of consecutive days on which the series alerts; ``episode_start`` is its first
    day. Acknowledgement silences one episode; a snooze silences the series until ``snoozed_until``;
    each false positive raises ``threshold_multiplier`` (the scope's sensitivity goes down).
    """

    __tablename__ = "alert_series"

    fingerprint: str = Field(primary_key=True, max_length=700)
    metric: str = Field(max_length=64)
    scope: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    last_seen_day: dt.date | None = None
    episode_start: dt.date | None = None
    last_notified_day: dt.date | None = None
    last_notified_severity: str | None = Field(default=None, max_length=16)
    acked_episode: dt.date | None = None
    acked_by: str | None = Field(default=None, max_length=256)
    snoozed_until: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    false_positives: int = 0
    threshold_multiplier: float = 1.0
    resolved_day: dt.date | None = None  # the day the last announced episode was seen back to normal
    updated_at: dt.datetime = Field(sa_column=_utc_column())


class AlertRecord(SQLModel, table=True):
    """One alert (date, metric, scope) and the lifecycle decision taken for it, made once per key."""

    __tablename__ = "alert_record"
    __table_args__ = (
        Index("ix_alert_record_day", "day"),
        Index("ix_alert_record_fingerprint", "fingerprint"),
    )

    key: str = Field(primary_key=True, max_length=760)
    fingerprint: str = Field(max_length=700)
    day: dt.date
    metric: str = Field(max_length=64)
    severity: str = Field(max_length=16)  # after the scope's sensitivity adjustment
    decision: str = Field(
        max_length=16
    )  # new | escalated | repeat | continuing | acked | snoozed | desensitised
    announced: bool
    alert: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the Alert as JSON
    created_at: dt.datetime = Field(sa_column=_utc_column())


class AlertFeedback(SQLModel, table=True):
    """Who pressed which alert button (acknowledge, snooze, false positive, explain more) and when."""

    __tablename__ = "alert_feedback"
    __table_args__ = (Index("ix_alert_feedback_fingerprint", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_key: str = Field(max_length=760)
    fingerprint: str = Field(max_length=700)
    action: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=64)
    user_id: str = Field(max_length=128)
    user_name: str = Field(max_length=256)
    platform: str = Field(max_length=16)
    at: dt.datetime = Field(sa_column=_utc_column())


class Delivery(SQLModel, table=True):
    """The outbox: one row per (digest, channel). Unique, so a digest is queued once per channel.

    status: pending → sending (claimed by a worker until ``claimed_until``) → sent | pending (retry) |
    failed. ``parts_sent``/``thread_ref`` checkpoint a multi-message card so that a retry resumes.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        _unique("digest_key", "channel", name="uq_delivery_digest_channel"),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    digest_key: str = Field(max_length=128)
    channel: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # digest | notice
    day: dt.date
    card: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=_utc_column())
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    parts_sent: int = 0
    thread_ref: str | None = Field(default=None, max_length=128)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: dt.datetime = Field(sa_column=_utc_column())
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    sent_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class SchedulerLease(SQLModel, table=True):
    """A named lease: only its holder runs the work it names (e.g. ``scan:2026-01-05``) until it expires."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=128)
    holder: str = Field(max_length=128)
    acquired_at: dt.datetime = Field(sa_column=_utc_column())
    expires_at: dt.datetime = Field(sa_column=_utc_column())


class SlackHomeUser(SQLModel, table=True):
    """A Slack user who opened the app's Home tab: their home is republished after every daily scan, by
    whichever process ran it (``scan --notify`` too)."""

    __tablename__ = "slack_home_user"

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    opened_at: dt.datetime = Field(sa_column=_utc_column())


class DigestRun(SQLModel, table=True):
    """What the daily job did for a day (queued, waiting for data, quiet and silent, …): ``/healthz``
    says from it why a morning had no digest."""

    __tablename__ = "digest_run"

    day: dt.date = Field(primary_key=True)
    state: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=1000)
    at: dt.datetime = Field(sa_column=_utc_column())


class MessengerBinding(SQLModel, table=True):
    """Where a messenger's alerts go when no setting names it: the group a ``绑定告警群`` command was sent in."""

    __tablename__ = "messenger_binding"

    platform: str = Field(primary_key=True, max_length=16)  # dingtalk | wecom
    purpose: str = Field(primary_key=True, max_length=32)  # alerts
    target: str = Field(max_length=256)  # DingTalk openConversationId, WeCom chatid
    bound_by: str | None = Field(default=None, max_length=256)
    at: dt.datetime = Field(sa_column=_utc_column())


class MessengerCard(SQLModel, table=True):
    """An interactive alert card sent to DingTalk or WeCom: its platform id, the alert it carries, where it went
    and its current status line (so a click, a snooze expiry or a recovery can update it)."""

    __tablename__ = "messenger_card"

    platform: str = Field(primary_key=True, max_length=16)
    card_id: str = Field(primary_key=True, max_length=128)  # DingTalk outTrackId, WeCom task_id
    alert_key: str = Field(max_length=760)
    target: str = Field(max_length=256)
    status: str | None = Field(default=None, max_length=512)
    at: dt.datetime = Field(sa_column=_utc_column())
