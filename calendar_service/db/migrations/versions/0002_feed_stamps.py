"""The feeds' stamps: content digest, SEQUENCE and DTSTAMP of every UID.

Shared by every instance instead of each feeds directory's .state.json; a
directory's .state.json is imported by its next build.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_stamps",
        sa.Column("uid", sa.String, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("dtstamp", sa.String(32), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.create_index("ix_calendar_stamps_generation", "calendar_stamps", ["generation"])


def downgrade() -> None:
    op.drop_index("ix_calendar_stamps_generation", table_name="calendar_stamps")
    op.drop_table("calendar_stamps")
