"""Alembic's environment for the service's migrations. The service runs them
through ``calendar_service.db.migrate.upgrade`` on a connection it passes in
(holding the migration lock); ``-x url=...`` serves Alembic's own command line
when writing a new migration (``alembic -x url=sqlite:///dev.sqlite3 ...``
with a configuration whose script_location is this folder)."""

from __future__ import annotations

from alembic import context

from calendar_service.db.engine import engine_for
from calendar_service.db.schema import metadata


def _run(connection) -> None:
    # The service runs every upgrade inside one transaction of its own (SQLite
    # included: BEGIN IMMEDIATE), so the DDL is transactional on both databases.
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, transactional_ddl=True
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
elif context.is_offline_mode():
    context.configure(url=context.get_x_argument(as_dictionary=True)["url"], target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_for(context.get_x_argument(as_dictionary=True)["url"])
    with engine.connect() as own:
        _run(own)
    engine.dispose()
