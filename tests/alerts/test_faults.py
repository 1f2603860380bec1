"""Faults in the alerts stage: the database lost at start and in the middle of
a run, SMTP servers that never answer. Every alert is either sent once or
still pending. (Faults while publishing feeds: feeds/test_faults.py.)"""

from __future__ import annotations

import collections
import datetime as dt
import socket
import threading

import pytest

from calendar_service.alerts.delivery import Smtp
from calendar_service.alerts.ledger import CLAIMED, FAILED, SENT, SUPERSEDED, Ledger
from calendar_service.alerts.run import run_alerts
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.errors import LedgerError

EDITORS = [Subscriber(f"editor{n}@example.org") for n in range(3)]


def test_database_unavailable_at_start_is_one_clear_error():
    with pytest.raises(LedgerError) as raised:
        Ledger("postgresql://postgres@127.0.0.1:1/none")
    assert raised.value.render("en").startswith("database postgresql://postgres@127.0.0.1:1/none: ")


class LosesDatabase:
    """A transport that, after `after` messages, cuts the ledger's database off."""

    def __init__(self, inner, after, cut):
        self.inner, self.after, self.cut, self.count = inner, after, cut, 0

    def send(self, outgoing, keep=lambda: None):
        self.inner.send(outgoing)
        self.count += 1
        if self.count == self.after:
            self.cut()

    def close(self):
        self.inner.close()


def test_database_lost_mid_run(real_registry, settings, smtp, tmp_path):
    import psycopg
    from services import PG_ADMIN, create_database, drop_database

    name, url = create_database()
    smtp_settings = settings(environ=smtp.env())
    now = dt.datetime(2024, 4, 7, tzinfo=dt.UTC)

    def cut():
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )

    def restore():
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    try:
        ledger = Ledger(url, lease_seconds=0)
        transport = LosesDatabase(Smtp(smtp_settings, retries=1), 2, cut)
        with pytest.raises(LedgerError) as raised:
            run_alerts(real_registry, EDITORS, settings(), ledger, transport, dt.date(2024, 4, 7), now)
        transport.close()
        assert raised.value.render("en").startswith(f"database postgresql://postgres@127.0.0.1:5432/{name}: ")
        ledger.dispose()
        restore()
        ledger = Ledger(url, lease_seconds=0)
        states = collections.Counter(r["state"] for r in ledger.rows())
        assert states[SENT] == 1 and states[CLAIMED] == 1, "the second message was sent but not recorded"
        with Smtp(smtp_settings, retries=1) as sender:
            run_alerts(
                real_registry,
                EDITORS,
                settings(),
                ledger,
                sender,
                dt.date(2024, 4, 7),
                now + dt.timedelta(minutes=1),
            )
        rows = ledger.rows()
        assert all(r["state"] in (SENT, SUPERSEDED) for r in rows), "nothing lost"
        counts = collections.Counter(m["Message-ID"] for m in smtp.messages)
        assert set(counts) == {r["message_id"] for r in rows if r["state"] == SENT}
        assert [n for n in counts.values() if n > 1] == [2], (
            "only the unrecorded one repeats, same Message-ID"
        )
        ledger.dispose()
    finally:
        restore()
        drop_database(name)


@pytest.fixture
def silent_server():
    """Accepts SMTP connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    server.close()


def test_smtp_timeout_is_recorded_and_retried_later(real_registry, settings, silent_server, tmp_path, smtp):
    env = {
        "CALENDAR_SMTP_HOST": "127.0.0.1",
        "CALENDAR_MAIL_FROM": "lich@toasoan.example",
        "CALENDAR_SMTP_PORT": str(silent_server),
        "CALENDAR_SMTP_SECURITY": "none",
        "CALENDAR_SMTP_TIMEOUT_SECONDS": "0.5",
    }
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    now = dt.datetime(2024, 4, 7, tzinfo=dt.UTC)
    with Smtp(settings(environ=env), retries=1) as sender:
        report = run_alerts(real_registry, EDITORS[:1], settings(), ledger, sender, dt.date(2024, 4, 7), now)
    assert report.sent == [] and report.failed
    assert all("timed out" in line for line in report.failed)
    assert {r["state"] for r in ledger.rows()} <= {FAILED, SUPERSEDED}
    with Smtp(settings(environ=smtp.env()), retries=1) as sender:
        later = run_alerts(
            real_registry,
            EDITORS[:1],
            settings(),
            ledger,
            sender,
            dt.date(2024, 4, 7),
            now + dt.timedelta(hours=1),
        )
    assert len(later.sent) == len(report.failed) == len(smtp.messages)
    ledger.dispose()
