"""Regression: processes opening a new SQLite database at the same moment
(two builds, a build and the web service) failed with "database is locked":
switching the file to WAL is refused at once, not after the busy timeout, to
all but one of them. They now wait for their turn."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import text

from calendar_service.db.engine import engine_for


def _open(url: str, barrier) -> None:
    engine = engine_for(url)
    barrier.wait()
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_processes_opening_a_new_sqlite_database_at_once_all_open_it(tmp_path):
    context = multiprocessing.get_context("fork")
    failed = 0
    for attempt in range(12):
        url = f"sqlite:///{tmp_path / f'new-{attempt}.sqlite3'}"
        barrier = context.Barrier(4)
        processes = [context.Process(target=_open, args=(url, barrier)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        failed += sum(process.exitcode != 0 for process in processes)
    assert failed == 0, f"{failed} of 48 processes could not open the new database"
