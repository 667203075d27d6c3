"""initial schema: cube, segments, campaigns, resources, imports

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("strategy_tag", sa.String(length=128), nullable=False),
        sa.Column("target_segment", sa.String(length=128), nullable=False),
        sa.Column("content_mix", sa.String(length=256), nullable=False),
        sa.Column("resource_positions", sa.String(length=512), nullable=False),
        sa.Column("discount", sa.String(length=128), nullable=False),
        sa.Column("budget_planned", sa.Float(), nullable=True),
        sa.Column("budget_used", sa.Float(), nullable=False),
        sa.Column("target_arpu_lift", sa.Float(), nullable=True),
        sa.Column("revenue_lift", sa.Float(), nullable=False),
        sa.Column("arpu_lift", sa.Float(), nullable=False),
        sa.Column("roi", sa.Float(), nullable=False),
        sa.Column("success_factors", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("tokens", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    op.create_table(
        "cube_dimension",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "metric_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("dims", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "resource_capacity",
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("max_capacity", sa.Float(), nullable=False),
        sa.Column("cost_per_10k", sa.Float(), nullable=False),
        sa.Column("elasticity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_table(
        "segment",
        sa.Column("segment", sa.String(length=128), nullable=False),
        sa.Column("active_level", sa.String(length=64), nullable=False),
        sa.Column("membership_status", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_preference", sa.String(length=256), nullable=False),
        sa.Column("avg_watch_minutes", sa.Float(), nullable=False),
        sa.Column("price_sensitivity", sa.String(length=16), nullable=False),
        sa.Column("historical_cvr", sa.Float(), nullable=False),
        sa.Column("avg_arpu_contribution", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("segment"),
    )
    op.create_table(
        "metric_fact",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("dau", sa.Float(), nullable=False),
        sa.Column("revenue", sa.Float(), nullable=False),
        sa.Column("new_members", sa.Float(), nullable=False),
        sa.Column("renew_members", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["metric_series.id"],
        ),
        sa.PrimaryKeyConstraint("series_id", "date"),
    )
    with op.batch_alter_table("metric_fact", schema=None) as batch_op:
        batch_op.create_index("ix_metric_fact_date", ["date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("metric_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_fact_date")

    op.drop_table("metric_fact")
    op.drop_table("segment")
    op.drop_table("resource_capacity")
    op.drop_table("metric_series")
    op.drop_table("import_run")
    op.drop_table("cube_dimension")
    op.drop_table("campaign")
