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

# Coverage planning (planning/): the newsroom's accounts, their tokens, the
# login attempts that throttle guessing, and the coverages planned on
# occurrences with every change recorded.
users = Table(
    "calendar_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),  # casefolded
    Column("display_name", Unicode(120), nullable=False),
    Column("email", String(320)),
    Column("role", String(16), nullable=False),  # viewer, editor or admin
    Column("password_hash", String(255), nullable=False),  # argon2id, never the password
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
# API tokens (write access for editors' tools) and feed tokens (private
# installations): only a SHA-256 of the token is kept; revoked ones stay.
tokens = Table(
    "calendar_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # api or feed
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", Unicode(120)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)
login_attempts = Table(
    "calendar_login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),  # "user:<name>" or "ip:<address>"
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_calendar_login_attempts_key_at", "key", "at"),
)
# One coverage of one occurrence (entry id + the anniversary's year): kept when
# the entry leaves the registry (then listed as orphaned). ``version`` grows
# with every change: a save names the version it edited (optimistic locking).
coverages = Table(
    "calendar_coverages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("desk", Unicode(120), nullable=False, default=""),
    Column("assignees", Text, nullable=False, default="[]"),  # JSON list of usernames
    Column("format", String(32), nullable=False),
    Column("angle", Unicode(300), nullable=False, default=""),
    Column("notes", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("due", Date),
    Column("published_url", String(2000)),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Index("ix_calendar_coverages_occurrence", "entry_id", "year"),
)
coverage_history = Table(
    "calendar_coverage_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("coverage_id", Integer, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # created or updated
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changes", Text, nullable=False),  # JSON {field: [before, after]}
)
