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

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..db import engine_for, open_database
from ..db.schema import alerts

__all__ = ["CLAIMED", "FAILED", "SENT", "SUPERSEDED", "Key", "Ledger", "alerts", "engine_for", "instance_id"]

CLAIMED, SENT, FAILED, SUPERSEDED = "claimed", "sent", "failed", "superseded"


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


def _guarded(method):
    """A lost database mid-run becomes one LedgerError naming the database."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.database.guarded():
            return method(self, *args, **kwargs)

    return wrapper


class Ledger:
    def __init__(self, url: str, lease_seconds: int = 900):
        """The ledger in the database at ``url``, its schema brought up to date first."""
        self.url = url
        self.database = open_database(url)
        self.engine = self.database.engine
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.me = instance_id()

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
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(select(alerts).order_by(alerts.c.id))]

    def dispose(self) -> None:
        self.database.dispose()
