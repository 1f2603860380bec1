"""APScheduler 3.x wiring: jobs call the same functions as the command line.

Jobs live in the shared database (APScheduler's SQLAlchemyJobStore, on the
table the migrations create), so a restart keeps their next run times: runs
missed while the service was down are coalesced into one catch-up run when it
starts again. Alerts and feed rebuilds also run once at start-up; the ledger
makes that safe. The registry is watched (polled every 30 seconds: the registry file, every
file it includes and the folders its globs look in) and feeds are rebuilt
when any of them changes; an invalid registry is logged and leaves
the published feeds as they are.

One active scheduler: several scheduler processes on one PostgreSQL elect a
leader (``db.leader``); only the leader starts APScheduler and runs the jobs,
so each alert, digest and scheduled rebuild happens once per schedule. A
standby keeps its own feeds directory identical to the leader's (it rebuilds
when the registry file, the stamps in the database or the year change; the
stamps the leader decided make the bytes the same) and tries to take over
every ``LEADER_POLL_SECONDS``. On SQLite a second scheduler refuses to start.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo
from collections.abc import Callable
from pathlib import Path

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from . import jobs
from .alerts.ledger import instance_id
from .config import Settings, load_settings, local_today
from .db import Database, open_database
from .db.leader import LeaderLock
from .errors import CalendarServiceError, DatabaseError
from .feeds.ical import WarmCache
from .feeds.stamps import StampStore
from .i18n import N_
from .registry.includes import load_files, stamp

log = logging.getLogger("calendar_service.scheduler")
WATCH_SECONDS = 30
LEADER_POLL_SECONDS = 10  # a standby tries to take over this often; a leader checks it still leads


class ZonedFormatter(logging.Formatter):
    """Log lines with the time in the schedule's time zone (CALENDAR_TIMEZONE),
    the one the operator reads the alert hour in, and its UTC offset."""

    def __init__(self, timezone: str):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.zone = zoneinfo.ZoneInfo(timezone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = dt.datetime.fromtimestamp(record.created, self.zone)
        return moment.strftime(datefmt) if datefmt else moment.isoformat(sep=" ", timespec="seconds")


def _settings(config: str | None, overrides: dict) -> Settings:
    return load_settings(config, overrides=overrides)


def _clock(settings: Settings) -> tuple[dt.date, dt.datetime]:
    now = dt.datetime.now(dt.UTC)  # the scheduler is an edge: it reads the real clock
    return local_today(settings, now), now


def job_rebuild(
    config: str | None = None, overrides: dict | None = None, warm: WarmCache | None = None
) -> None:
    """Rebuild the feeds; ``warm`` (the watcher's, kept for the life of the
    process) lets unchanged events skip serialisation. The stored periodic job
    is a reference to this function with picklable arguments only, so it builds cold."""
    try:
        settings = _settings(config, overrides or {})
        result = jobs.rebuild_feeds(settings, *_clock(settings), warm=warm)
    except CalendarServiceError as error:
        log.error("feeds not rebuilt: %s", error.render("en"))
        return
    log.info("feeds rebuilt: %d written, %d unchanged", len(result.written), len(result.unchanged))


def _mail_job(job, kind: str, config: str | None, overrides: dict | None) -> None:
    try:
        settings = _settings(config, overrides or {})
        report = job(settings, *_clock(settings), clock=lambda: dt.datetime.now(dt.UTC)).report
    except CalendarServiceError as error:
        log.error("%s not run: %s", kind, error.render("en"))
        return
    log.info(
        "%s: %d sent (%d late), %d skipped, %d failed",
        kind,
        len(report.sent),
        report.late,
        report.skipped,
        len(report.failed),
    )
    for failure in report.failed:
        log.error("%s failed, will retry: %s", kind, failure)
    for failure in report.rejected:
        log.error("%s refused by the server, not retried: %s", kind, failure)
    for failure in report.uncertain:
        log.error("%s delivery uncertain, not resent: %s", kind, failure)
    for row in report.outstanding:
        log.warning(
            "%s #%d to %s (%s) needs attention: %s; see 'calendar-service ledger list'",
            kind,
            row["id"],
            row["subscriber"],
            row["state"],
            row["last_error"],
        )


def job_alerts(config: str | None = None, overrides: dict | None = None) -> None:
    _mail_job(jobs.send_alerts, "alerts", config, overrides)


def job_digest(config: str | None = None, overrides: dict | None = None) -> None:
    _mail_job(jobs.send_digest, "digest", config, overrides)


class RegistryWatcher:
    """Rebuilds the feeds when the registry or a file it includes changes.

    Each poll only reads the modification times and sizes of the files and
    folders found at the last look (``includes.stamp``); when one changed, the
    includes are read again (a new include, a new file a glob matches) before
    the rebuild."""

    def __init__(self, path: Path, config: str | None, overrides: dict, warm: WarmCache | None = None):
        self.path, self.config, self.overrides, self.warm = path, config, overrides, warm
        self.watched = self._files()
        self.seen = stamp(self.watched)

    def _files(self) -> list[str]:
        return load_files(self.path).watched or [str(self.path)]

    def __call__(self) -> None:
        current = stamp(self.watched)
        if current != self.seen:
            self.watched = self._files()
            self.seen = current if self.watched == [p for p, *_ in current] else stamp(self.watched)
            log.info("registry %s changed: rebuilding feeds", self.path)
            job_rebuild(self.config, self.overrides, self.warm)


class Follower:
    """A standby's own feeds directory, kept the same as the leader's: rebuilt
    at start, when the registry (or a file it includes) changes, when the stamps in the database
    move (the leader published a change) and when the year (the window) turns.
    It follows; the leader does not, so two instances never rebuild in turn."""

    def __init__(self, settings: Settings, config: str | None, overrides: dict, store: StampStore):
        self.settings, self.config, self.overrides, self.store = settings, config, overrides, store
        self.warm = WarmCache()
        self.seen: tuple | None = None

    def _state(self) -> tuple:
        # The registry file and every file it includes (and the folders its globs read).
        files = load_files(self.settings.registry).watched or [str(self.settings.registry)]
        return stamp(files), _clock(self.settings)[0].year, self.store.generation()

    def __call__(self) -> None:
        current = self._state()
        if current != self.seen:
            # What was seen before the build: stamps the leader writes meanwhile
            # are followed at the next call (our own writes cost one more
            # build, which finds nothing to change).
            job_rebuild(self.config, self.overrides, self.warm)
            self.seen = current


class MigratedJobStore(SQLAlchemyJobStore):
    """APScheduler's job store on the table the migrations made: its start()
    does not CREATE TABLE (two schedulers starting at once raced on that)."""

    def start(self, scheduler, alias) -> None:
        BaseJobStore.start(self, scheduler, alias)


def build_scheduler(
    settings: Settings, config: str | None, overrides: dict, database: Database | None = None
) -> BackgroundScheduler:
    """The leader's scheduler, started paused, its jobs in the database
    (``database``, default: opened, and upgraded, from the settings)."""
    tz = zoneinfo.ZoneInfo(settings.timezone)
    database = database or open_database(settings.database_url)
    scheduler = BackgroundScheduler(
        jobstores={
            "default": MigratedJobStore(engine=database.engine),
            "memory": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=tz,
    )
    args = [str(config) if config else None, {k: str(v) for k, v in overrides.items() if v is not None}]
    scheduler.start(paused=True)
    now = dt.datetime.now(tz)
    jobs = [
        ("alerts", job_alerts, CronTrigger(hour=settings.alert_hour, minute=0, timezone=tz), True),
        (
            "digest",
            job_digest,
            CronTrigger(day_of_week=settings.digest_weekday, hour=settings.alert_hour, minute=5, timezone=tz),
            False,
        ),
        ("rebuild", job_rebuild, IntervalTrigger(hours=settings.rebuild_hours, timezone=tz), True),
    ]
    for job_id, func, trigger, at_start in jobs:
        existing = scheduler.get_job(job_id)
        if existing is None or str(existing.trigger) != str(trigger) or existing.args != tuple(args):
            # A new or changed schedule; an unchanged one keeps its stored next run time,
            # so a run missed while the service was down still happens (once).
            scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id, replace_existing=True)
        if at_start:
            scheduler.modify_job(job_id, next_run_time=now)
    watcher = RegistryWatcher(Path(settings.registry), config, args[1], WarmCache())
    scheduler.add_job(watcher, IntervalTrigger(seconds=WATCH_SECONDS), id="watch", jobstore="memory")
    return scheduler


def run_forever(
    settings: Settings,
    config: str | None,
    overrides: dict,
    stop: threading.Event,
    poll: float = LEADER_POLL_SECONDS,
    started: Callable[[], None] | None = None,
) -> None:
    """Lead or stand by until ``stop`` is set (SIGTERM/SIGINT in the CLI);
    ``started`` is called once the database is ready and (SQLite) ours.

    Raises DatabaseError when the schema cannot be brought up to date, or on
    SQLite when another scheduler runs on the same database."""
    database = open_database(settings.database_url)
    me = instance_id()
    instance = Instance(settings, config, overrides, database, LeaderLock(database, me), me)
    try:
        if database.is_sqlite and not instance.lock.try_acquire():
            raise DatabaseError(
                database.shown,
                N_(
                    "another scheduler is already running on this database ({holder}); with SQLite only "
                    "one may run: stop it, or use PostgreSQL to run several"
                ),
                holder=instance.lock.holder() or "?",
            )
        if started:
            started()
        while True:
            instance.step(poll)
            if stop.wait(poll):
                return
    finally:
        instance.close()
        database.dispose()


class Instance:
    """One scheduler process: the leader (it runs APScheduler and its jobs) or
    a standby (it follows the leader's feeds and tries to take over)."""

    def __init__(self, settings, config, overrides, database: Database, lock: LeaderLock, me: str):
        self.settings, self.config, self.overrides = settings, config, overrides
        self.database, self.lock, self.me = database, lock, me
        plain = {k: str(v) for k, v in overrides.items() if v is not None}
        self.follower = Follower(settings, config, plain, StampStore(database))
        self.scheduler: BackgroundScheduler | None = None
        self.waiting_for: object = None

    def step(self, poll: float) -> None:
        if self.scheduler is not None:
            if not self.lock.still_held():
                log.error(
                    "leader: %s lost the lock (its database connection is gone): it stops the jobs", self.me
                )
                self.scheduler.shutdown(wait=False)
                self.scheduler, self.waiting_for = None, None
            return
        if self.lock.try_acquire():
            self._lead()
            return
        holder = self.lock.holder()
        if holder != self.waiting_for:
            log.info(
                "standby: %s waits while %s leads, and takes over within %d s if it stops",
                self.me,
                holder or "another scheduler",
                poll,
            )
            self.waiting_for = holder
        try:
            self.follower()
        except CalendarServiceError as error:
            log.error("standby: feeds not rebuilt: %s", error.render("en"))

    def _lead(self) -> None:
        log.info("leader: %s runs the jobs", self.me)
        try:
            scheduler = build_scheduler(self.settings, self.config, self.overrides, self.database)
            scheduler.resume()
        except (CalendarServiceError, SQLAlchemyError) as error:
            reason = (
                error.render("en") if isinstance(error, CalendarServiceError) else str(error).splitlines()[0]
            )
            log.error("leader: %s cannot start the jobs (%s): it steps down", self.me, reason)
            self.lock.release()
            return
        self.scheduler = scheduler
        log.info(
            "scheduler started: alerts daily at %02d:00 %s", self.settings.alert_hour, self.settings.timezone
        )

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
        self.lock.release()
