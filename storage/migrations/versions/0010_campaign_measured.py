"""The experience library keeps what a saved retro measured beside the recorded outcome

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("measured_arpu_lift", sa.Float()),
    ("measured_revenue_lift", sa.Float()),
    ("measured_roi", sa.Float()),
    ("measured_verdict", sa.String(length=32)),
    ("measured_method", sa.String(length=64)),
)


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        for name, _kind in COLUMNS:
            batch.drop_column(name)
