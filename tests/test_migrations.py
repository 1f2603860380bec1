"""The shared database's schema under Alembic: a database of the release
before migrations upgrades keeping its rows, the migrations make exactly the
tables of db/schema.py, upgrades may start in many processes at once, a
database newer than the code is refused with one line, and an installed
(non-editable) copy finds its migrations. On SQLite and the real PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pickle
import shutil
import subprocess
import sys
import sysconfig
import threading
import zoneinfo
from collections.abc import Iterator

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner
from paths import REAL_REGISTRY, ROOT
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from calendar_service.alerts.ledger import SENT, Ledger
from calendar_service.cli import main
from calendar_service.config import load_settings
from calendar_service.db import Database, current_revision, head_revision, open_database, upgrade
from calendar_service.db.schema import apscheduler_jobs, metadata
from calendar_service.scheduler import build_scheduler, job_digest

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

# The ledger's table exactly as the release before migrations defined it
# (calendar_service/alerts/ledger.py, created there by metadata.create_all).
OLD = MetaData()
OLD_ALERTS = Table(
    "calendar_alerts",
    OLD,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("subscriber", String(320), nullable=False),
    Column("occurrence", String(200), nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("due", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("late", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("message_id", String(250)),
    Column("claimed_by", String(120)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "subscriber", "occurrence", "lead_days", name="uq_calendar_alert"),
)
SENT_AT = dt.datetime(2024, 4, 7, 0, 1, 2, tzinfo=dt.UTC)


def engine(url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


@contextlib.contextmanager
def connected(url: str) -> Iterator[sqlalchemy.Connection]:
    """A connection in a transaction that commits, on an engine disposed after."""
    own = engine(url)
    try:
        with own.begin() as connection:
            yield connection
    finally:
        own.dispose()


def make_database_of_the_release_before(url: str, missed: dt.datetime) -> None:
    """What that release left: the ledger made by create_all with a sent alert,
    and APScheduler's own table (its CREATE TABLE) holding a missed digest."""
    old = engine(url)
    OLD.create_all(old)
    with old.begin() as connection:
        connection.execute(
            OLD_ALERTS.insert().values(
                kind="alert",
                subscriber="editor@example.org",
                occurrence="dien-bien-phu-2024",
                lead_days=30,
                due=dt.date(2024, 4, 7),
                state=SENT,
                late=False,
                attempts=1,
                message_id="<alert.0123@localhost>",
                sent_at=SENT_AT,
                updated_at=SENT_AT,
            )
        )
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=old)}, timezone=TZ)
    scheduler.start(paused=True)
    scheduler.add_job(
        job_digest,
        CronTrigger(day_of_week="mon", hour=7, minute=5, timezone=TZ),
        args=[None, {}],
        id="digest",
        name="digest",
    )
    scheduler.shutdown(wait=True)
    with old.begin() as connection:  # the service was down when the digest was due
        stored = sqlalchemy.text("SELECT job_state FROM apscheduler_jobs WHERE id = 'digest'")
        state = pickle.loads(connection.execute(stored).scalar())
        state["next_run_time"] = missed
        connection.execute(
            sqlalchemy.text(
                "UPDATE apscheduler_jobs SET job_state = :s, next_run_time = :t WHERE id = 'digest'"
            ),
            {"s": pickle.dumps(state), "t": missed.timestamp()},
        )
    old.dispose()
    with connected(url) as connection:
        assert not sqlalchemy.inspect(connection).has_table("alembic_version")


def test_a_database_of_the_release_before_upgrades_keeping_its_rows(database_url, tmp_path):
    missed = dt.datetime(2024, 4, 1, 7, 5, tzinfo=TZ)
    make_database_of_the_release_before(database_url, missed)
    database = Database(database_url)
    done = upgrade(database)
    assert (done.before, done.after) == (None, head_revision())
    assert current_revision(database) == head_revision()
    database.dispose()
    ledger = Ledger(database_url)
    (row,) = ledger.rows()
    ledger.dispose()
    assert (row["kind"], row["subscriber"], row["occurrence"], row["lead_days"], row["state"]) == (
        "alert",
        "editor@example.org",
        "dien-bien-phu-2024",
        30,
        SENT,
    )
    assert row["message_id"] == "<alert.0123@localhost>" and row["due"] == dt.date(2024, 4, 7)
    settings = load_settings(environ={}, overrides={"database_url": database_url, "registry": REAL_REGISTRY})
    scheduler = build_scheduler(settings, None, {})
    try:
        assert scheduler.get_job("digest").next_run_time == missed, "the missed digest is still due"
    finally:
        scheduler.shutdown(wait=False)
        scheduler._jobstores["default"].engine.dispose()


def test_the_migrations_make_exactly_the_tables_of_the_schema(database_url):
    database = open_database(database_url)
    try:
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
            tables = set(sqlalchemy.inspect(connection).get_table_names())
    finally:
        database.dispose()
    assert differences == []
    assert tables == {
        "alembic_version",
        "calendar_alerts",
        "calendar_stamps",
        "calendar_optouts",
        "calendar_secrets",
        "apscheduler_jobs",
        "calendar_users",
        "calendar_tokens",
        "calendar_login_attempts",
        "calendar_coverages",
        "calendar_coverage_history",
    }


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_job_store_table_is_apscheduler_s_own(dialect):
    """The migrations make apscheduler_jobs, so it must be the very table APScheduler would make."""
    from sqlalchemy.dialects import postgresql, sqlite

    compiler = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}[dialect]
    theirs = SQLAlchemyJobStore(url="sqlite://").jobs_t

    def ddl(table):
        return [str(CreateTable(table).compile(dialect=compiler))] + sorted(
            str(CreateIndex(index).compile(dialect=compiler)) for index in table.indexes
        )

    assert ddl(apscheduler_jobs) == ddl(theirs)


def test_upgrades_started_at_once_all_succeed(database_url):
    barrier, errors, revisions = threading.Barrier(6), [], []

    def start() -> None:
        barrier.wait()
        try:
            database = open_database(database_url)
            revisions.append(current_revision(database))
            database.dispose()
        except Exception as error:  # noqa: BLE001 - every failure is the finding
            errors.append(repr(error))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and revisions == [head_revision()] * 6


def set_revision(url: str, revision: str) -> None:
    database = open_database(url)
    with database.engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    database.dispose()


def run(args, env, cwd, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "calendar_service", *args, "--lang", "en"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.mark.parametrize("command", [["build"], ["alerts"], ["digest"], ["serve"], ["scheduler"], ["run"]])
def test_a_database_newer_than_the_code_is_refused_with_one_line(tmp_path, command):
    url = f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    set_revision(url, "0999")
    (tmp_path / "subscribers.yaml").write_text("subscribers:\n  - email: a@example.org\n", encoding="utf-8")
    env = {
        "CALENDAR_DATABASE_URL": url,
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_SUBSCRIBERS": str(tmp_path / "subscribers.yaml"),
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
        "CALENDAR_PORT": "1",  # if it started serving at all, it could not bind here
    }
    done = run(command, env, tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"database {url}: its schema (revision 0999) is newer than this calendar-service knows "
        f"(up to {head_revision()}): install the newer calendar-service, or restore a backup made for this one"
    ]
    assert not (tmp_path / "feeds").exists() and not (tmp_path / "outbox").exists(), "nothing done"


def test_db_upgrade_and_db_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'calendar.sqlite3'}"
    runner, env = CliRunner(), {"CALENDAR_DATABASE_URL": url}
    head = head_revision()
    said = runner.invoke(main, ["db", "current", "--lang", "en"], env=env)
    assert said.exit_code == 0 and said.output == (
        f"Database {url}: no schema revision recorded yet; this version knows up to {head}: "
        "run 'calendar-service db upgrade'.\n"
    )
    said = runner.invoke(main, ["db", "upgrade", "--lang", "en"], env=env)
    assert said.exit_code == 0 and said.output == f"Database {url}: schema upgraded to revision {head}.\n"
    said = runner.invoke(main, ["db", "upgrade"], env=env)
    assert said.exit_code == 0
    assert said.output == f"Cơ sở dữ liệu {url}: lược đồ ở bản {head}, bản mới nhất mà phiên bản này biết.\n"
    with connected(url) as connection:  # a database left at revision 0001
        connection.execute(sqlalchemy.text("DROP TABLE calendar_stamps"))
        connection.execute(sqlalchemy.text("DROP TABLE calendar_optouts"))
        connection.execute(sqlalchemy.text("DROP TABLE calendar_secrets"))
        for table in ("users", "tokens", "login_attempts", "coverages", "coverage_history"):
            connection.execute(sqlalchemy.text(f"DROP TABLE calendar_{table}"))
        connection.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = '0001'"))
    said = runner.invoke(main, ["db", "current", "--lang", "en"], env=env)
    assert said.output == (
        f"Database {url}: schema at revision 0001; this version knows up to {head}: "
        "run 'calendar-service db upgrade'.\n"
    )
    said = runner.invoke(main, ["db", "upgrade", "--lang", "en"], env=env)
    assert said.output == f"Database {url}: upgraded from revision 0001 to {head}.\n"
    with connected(url) as connection:
        assert sqlalchemy.inspect(connection).has_table("calendar_stamps")
    set_revision(url, "0999")
    said = runner.invoke(main, ["db", "current", "--lang", "en"], env=env)
    assert said.exit_code == 1 and "its schema (revision 0999) is newer" in said.output


def test_an_unsupported_database_is_one_line(tmp_path):
    env = {"CALENDAR_DATABASE_URL": "mysql://user@host/db", "CALENDAR_REGISTRY": str(REAL_REGISTRY)}
    done = run(["build"], env, tmp_path)
    assert done.returncode == 1 and done.stderr.splitlines() == [
        "$CALENDAR_DATABASE_URL: field 'database_url': invalid value 'mysql://user@host/db' for setting "
        "'database_url': unsupported database; use one of: sqlite, postgresql, postgresql+psycopg"
    ]


def test_an_installed_copy_finds_its_migrations(tmp_path):
    """Not from the checkout: a wheel built from it, installed, upgrades a database."""
    source, wheels, target = tmp_path / "source", tmp_path / "wheels", tmp_path / "site"
    shutil.copytree(
        ROOT / "calendar_service", source / "calendar_service", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, source],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("calendar_service-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, wheel],
        check=True,
        capture_output=True,
    )
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]];"
        "import calendar_service.db as db;"
        "assert db.__file__.startswith(sys.argv[1]), db.__file__;"
        "print(db.upgrade(db.Database(sys.argv[3])).after)"
    )
    url = f"sqlite:///{tmp_path / 'installed.sqlite3'}"
    # -S: without site, the checkout's editable install is not on the path.
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, str(target), sysconfig.get_paths()["purelib"], url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == head_revision()
    assert (target / "calendar_service" / "db" / "migrations" / "script.py.mako").exists()


def test_pickled_jobs_survive_the_upgrade_unchanged(database_url):
    """The job store's rows are APScheduler's pickles: the upgrade leaves their bytes alone."""
    missed = dt.datetime(2024, 4, 1, 7, 5, tzinfo=TZ)
    make_database_of_the_release_before(database_url, missed)
    with connected(database_url) as connection:
        before = connection.execute(sqlalchemy.text("SELECT id, job_state FROM apscheduler_jobs")).all()
    open_database(database_url).dispose()
    with connected(database_url) as connection:
        after = connection.execute(sqlalchemy.text("SELECT id, job_state FROM apscheduler_jobs")).all()
    assert after == before and pickle.loads(after[0][1])["id"] == "digest"


def test_a_database_that_cannot_be_upgraded_is_refused_with_one_line_and_left_as_it_was(
    database_url, tmp_path
):
    with connected(database_url) as connection:  # a table of that name, made by something else
        connection.execute(sqlalchemy.text("CREATE TABLE calendar_stamps (something INTEGER)"))
    env = {"CALENDAR_DATABASE_URL": database_url, "CALENDAR_REGISTRY": str(REAL_REGISTRY)}
    done = run(["build", "--out", str(tmp_path / "feeds")], env, tmp_path)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        f"database {database_url}: the schema cannot be upgraded to revision {head_revision()}: "
    )
    assert "calendar_stamps" in line and "already exists" in line
    with connected(database_url) as connection:
        tables = set(sqlalchemy.inspect(connection).get_table_names())
    assert tables == {"calendar_stamps"}, "one transaction: nothing of the upgrade is left"
    assert not (tmp_path / "feeds").exists()
