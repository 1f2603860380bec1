"""The schema under Alembic: migrations shipped in the package
(``migrations/``, found beside this file in an installed copy too), an
upgrade to the newest revision that any number of processes may start at once
(one upgrades under an exclusive lock, the others wait and find it done), and
a clear refusal when the database is newer than this release.

A database made by the release before migrations (tables created by
``metadata.create_all`` and by APScheduler, no ``alembic_version``) is
upgraded in place: the first revision creates only the tables it lacks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DatabaseError
from ..i18n import N_
from .engine import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini to ship or find."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None, "the package ships its migrations"
    return head, frozenset(r.revision for r in script.walk_revisions())


def head_revision() -> str:
    """The newest revision this release knows."""
    return _revisions()[0]


def _current(connection: Connection) -> str | None:
    """The revision in alembic_version (read directly: Alembic's own reader logs
    two lines each time, and this runs at every start)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return found[0] if len(found) == 1 else MigrationContext.configure(connection).get_current_revision()


def current_revision(database: Database) -> str | None:
    """The database's revision (None: no schema managed by Alembic yet)."""
    with database.guarded(), database.engine.connect() as connection:
        return _current(connection)


def refuse_newer(database: Database, found: str | None) -> None:
    if found is not None and found not in _revisions()[1]:
        raise DatabaseError(
            database.shown,
            N_(
                "its schema (revision {found}) is newer than this calendar-service knows (up to {head}): "
                "install the newer calendar-service, or restore a backup made for this one"
            ),
            found=found,
            head=head_revision(),
        )


@dataclass(frozen=True)
class Upgrade:
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(database: Database) -> Upgrade:
    """Bring the schema to the newest revision, or refuse with one DatabaseError.

    Checked first without a lock (one SELECT when already up to date); else
    upgraded in one transaction holding the lock "migrate", after reading the
    revision again: a process that waited finds the work done."""
    head = head_revision()
    before = current_revision(database)
    refuse_newer(database, before)
    if before == head:
        return Upgrade(before, head)
    with database.guarded():
        try:
            with database.exclusive("migrate") as connection:
                before = _current(connection)
                refuse_newer(database, before)
                if before != head:
                    command.upgrade(alembic_config(connection), "head")
        except DatabaseError:
            raise
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            raise DatabaseError(
                database.shown,
                N_("the schema cannot be upgraded to revision {head}: {reason}"),
                head=head,
                reason=reason[0] if reason else type(error).__name__,
            ) from error
    return Upgrade(before, head)


def open_database(url: str) -> Database:
    """The database at ``url`` with its schema at the newest revision (upgraded
    if needed): what every command and job that uses the database opens."""
    database = Database(url)
    try:
        upgrade(database)
    except BaseException:
        database.dispose()
        raise
    return database
