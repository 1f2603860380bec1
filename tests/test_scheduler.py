"""The scheduler: jobs in the ledger's database, coalesced catch-up runs, feed
rebuilds when the registry changes, and the `scheduler` command."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zoneinfo

import sqlalchemy

from calendar_service.alerts.ledger import SENT, Ledger
from calendar_service.config import load_settings
from calendar_service.db import head_revision
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
    # Times in CALENDAR_TIMEZONE (Asia/Ho_Chi_Minh by default), as the alert hour is set.
    assert re.search(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+07:00 INFO calendar_service.scheduler: ", err, re.M
    ), err


def test_many_schedulers_starting_at_once_on_a_fresh_postgresql_database_all_start(tmp_path, environment):
    """Two schedulers starting at once on a fresh PostgreSQL database crashed in APScheduler's CREATE TABLE."""
    from services import create_database, drop_database

    name, url = create_database()
    try:
        settings = load_settings(environ=environment(CALENDAR_DATABASE_URL=url))
        barrier, errors = threading.Barrier(8), []

        def start() -> None:
            barrier.wait()
            try:
                scheduler = build_scheduler(settings, None, {})
                scheduler.shutdown(wait=True)
                scheduler._jobstores["default"].engine.dispose()
            except Exception as error:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(error))

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            stored = sorted(
                r[0] for r in connection.execute(sqlalchemy.text("SELECT id FROM apscheduler_jobs"))
            )
            revision = connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
        assert stored == ["alerts", "digest", "rebuild"] and revision == head_revision()
    finally:
        drop_database(name)


def start_scheduler(tmp_path, env, label):
    """A `calendar-service scheduler` process; its stderr goes to <label>.log."""
    log = open(tmp_path / f"{label}.log", "w")  # noqa: SIM115 - closed by stop_scheduler
    process = subprocess.Popen(
        [sys.executable, "-m", "calendar_service", "scheduler"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=tmp_path,
    )
    process.log, process.log_path = log, tmp_path / f"{label}.log"
    return process


def stop_scheduler(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def log_of(process) -> str:
    return process.log_path.read_text(encoding="utf-8")


def test_a_second_scheduler_on_sqlite_refuses_to_start(tmp_path, environment):
    env = environment()
    first = start_scheduler(tmp_path, env, "first")
    try:
        assert wait_until(lambda: "scheduler started" in log_of(first), 60), log_of(first)
        second = subprocess.run(
            [sys.executable, "-m", "calendar_service", "scheduler", "--lang", "en"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
        assert lines[0].startswith(f"database {env['CALENDAR_DATABASE_URL']}: another scheduler")
        assert f":{first.pid})" in lines[0], "it names the scheduler that runs"
        assert "use PostgreSQL to run several" in lines[0]
        assert first.poll() is None, "the first one runs on"
    finally:
        stop_scheduler(first)
    assert first.returncode == 0


def due_soon_registry(write_registry, tz) -> str:
    """A registry with one every-year anniversary in three days: its 7-day alert is due."""
    soon = dt.datetime.now(tz).date() + dt.timedelta(days=3)
    return write_registry(f"""\
        - id: ngay-thu-nghiem
          title: {{vi: Ngày thử nghiệm, en: the test day}}
          date: {soon.replace(year=soon.year - 12).isoformat()}
          category: historical
          observance: yearly
          sources:
            - url: https://example.org/thu-nghiem
              title: Example
        """)


def make_digest_due(url: str, tz) -> None:
    """As if the digest's weekly run had been missed: it is due now."""
    missed = dt.datetime.now(tz) - dt.timedelta(days=8)
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
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


def feeds_of(folder):
    """Every published file (not the directory's own .build.json record and
    .lock); None while a build is writing (its staging folder comes and goes)."""
    try:
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (".build.json", ".lock") and ".staging-" not in str(p)
        }
    except OSError:
        return None


def same_feeds(first, second) -> bool:
    found = feeds_of(first)
    return bool(found) and found == feeds_of(second)


def outbox(folder):
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_two_schedulers_on_postgresql_one_leads_and_the_standby_takes_over(
    tmp_path, write_registry, environment
):
    from services import create_database, drop_database

    tz = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    name, url = create_database()
    registry = due_soon_registry(write_registry, tz)
    processes = {}
    try:
        for label in ("a", "b"):
            env = environment(
                CALENDAR_REGISTRY=str(registry),
                CALENDAR_DATABASE_URL=url,
                CALENDAR_FEEDS_DIR=str(tmp_path / f"feeds-{label}"),
                CALENDAR_OUTBOX=str(tmp_path / f"outbox-{label}"),
            )
            processes[label] = start_scheduler(tmp_path, env, label)
        logs = lambda: {label: log_of(p) for label, p in processes.items()}  # noqa: E731
        assert wait_until(lambda: sum("scheduler started" in text for text in logs().values()) == 1, 60), (
            logs()
        )
        assert wait_until(lambda: sum("standby:" in text for text in logs().values()) == 1, 60), logs()
        leader = next(label for label, text in logs().items() if "scheduler started" in text)
        standby = "b" if leader == "a" else "a"
        assert f"leader: {socket.gethostname()}:{processes[leader].pid} runs the jobs" in logs()[leader]
        assert f"standby: {socket.gethostname()}:{processes[standby].pid} waits while " in logs()[standby]
        assert f"{processes[leader].pid} leads" in logs()[standby], "the standby names the leader"

        # One set of alerts, sent by the leader; both directories hold the same feeds.
        assert wait_until(lambda: outbox(tmp_path / f"outbox-{leader}"), 60), logs()
        assert wait_until(lambda: same_feeds(tmp_path / "feeds-a", tmp_path / "feeds-b"), 60), (
            "the standby follows the leader's feeds byte for byte"
        )
        assert "ngay-thu-nghiem" in (tmp_path / "feeds-a" / "vi" / "all.ics").read_text(encoding="utf-8")
        time.sleep(2)
        assert (
            len(outbox(tmp_path / f"outbox-{leader}")) == 1 and outbox(tmp_path / f"outbox-{standby}") == []
        )

        # The leader dies without a word; the standby takes over within a minute and runs the jobs.
        make_digest_due(url, tz)
        killed_at = time.monotonic()
        processes[leader].kill()
        processes[leader].wait()
        assert wait_until(lambda: "scheduler started" in log_of(processes[standby]), 60), logs()[standby]
        assert time.monotonic() - killed_at <= 60
        assert f"leader: {socket.gethostname()}:{processes[standby].pid} runs the jobs" in logs()[standby]
        assert wait_until(lambda: outbox(tmp_path / f"outbox-{standby}"), 30), logs()[standby]
        assert wait_until(lambda: "digest: 1 sent" in log_of(processes[standby]), 30), logs()[standby]
        assert wait_until(lambda: "alerts: 0 sent" in log_of(processes[standby]), 30), logs()[standby]
    finally:
        for process in processes.values():
            stop_scheduler(process)
    try:
        mails = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for label in ("a", "b")
            for path in outbox(tmp_path / f"outbox-{label}")
        ]
        ledger = Ledger(url)
        rows = ledger.rows()
        ledger.dispose()
    finally:
        drop_database(name)
    assert len(mails) == 2, [m["Subject"] for m in mails]
    assert sorted((r["kind"], r["subscriber"]) for r in rows if r["state"] == SENT) == [
        ("alert", "editor@example.org"),
        ("digest", "editor@example.org"),
    ], "one alert and one digest, each once"
    assert len({m["Message-ID"] for m in mails}) == 2
    assert processes[standby].returncode == 0
