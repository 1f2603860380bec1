"""Every table of the shared database, in one MetaData: the alert ledger, the
feeds' stamps and APScheduler's job store. The migrations under
``migrations/versions/`` create exactly these (a test compares them); a new
table or column goes here and into a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)

metadata = MetaData()

# The alert ledger: one row per (kind, subscriber, occurrence, lead time).
alerts = Table(
    "calendar_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # alert or digest
    Column("subscriber", String(320), nullable=False),
    Column("occurrence", String(200), nullable=False),  # UID stem, or the ISO week of a digest
    Column("lead_days", Integer, nullable=False),
    Column("due", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("late", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("message_id", String(250)),
    Column("claimed_by", String(120)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "subscriber", "occurrence", "lead_days", name="uq_calendar_alert"),
)

# The stamps of every published UID. ``dtstamp`` is UTC in ISO 8601 text
# ("2024-03-01T05:06:07+00:00", whole seconds): read back fast and the same on
# every database. ``generation`` grows by one with every transaction that
# writes stamps, so "did any stamp change?" is one indexed max().
stamps = Table(
    "calendar_stamps",
    metadata,
    Column("uid", String, primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("dtstamp", String(32), nullable=False),
    Column("generation", Integer, nullable=False),
    Index("ix_calendar_stamps_generation", "generation"),
)

# The addresses that unsubscribed (one-click, RFC 8058; alerts and digests skip
# them), and the key that signs the unsubscribe links when CALENDAR_SECRET_KEY
# is not set (generated once, shared by every instance on the same database).
optouts = Table(
    "calendar_optouts",
    metadata,
    Column("address", String(320), primary_key=True),  # casefolded
    Column("opted_out_at", DateTime(timezone=True), nullable=False),
)
secrets = Table(
    "calendar_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# APScheduler 3's SQLAlchemyJobStore table, column for column: the migrations
# create it, so APScheduler never runs its own CREATE TABLE (which two
# processes starting at once on PostgreSQL raced on).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
