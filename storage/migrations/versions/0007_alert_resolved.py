"""An announced anomaly episode that ended is resolved: the day it was seen back to normal

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_series") as batch:
        batch.add_column(sa.Column("resolved_day", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_series") as batch:
        batch.drop_column("resolved_day")
