"""Faults: a full disk while writing feeds, the database lost at start and in
the middle of a run, SMTP servers that never answer. Published feeds stay
intact and every alert is either sent once or still pending."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import errno
import socket
import threading

import pytest
from paths import REAL_REGISTRY

from calendar_service.alerts.delivery import Smtp
from calendar_service.alerts.ledger import CLAIMED, FAILED, SENT, SUPERSEDED, Ledger
from calendar_service.alerts.run import run_alerts
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.config import load_settings
from calendar_service.errors import CalendarServiceError, LedgerError
from calendar_service.feeds import publish as publish_module
from calendar_service.feeds.publish import publish
from calendar_service.feeds.stamps import STATE_FILE
from calendar_service.registry.checks import load_registry

SETTINGS = load_settings(environ={})
TODAY = dt.date(2024, 3, 1)
EDITORS = [Subscriber(f"editor{n}@example.org") for n in range(3)]


def snapshot(out):
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_disk_full_while_writing_feeds_publishes_nothing(real_copy, tmp_path, monkeypatch):
    out = tmp_path / "feeds"
    publish(load_registry(real_copy), SETTINGS, TODAY, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    before = snapshot(out)
    text = real_copy.read_text(encoding="utf-8").replace(
        "vi: Chiến thắng Điện Biên Phủ", "vi: Chiến thắng lịch sử Điện Biên Phủ"
    )
    real_copy.write_text(text, encoding="utf-8")
    writes = []
    real_write = publish_module._durable_write

    def full_disk(path, data):
        writes.append(path)
        if len(writes) >= 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, data)

    monkeypatch.setattr(publish_module, "_durable_write", full_disk)
    with pytest.raises(CalendarServiceError) as raised:
        publish(load_registry(real_copy), SETTINGS, TODAY, dt.datetime(2024, 3, 2, tzinfo=dt.UTC), out)
    assert "No space left on device" in raised.value.render("en")
    after = snapshot(out)
    after.pop(".lock", None), before.pop(".lock", None)
    assert after == before, "feeds and index exactly as before"
    assert not list(out.glob(".staging-*")), "the staging folder is cleaned up"


def test_database_unavailable_at_start_is_one_clear_error():
    with pytest.raises(LedgerError) as raised:
        Ledger("postgresql://postgres@127.0.0.1:1/none")
    assert raised.value.render("en").startswith("database postgresql://postgres@127.0.0.1:1/none: ")


class LosesDatabase:
    """A transport that, after `after` messages, cuts the ledger's database off."""

    def __init__(self, inner, after, cut):
        self.inner, self.after, self.cut, self.count = inner, after, cut, 0

    def send(self, outgoing):
        self.inner.send(outgoing)
        self.count += 1
        if self.count == self.after:
            self.cut()

    def close(self):
        self.inner.close()


def test_database_lost_mid_run(smtp, tmp_path):
    import psycopg
    from services import PG_ADMIN, create_database, drop_database

    name, url = create_database()
    registry = load_registry(REAL_REGISTRY)
    settings = load_settings(environ=smtp.env())
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
        transport = LosesDatabase(Smtp(settings, retries=1), 2, cut)
        with pytest.raises(LedgerError) as raised:
            run_alerts(registry, EDITORS, SETTINGS, ledger, transport, dt.date(2024, 4, 7), now)
        transport.close()
        assert raised.value.render("en").startswith(f"database postgresql://postgres@127.0.0.1:5432/{name}: ")
        ledger.dispose()
        restore()
        ledger = Ledger(url, lease_seconds=0)
        states = collections.Counter(r["state"] for r in ledger.rows())
        assert states[SENT] == 1 and states[CLAIMED] == 1, "the second message was sent but not recorded"
        with Smtp(settings, retries=1) as sender:
            run_alerts(
                registry,
                EDITORS,
                SETTINGS,
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


def test_smtp_timeout_is_recorded_and_retried_later(silent_server, tmp_path, smtp):
    registry = load_registry(REAL_REGISTRY)
    env = {
        "CALENDAR_SMTP_HOST": "127.0.0.1",
        "CALENDAR_SMTP_PORT": str(silent_server),
        "CALENDAR_SMTP_SECURITY": "none",
        "CALENDAR_SMTP_TIMEOUT_SECONDS": "0.5",
    }
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    now = dt.datetime(2024, 4, 7, tzinfo=dt.UTC)
    with Smtp(load_settings(environ=env), retries=1) as sender:
        report = run_alerts(registry, EDITORS[:1], SETTINGS, ledger, sender, dt.date(2024, 4, 7), now)
    assert report.sent == [] and report.failed
    assert all("timed out" in line for line in report.failed)
    assert {r["state"] for r in ledger.rows()} <= {FAILED, SUPERSEDED}
    with Smtp(load_settings(environ=smtp.env()), retries=1) as sender:
        later = run_alerts(
            registry, EDITORS[:1], SETTINGS, ledger, sender, dt.date(2024, 4, 7), now + dt.timedelta(hours=1)
        )
    assert len(later.sent) == len(report.failed) == len(smtp.messages)
    ledger.dispose()


def test_a_broken_state_file_of_the_release_before_is_recovered_from_the_feeds(real_copy, tmp_path):
    out = tmp_path / "feeds"
    before = dataclasses.replace(SETTINGS, database_url=f"sqlite:///{tmp_path / 'before.sqlite3'}")
    publish(load_registry(real_copy), before, TODAY, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    (out / STATE_FILE).write_text("{ half a file", encoding="utf-8")  # e.g. restored from a bad backup
    upgraded = dataclasses.replace(SETTINGS, database_url=f"sqlite:///{tmp_path / 'upgraded.sqlite3'}")
    result = publish(load_registry(real_copy), upgraded, TODAY, dt.datetime(2024, 3, 5, tzinfo=dt.UTC), out)
    assert result.written == [], "recovered from the published feeds: nothing changes"
    assert not (out / STATE_FILE).exists(), "imported once, then set aside"
