"""The scheduler's leader lock (db/leader.py): one holder at a time on the real
PostgreSQL (advisory lock) and on SQLite (a lock file), who holds it can be
seen, and it is free again when its holder goes."""

from __future__ import annotations

import pytest
import sqlalchemy

from calendar_service.db import open_database
from calendar_service.db.leader import LeaderLock


@pytest.fixture
def database(database_url):
    opened = open_database(database_url)
    yield opened
    opened.dispose()


def test_one_holder_at_a_time_and_the_next_when_it_lets_go(database):
    first, second = LeaderLock(database, "host-a:1"), LeaderLock(database, "host-b:2")
    try:
        assert first.try_acquire() and first.try_acquire(), "taking it again is a no-op"
        assert not second.try_acquire()
        assert second.holder() == "host-a:1"
        assert first.still_held()
        first.release()
        assert second.try_acquire() and second.holder() == "host-b:2"
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_a_leader_whose_connection_is_cut_knows_it_no_longer_leads():
    from services import create_database, drop_database

    name, url = create_database()
    database = open_database(url)
    leader, standby = LeaderLock(database, "host-a:1"), LeaderLock(database, "host-b:2")
    try:
        assert leader.try_acquire() and not standby.try_acquire()
        with database.engine.connect() as connection:  # as a network cut or a DBA would
            connection.execute(
                sqlalchemy.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'calendar-service scheduler host-a:1'"
                )
            )
        assert not leader.still_held()
        assert standby.try_acquire(), "the lock went with the connection"
        assert not leader.try_acquire()
    finally:
        leader.release()
        standby.release()
        database.dispose()
        drop_database(name)
