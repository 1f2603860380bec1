"""The scheduler: jobs in the ledger's database, coalesced catch-up runs, feed
rebuilds when the registry changes, and the `scheduler` command."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import time
import zoneinfo

import sqlalchemy

from calendar_service.alerts.ledger import Ledger
from calendar_service.config import load_settings
from calendar_service.feeds.ical import WarmCache
from calendar_service.scheduler import RegistryWatcher, build_scheduler


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_jobs_and_their_triggers(environment, monkeypatch):
    for key, value in environment().items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    scheduler = build_scheduler(settings, None, {})
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"alerts", "digest", "rebuild", "watch"}
        tz = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
        assert str(jobs["alerts"].trigger) == "cron[hour='7', minute='0']"
        assert jobs["alerts"].trigger.timezone == tz
        assert str(jobs["digest"].trigger) == "cron[day_of_week='mon', hour='7', minute='5']"
        assert jobs["alerts"].coalesce and jobs["alerts"].misfire_grace_time is None
        assert jobs["alerts"].next_run_time <= dt.datetime.now(tz), "alerts catch up at start"
        assert isinstance(jobs["watch"].func.warm, WarmCache), "the watcher keeps its builds warm"
    finally:
        scheduler.shutdown(wait=False)
    engine = sqlalchemy.create_engine(settings.database_url)
    with engine.connect() as connection:
        stored = {row[0] for row in connection.execute(sqlalchemy.text("SELECT id FROM apscheduler_jobs"))}
    engine.dispose()
    assert stored == {"alerts", "digest", "rebuild"}, "persistent jobs live in the ledger's database"


def test_a_missed_digest_runs_once_after_a_restart(environment, tmp_path, monkeypatch):
    for key, value in environment().items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    build_scheduler(settings, None, {}).shutdown(wait=True)
    # Downtime: the stored digest job was due 15 days ago (two Mondays passed).
    missed = dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)) - dt.timedelta(days=15)
    engine = sqlalchemy.create_engine(settings.database_url)
    with engine.begin() as connection:
        state = pickle.loads(
            connection.execute(
                sqlalchemy.text("SELECT job_state FROM apscheduler_jobs WHERE id = 'digest'")
            ).scalar()
        )
        state["next_run_time"] = missed
        connection.execute(
            sqlalchemy.text(
                "UPDATE apscheduler_jobs SET job_state = :state, next_run_time = :when WHERE id = 'digest'"
            ),
            {"state": pickle.dumps(state), "when": missed.timestamp()},
        )
    engine.dispose()
    restarted = build_scheduler(settings, None, {})
    assert restarted.get_job("digest").next_run_time == missed, "a restart keeps the missed run"
    restarted.resume()
    try:
        assert wait_until(lambda: list((tmp_path / "outbox").glob("*.eml")))
        time.sleep(1)
    finally:
        restarted.shutdown(wait=True)
    ledger = Ledger(settings.database_url)
    digests = [r for r in ledger.rows() if r["kind"] == "digest"]
    ledger.dispose()
    assert len(digests) == 1, "missed runs coalesce into one"


def test_registry_change_rebuilds_the_feeds(real_copy, environment, tmp_path, monkeypatch):
    for key, value in environment(CALENDAR_REGISTRY=str(real_copy)).items():
        monkeypatch.setenv(key, value)
    watcher = RegistryWatcher(real_copy, None, {})
    watcher()
    assert not (tmp_path / "feeds").exists(), "no change, no rebuild"
    text = real_copy.read_text(encoding="utf-8").replace(
        "en: the Điện Biên Phủ Victory", "en: the Victory at Điện Biên Phủ"
    )
    real_copy.write_text(text, encoding="utf-8")
    os.utime(real_copy, (time.time() + 5, time.time() + 5))
    watcher()
    assert "the Victory at Điện Biên Phủ" in (tmp_path / "feeds" / "en" / "all.ics").read_bytes().decode()
    before = (tmp_path / "feeds" / "en" / "all.ics").read_bytes()
    real_copy.write_text(text.replace("date: 1954-05-07", "date: 1954-02-31"), encoding="utf-8")
    os.utime(real_copy, (time.time() + 10, time.time() + 10))
    watcher()  # invalid: logged, nothing published
    assert (tmp_path / "feeds" / "en" / "all.ics").read_bytes() == before


def test_a_change_to_an_included_file_rebuilds_the_feeds(real_copy, environment, tmp_path, monkeypatch):
    """The watcher polled only data/events.yaml: an edit of local/<province>.yaml left the feeds stale."""
    for key, value in environment(CALENDAR_REGISTRY=str(real_copy)).items():
        monkeypatch.setenv(key, value)
    watcher = RegistryWatcher(real_copy, None, {})
    watcher()
    assert not (tmp_path / "feeds").exists(), "no change, no rebuild"
    local = real_copy.parent / "local" / "lam-dong.yaml"
    local.write_text(
        local.read_text(encoding="utf-8").replace("en: Plan 35-KH/TU", "en: The plan 35-KH/TU"),
        encoding="utf-8",
    )
    os.utime(local, (time.time() + 5, time.time() + 5))
    watcher()
    assert "The plan 35-KH/TU" in (tmp_path / "feeds" / "en" / "scope" / "lam-dong.ics").read_text(
        encoding="utf-8"
    )
    # A new file in the folder the registry's glob (local/*.yaml) reads.
    (local.parent / "quang-ngai.yaml").write_text(
        local.read_text(encoding="utf-8")
        .replace("id: lam-dong", "id: quang-ngai")
        .replace("scope: lam-dong", "scope: quang-ngai")
        .replace("-kh-tu-lam-dong", "-kh-tu-quang-ngai"),
        encoding="utf-8",
    )
    os.utime(local.parent, (time.time() + 10, time.time() + 10))
    watcher()
    assert (tmp_path / "feeds" / "en" / "scope" / "quang-ngai.ics").exists()


def test_scheduler_command_runs_until_sigterm(environment, tmp_path):
    env = {**os.environ, **environment()}
    process = subprocess.Popen(
        [sys.executable, "-m", "calendar_service", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert wait_until(lambda: (tmp_path / "feeds" / "index.json").exists(), 60), "feeds built at start"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "scheduler started" in err and "feeds rebuilt" in err
