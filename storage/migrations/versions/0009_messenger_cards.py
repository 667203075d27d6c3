"""DingTalk/WeCom interactive alert cards and the group an alert command was bound in

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messenger_binding",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("bound_by", sa.String(length=256), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "purpose"),
    )
    op.create_table(
        "messenger_card",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("card_id", sa.String(length=128), nullable=False),
        sa.Column("alert_key", sa.String(length=760), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=512), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "card_id"),
    )
    op.create_index("ix_messenger_card_alert", "messenger_card", ["platform", "alert_key"])


def downgrade() -> None:
    op.drop_index("ix_messenger_card_alert", table_name="messenger_card")
    op.drop_table("messenger_card")
    op.drop_table("messenger_binding")
