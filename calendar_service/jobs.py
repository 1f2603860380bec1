"""The work both edges run: the command line (`build`, `alerts`, `digest`) and
the scheduler's jobs call these plain functions with settings and the clock
(``today`` in the configured time zone, ``now`` in UTC); nothing here reads
the real clock or prints."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .alerts.delivery import transport
from .alerts.ledger import Ledger
from .alerts.run import RunReport, run_alerts, run_digest
from .alerts.subscribers import load_subscribers
from .config import Settings
from .feeds.ical import WarmCache
from .feeds.publish import BuildResult, publish
from .feeds.stamps import read_state
from .registry.checks import load_registry


def rebuild_feeds(
    settings: Settings,
    today: dt.date,
    now: dt.datetime,
    out_dir: Path | None = None,
    warm: WarmCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Check the registry and publish the changed feeds (an invalid registry
    raises RegistryError and publishes nothing). ``warm``: serialisations kept
    by a long-running process from its previous build."""
    registry = load_registry(settings.registry)
    return publish(registry, settings, today, now, Path(out_dir or settings.feeds_dir), progress, warm=warm)


@dataclass(frozen=True)
class MailRun:
    report: RunReport
    subscribers_file_found: bool


def _mail(run, settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool) -> MailRun:
    registry = load_registry(settings.registry)
    found = Path(settings.subscribers).exists()
    subscribers = load_subscribers(settings.subscribers, settings)
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    sender = transport(settings, retries=settings.smtp_retries, backoff=settings.smtp_backoff_seconds)
    try:
        report = run(registry, subscribers, settings, ledger, sender, today, now, dry_run=dry_run)
    finally:
        sender.close()
        ledger.dispose()
    return MailRun(report, found)


def send_alerts(settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool = False) -> MailRun:
    """Send the lead-time alerts that are due, each once (the ledger decides)."""
    # The stamps the feeds gave each UID, so an attached event matches the feeds.
    stamps = read_state(settings.database_url)
    return _mail(functools.partial(run_alerts, stamps=stamps), settings, today, now, dry_run)


def send_digest(settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool = False) -> MailRun:
    """Send this week's digest, once per subscriber per week."""
    return _mail(run_digest, settings, today, now, dry_run)
