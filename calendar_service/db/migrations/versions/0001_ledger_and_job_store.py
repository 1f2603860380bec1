"""The alert ledger and APScheduler's job store (created only if missing).

These are the tables of the release before migrations. A database that
release made (by create_all and by APScheduler) already has them, with these
very definitions: only the missing ones are created, and their rows stay.

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
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "calendar_alerts" not in existing:
        op.create_table(
            "calendar_alerts",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("subscriber", sa.String(320), nullable=False),
            sa.Column("occurrence", sa.String(200), nullable=False),
            sa.Column("lead_days", sa.Integer, nullable=False),
            sa.Column("due", sa.Date, nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("late", sa.Boolean, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("last_error", sa.Text),
            sa.Column("message_id", sa.String(250)),
            sa.Column("claimed_by", sa.String(120)),
            sa.Column("claimed_at", sa.DateTime(timezone=True)),
            sa.Column("sent_at", sa.DateTime(timezone=True)),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("kind", "subscriber", "occurrence", "lead_days", name="uq_calendar_alert"),
        )
    if "apscheduler_jobs" not in existing:
        op.create_table(
            "apscheduler_jobs",
            sa.Column("id", sa.Unicode(191), primary_key=True),
            sa.Column("next_run_time", sa.Float(25)),
            sa.Column("job_state", sa.LargeBinary, nullable=False),
        )
        op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_table("calendar_alerts")
