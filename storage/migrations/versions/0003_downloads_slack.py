"""Downloads offered from cards, and Slack OAuth installations / states (slack_sdk's SQLAlchemy stores)

Revision ID: 0003
Revises: 0002

The Slack tables are slack_sdk's own definitions (``SQLAlchemyInstallationStore.build_*_table`` and
``SQLAlchemyOAuthStateStore.build_oauth_states_table``) so that the stores read exactly what we create.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SLACK_INSTALLATIONS = "slack_installations"
SLACK_BOTS = "slack_bots"
SLACK_OAUTH_STATES = "slack_oauth_states"


def slack_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, SLACK_INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(metadata, SLACK_BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SLACK_OAUTH_STATES)
    return metadata


def upgrade() -> None:
    op.create_table(
        "download",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=512), nullable=False),
        sa.Column("ascii_filename", sa.String(length=512), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_download_created_at", "download", ["created_at"])
    slack_metadata().create_all(bind=op.get_bind())


def downgrade() -> None:
    slack_metadata().drop_all(bind=op.get_bind())
    op.drop_index("ix_download_created_at", table_name="download")
    op.drop_table("download")
