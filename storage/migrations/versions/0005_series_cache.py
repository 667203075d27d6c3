"""The warehouse's grouped series, kept per day so that a morning aggregates only what changed

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cube_series_cache",
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("grouping_set", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("dau", sa.Float(), nullable=True),
        sa.Column("revenue", sa.Float(), nullable=True),
        sa.Column("new_members", sa.Float(), nullable=True),
        sa.Column("renew_members", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("source_key", "date", "grouping_set", "value"),
    )


def downgrade() -> None:
    op.drop_table("cube_series_cache")
