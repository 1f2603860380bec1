"""The alert ledger: one row per (kind, subscriber, occurrence, lead time), so
that each alert and each weekly digest goes out once.

Claiming is atomic: a row is inserted in state ``claimed`` under a unique
constraint, so of two runs (or two instances sharing PostgreSQL) only one
wins; the loser's insert fails and it moves on. A failed delivery is recorded
(``failed``, attempts, last error, next attempt) and claimed again by a later
run with a conditional UPDATE that only one run can win. A row left
``claimed`` by a process that died is taken over after ``lease`` seconds. The
only window for a duplicate is a crash after the SMTP server accepted a
message and before ``mark_sent`` commits; the Message-ID is deterministic, so
such a duplicate is recognisable.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, InterfaceError, OperationalError, ProgrammingError

from ..errors import LedgerError

CLAIMED, SENT, FAILED, SUPERSEDED = "claimed", "sent", "failed", "superseded"
UNCERTAIN = "uncertain"  # handed to the server, no reply: never resent automatically
REJECTED = "rejected"  # refused for good (5xx): not retried
DISMISSED = "dismissed"  # an operator gave up on a failed or uncertain message
# What stays visible (reported by every run, non-zero exit) until delivered or dismissed.
OUTSTANDING = (FAILED, UNCERTAIN, REJECTED)
# Marker rows: the days the alerts ran, and when a subscriber was first seen
# ("late" means the service missed the day, not that the subscriber is new).
RUN, SEEN = "run", "seen"

metadata = MetaData()
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

# Beside the ledger until the schema moves under Alembic: the addresses that
# unsubscribed (one-click, RFC 8058; alerts and digests skip them), and the key
# that signs the unsubscribe links when CALENDAR_SECRET_KEY is not set
# (generated once, shared by every instance on the same database).
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


@dataclass(frozen=True)
class Key:
    kind: str
    subscriber: str
    occurrence: str
    lead_days: int

    def where(self):
        return and_(
            alerts.c.kind == self.kind,
            alerts.c.subscriber == self.subscriber.casefold(),
            alerts.c.occurrence == self.occurrence,
            alerts.c.lead_days == self.lead_days,
        )


def instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def engine_for(url: str) -> Engine:
    """An engine for the ledger and job store; creates the SQLite folder."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError(url, "not a database URL") from None
    if parsed.drivername == "postgresql":  # psycopg 3, not the SQLAlchemy default psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_setup(connection, _record):  # pragma: no cover - exercised through SQLite tests
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")

        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _guarded(method):
    """A lost database mid-run becomes one LedgerError naming the database."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            shown = make_url(self.url).render_as_string(hide_password=True)
            raise LedgerError(shown, str(error.orig or error).strip().splitlines()[0]) from error

    return wrapper


class Ledger:
    def __init__(self, url: str, lease_seconds: int = 900):
        self.url = url
        self.engine = engine_for(url)
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.me = instance_id()
        try:
            metadata.create_all(self.engine)
        except (OperationalError, ProgrammingError, IntegrityError) as error:
            # Two processes creating the table at once: the loser finds it made.
            if not self._table_exists():
                shown = make_url(url).render_as_string(hide_password=True)
                raise LedgerError(shown, str(error.orig).strip().splitlines()[0]) from None

    def _table_exists(self) -> bool:
        try:
            return inspect(self.engine).has_table(alerts.name)
        except OperationalError:
            return False

    def _insert(self, key: Key, due: dt.date, state: str, late: bool, now: dt.datetime, **extra) -> bool:
        """Insert the row unless it exists (the unique constraint decides, atomically)."""
        row = {
            "kind": key.kind,
            "subscriber": key.subscriber.casefold(),
            "occurrence": key.occurrence,
            "lead_days": key.lead_days,
            "due": due,
            "state": state,
            "late": late,
            "attempts": 0,
            "updated_at": now,
            **extra,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(alerts).values(**row))
            return True
        except IntegrityError:
            return False

    @_guarded
    def claim(self, key: Key, due: dt.date, late: bool, now: dt.datetime) -> bool:
        """Take the alert for this run; False if it is sent, superseded, or another run has it."""
        if self._insert(key, due, CLAIMED, late, now, claimed_by=self.me, claimed_at=now):
            return True
        retry = or_(
            and_(
                alerts.c.state == FAILED,
                or_(alerts.c.next_attempt_at.is_(None), alerts.c.next_attempt_at <= now),
            ),
            and_(alerts.c.state == CLAIMED, alerts.c.claimed_at < now - self.lease),
        )
        with self.engine.begin() as connection:
            result = connection.execute(
                update(alerts)
                .where(key.where(), retry)
                .values(state=CLAIMED, claimed_by=self.me, claimed_at=now, updated_at=now, late=late)
            )
            return result.rowcount == 1

    @_guarded
    def renew(self, key: Key, now: dt.datetime) -> bool:
        """Extend this process's claim before it sends; False if it is no longer ours."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(alerts)
                .where(key.where(), alerts.c.state == CLAIMED, alerts.c.claimed_by == self.me)
                .values(claimed_at=now, updated_at=now)
            )
            return result.rowcount == 1

    @_guarded
    def mark_sent(self, key: Key, message_id: str, now: dt.datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(alerts)
                .where(key.where())
                .values(
                    state=SENT,
                    message_id=message_id,
                    sent_at=now,
                    updated_at=now,
                    attempts=alerts.c.attempts + 1,
                    last_error=None,
                )
            )

    @_guarded
    def mark_failed(self, key: Key, error: str, now: dt.datetime, retry_after: dt.timedelta) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(alerts)
                .where(key.where())
                .values(
                    state=FAILED,
                    last_error=error[:2000],
                    updated_at=now,
                    attempts=alerts.c.attempts + 1,
                    next_attempt_at=now + retry_after,
                )
            )

    @_guarded
    def mark_final(self, key: Key, state: str, error: str, now: dt.datetime) -> None:
        """Record a delivery that must not be retried automatically: REJECTED
        (the server refused it for good) or UNCERTAIN (it may have arrived)."""
        assert state in (REJECTED, UNCERTAIN)
        with self.engine.begin() as connection:
            connection.execute(
                update(alerts)
                .where(key.where())
                .values(
                    state=state,
                    last_error=error[:2000],
                    updated_at=now,
                    attempts=alerts.c.attempts + 1,
                    next_attempt_at=None,
                )
            )

    @_guarded
    def outstanding(self) -> list[dict]:
        """Failed, rejected and uncertain messages, oldest first: every run reports them."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(alerts).where(alerts.c.state.in_(OUTSTANDING)).order_by(alerts.c.due, alerts.c.id)
            )
            return [dict(r._mapping) for r in rows]

    @_guarded
    def row(self, row_id: int) -> dict | None:
        with self.engine.connect() as connection:
            found = connection.execute(select(alerts).where(alerts.c.id == row_id)).first()
            return dict(found._mapping) if found else None

    @_guarded
    def take_for_resend(self, row_id: int, now: dt.datetime) -> bool:
        """An operator's resend claims a failed, rejected or uncertain row (once)."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(alerts)
                .where(alerts.c.id == row_id, alerts.c.state.in_(OUTSTANDING))
                .values(state=CLAIMED, claimed_by=self.me, claimed_at=now, updated_at=now)
            )
            return result.rowcount == 1

    @_guarded
    def dismiss(self, row_id: int, now: dt.datetime) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                update(alerts)
                .where(alerts.c.id == row_id, alerts.c.state.in_(OUTSTANDING))
                .values(state=DISMISSED, updated_at=now, next_attempt_at=None)
            )
            return result.rowcount == 1

    @_guarded
    def record_run(self, day: dt.date, now: dt.datetime) -> None:
        """Note that the alerts ran on ``day`` (a marker row)."""
        self._insert(Key(RUN, "", day.isoformat(), 0), day, SENT, False, now)

    @_guarded
    def ran_on(self, day: dt.date) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(alerts.c.id).where(Key(RUN, "", day.isoformat(), 0).where())
            ).first()
            return found is not None

    @_guarded
    def first_seen(
        self, subscribers: list[str], today: dt.date, now: dt.datetime, record: bool = True
    ) -> dict[str, dt.date]:
        """The day each subscriber was first seen by an alerts run (today for new
        ones, recorded unless ``record`` is False, as in a dry run)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(alerts.c.subscriber, alerts.c.due).where(alerts.c.kind == SEEN))
            seen = {r.subscriber: r.due for r in rows}
        for email in subscribers:
            if email.casefold() not in seen:
                if record:
                    self._insert(Key(SEEN, email, "", 0), today, SENT, False, now)
                seen[email.casefold()] = today
        return seen

    @_guarded
    def supersede(self, key: Key, due: dt.date, now: dt.datetime) -> None:
        """Record an older lead time that a later one replaces (never sent)."""
        self._insert(key, due, SUPERSEDED, True, now)

    @_guarded
    def known(self, kind: str) -> dict[tuple[str, str, int], str]:
        """State of every recorded row of a kind: (subscriber, occurrence, lead) -> state."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(alerts.c.subscriber, alerts.c.occurrence, alerts.c.lead_days, alerts.c.state).where(
                    alerts.c.kind == kind
                )
            )
            return {(r.subscriber, r.occurrence, r.lead_days): r.state for r in rows}

    @_guarded
    def attempts(self, key: Key) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(select(alerts.c.attempts).where(key.where())).scalar()
            return found or 0

    @_guarded
    def rows(self) -> list[dict]:
        """Every alert and digest row (not the RUN/SEEN markers), in order."""
        with self.engine.connect() as connection:
            query = select(alerts).where(alerts.c.kind.not_in((RUN, SEEN))).order_by(alerts.c.id)
            return [dict(r._mapping) for r in connection.execute(query)]

    def dispose(self) -> None:
        self.engine.dispose()
