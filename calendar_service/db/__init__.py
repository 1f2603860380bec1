"""The one database every instance shares (``CALENDAR_DATABASE_URL``: SQLite
by default, PostgreSQL for several instances): the alert ledger, the feeds'
stamps and APScheduler's job store, every table defined in ``schema`` and
created by the Alembic migrations shipped in ``migrations/``.

Shared by every stage, like ``model`` and ``errors``: it imports nothing from
the stages."""

from .engine import Database, engine_for, lock_key, shown_url
from .migrate import Upgrade, current_revision, head_revision, open_database, upgrade

__all__ = [
    "Database",
    "Upgrade",
    "current_revision",
    "engine_for",
    "head_revision",
    "lock_key",
    "open_database",
    "shown_url",
    "upgrade",
]
