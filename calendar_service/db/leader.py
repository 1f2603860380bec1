"""Which scheduler leads: the lock only one process holds at a time.

PostgreSQL: a session-level advisory lock on a connection of its own, held for
as long as the process lives (``pg_try_advisory_lock``). When the leader dies,
even by kill -9, its connection closes and PostgreSQL releases the lock; TCP
keepalives on that connection (both ends) let PostgreSQL notice a vanished
host within about half a minute too. The connection's ``application_name``
names the leader, so a standby can say who it waits for.

SQLite: an exclusive ``flock`` on a file next to the database (``<file>.scheduler.lock``),
which the kernel releases when the process dies; it holds the leader's name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .engine import Database, lock_key

SCHEDULER = "scheduler"
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


class LeaderLock:
    def __init__(self, database: Database, me: str, name: str = SCHEDULER):
        self.database, self.me, self.name = database, me, name
        self.key = lock_key(name)
        self._connection: Connection | None = None
        self._file: int | None = None
        self._engine: Engine | None = None
        self.path = lock_path(database, name)

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this process holds it now."""
        if self.held:
            return True
        if self.database.is_sqlite:
            return self._acquire_file()
        return self._acquire_advisory()

    def _acquire_file(self) -> bool:
        if self.path is None:  # an in-memory database belongs to one process anyway
            self._file = -1
            return True
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        os.ftruncate(handle, 0)
        os.write(handle, self.me.encode())
        self._file = handle
        return True

    def _acquire_advisory(self) -> bool:
        if self._engine is None:
            self._engine = create_engine(
                self.database.engine.url,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args={
                    "application_name": f"calendar-service {self.name} {self.me}"[:63],
                    **KEEPALIVE,
                },
            )
        try:
            connection = self._engine.connect()
        except SQLAlchemyError:
            return False
        try:
            for setting, value in (("idle", 10), ("interval", 5), ("count", 3)):
                connection.exec_driver_sql(f"SET tcp_keepalives_{setting} = {value}")
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except SQLAlchemyError:
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """A leader's check that it still leads: for PostgreSQL, its lock's
        connection still answers (the lock lives exactly as long as it does)."""
        if self._connection is None:
            return self._file is not None
        try:
            self._connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            self._drop_connection()
            return False

    def holder(self) -> str | None:
        """Who holds the lock, as far as can be seen (None: unknown or nobody)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                return self.path.read_text(encoding="utf-8").strip() or None
            return None
        if self.database.is_sqlite:
            return None
        query = text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low"
        )
        try:
            with self.database.engine.connect() as connection:
                name = connection.execute(
                    query, {"high": (self.key >> 32) & 0xFFFFFFFF, "low": self.key & 0xFFFFFFFF}
                ).scalar()
        except SQLAlchemyError:
            return None
        prefix = f"calendar-service {self.name} "
        return name[len(prefix) :] if name and name.startswith(prefix) else name

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                connection.close()

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._drop_connection()
        if self._file is not None:
            if self._file >= 0:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                os.close(self._file)
            self._file = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def lock_path(database: Database, name: str = SCHEDULER) -> Path | None:
    path = database.sqlite_path
    return path.with_name(f"{path.name}.{name}.lock") if path else None
