"""Engines for the shared database, and the two kinds of lock every writer
uses: a transaction that holds a named exclusive lock (PostgreSQL advisory
lock; SQLite's own write lock), so that one transaction decides and the
others read what it decided.

SQLite (the embedded default) and PostgreSQL (several instances) are the
databases the service supports; any other URL is refused with one line.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

from ..errors import DatabaseError, LedgerError
from ..i18n import N_

SUPPORTED = ("sqlite", "postgresql")


def shown_url(url: str) -> str:
    """The URL as printed in messages: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def engine_for(url: str) -> Engine:
    """An engine for the ledger, the stamps and the job store; creates the SQLite folder."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError(url, "not a database URL") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise DatabaseError(
            shown_url(url),
            N_("not a supported database: use sqlite:///PATH or postgresql://USER@HOST/NAME"),
        )
    if parsed.drivername == "postgresql":  # psycopg 3, not the SQLAlchemy default psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_setup(connection, _record):  # pragma: no cover - exercised through SQLite tests
                connection.execute("PRAGMA busy_timeout=30000")
                # 64 MiB of page cache (SQLite's default is 2 MiB, taken as used): the
                # stamps of a 100k-entry registry are 1.5 million rows, and a cold
                # build's inserts spent most of their time re-reading B-tree pages.
                connection.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
                _wal(connection)

            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ArgumentError) as error:
        raise DatabaseError(
            shown_url(url),
            N_("not a supported database: use sqlite:///PATH or postgresql://USER@HOST/NAME"),
        ) from error


SQLITE_CACHE_KIB = 65536


def _wal(connection, seconds: float = 30.0) -> None:
    """Switch a new SQLite database to WAL. Two processes opening a new file at
    once both ask; SQLite answers "database is locked" at once (not after the
    busy timeout) to the one that must wait, so it asks again until it gets it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a name (PostgreSQL locks are per database)."""
    return int.from_bytes(
        hashlib.sha256(f"calendar-service:{name}".encode()).digest()[:8], "big", signed=True
    )


class Database:
    """One engine on ``url`` and what every user of the database needs."""

    def __init__(self, url: str):
        self.url = url
        self.shown = shown_url(url)
        self.engine = engine_for(url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file (None for PostgreSQL and in-memory SQLite)."""
        database = self.engine.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    @contextlib.contextmanager
    def guarded(self) -> Iterator[None]:
        """A database that cannot be reached becomes one LedgerError naming it."""
        try:
            yield
        except (OperationalError, InterfaceError) as error:
            reason = str(error.orig or error).strip().splitlines()
            raise LedgerError(self.shown, reason[0] if reason else type(error).__name__) from error

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[Connection]:
        """A transaction that holds the exclusive lock ``name`` until it commits:
        a PostgreSQL advisory transaction lock, or SQLite's write lock (BEGIN
        IMMEDIATE, which locks the whole file). Whoever waits for it then reads
        what the holder committed."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()
