"""APScheduler 3.x wiring: jobs call the same functions as the command line.

Jobs live in the ledger's database (SQLAlchemyJobStore), so a restart keeps
their next run times: runs missed while the service was down are coalesced
into one catch-up run when it starts again. Alerts and feed rebuilds also run
once at start-up; the ledger makes that safe. The registry file is watched
(polled every 30 seconds) and feeds are rebuilt when it changes; an invalid
registry is logged and leaves the published feeds as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo
from pathlib import Path

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from . import jobs
from .alerts.ledger import engine_for
from .config import Settings, load_settings, local_today
from .errors import CalendarServiceError
from .feeds.ical import WarmCache

log = logging.getLogger("calendar_service.scheduler")
WATCH_SECONDS = 30


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
        report = job(settings, *_clock(settings)).report
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


def job_alerts(config: str | None = None, overrides: dict | None = None) -> None:
    _mail_job(jobs.send_alerts, "alerts", config, overrides)


def job_digest(config: str | None = None, overrides: dict | None = None) -> None:
    _mail_job(jobs.send_digest, "digest", config, overrides)


class RegistryWatcher:
    """Rebuilds the feeds when the registry file's modification time changes."""

    def __init__(self, path: Path, config: str | None, overrides: dict, warm: WarmCache | None = None):
        self.path, self.config, self.overrides, self.warm = path, config, overrides, warm
        self.seen = self._mtime()

    def _mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    def __call__(self) -> None:
        current = self._mtime()
        if current != self.seen:
            self.seen = current
            log.info("registry %s changed: rebuilding feeds", self.path)
            job_rebuild(self.config, self.overrides, self.warm)


def build_scheduler(settings: Settings, config: str | None, overrides: dict) -> BackgroundScheduler:
    tz = zoneinfo.ZoneInfo(settings.timezone)
    scheduler = BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine_for(settings.database_url)),
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


def run_forever(settings: Settings, config: str | None, overrides: dict, stop: threading.Event) -> None:
    """Run the scheduler until ``stop`` is set (SIGTERM/SIGINT in the CLI)."""
    scheduler = build_scheduler(settings, config, overrides)
    scheduler.resume()
    log.info("scheduler started: alerts daily at %02d:00 %s", settings.alert_hour, settings.timezone)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
