"""Daily alerts: alert lifecycle (series state, records, feedback), the delivery outbox, the scheduler lease
and APScheduler's job table

Revision ID: 0004
Revises: 0003

``apscheduler_jobs`` is created exactly as APScheduler 3's ``SQLAlchemyJobStore`` defines it (the store's
own ``create(checkfirst=True)`` then finds it and does nothing), so that Alembic owns the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_series",
        sa.Column("fingerprint", sa.String(length=700), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("last_seen_day", sa.Date(), nullable=True),
        sa.Column("episode_start", sa.Date(), nullable=True),
        sa.Column("last_notified_day", sa.Date(), nullable=True),
        sa.Column("last_notified_severity", sa.String(length=16), nullable=True),
        sa.Column("acked_episode", sa.Date(), nullable=True),
        sa.Column("acked_by", sa.String(length=256), nullable=True),
        _utc("snoozed_until", nullable=True),
        sa.Column("false_positives", sa.Integer(), nullable=False),
        sa.Column("threshold_multiplier", sa.Float(), nullable=False),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("fingerprint"),
    )
    op.create_table(
        "alert_record",
        sa.Column("key", sa.String(length=760), nullable=False),
        sa.Column("fingerprint", sa.String(length=700), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_alert_record_day", "alert_record", ["day"])
    op.create_index("ix_alert_record_fingerprint", "alert_record", ["fingerprint"])
    op.create_table(
        "alert_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_key", sa.String(length=760), nullable=False),
        sa.Column("fingerprint", sa.String(length=700), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("user_name", sa.String(length=256), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        _utc("at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_feedback_fingerprint", "alert_feedback", ["fingerprint"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_key", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at"),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        _utc("claimed_until", nullable=True),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("thread_ref", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest_key", "channel", name="uq_delivery_digest_channel"),
    )
    op.create_index("ix_delivery_status_next", "delivery", ["status", "next_attempt_at"])
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        _utc("acquired_at"),
        _utc("expires_at"),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_table("scheduler_lease")
    op.drop_index("ix_delivery_status_next", table_name="delivery")
    op.drop_table("delivery")
    op.drop_index("ix_alert_feedback_fingerprint", table_name="alert_feedback")
    op.drop_table("alert_feedback")
    op.drop_index("ix_alert_record_fingerprint", table_name="alert_record")
    op.drop_index("ix_alert_record_day", table_name="alert_record")
    op.drop_table("alert_record")
    op.drop_table("alert_series")
