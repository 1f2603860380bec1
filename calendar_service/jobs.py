"""The work both edges run: the command line (`build`, `alerts`, `digest`) and
the scheduler's jobs call these plain functions with settings and the clock
(``today`` in the configured time zone, ``now`` in UTC); nothing here reads
the real clock or prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .alerts.assignments import KINDS as ASSIGNMENT_KINDS
from .alerts.assignments import rebuild as rebuild_assignment
from .alerts.assignments import run_assignments
from .alerts.delivery import Outbox, transport
from .alerts.digest import digest_end, digest_message
from .alerts.ledger import OUTSTANDING, Key, Ledger
from .alerts.mail import Outgoing, alert_message
from .alerts.optouts import OptOuts
from .alerts.plans import load_plans
from .alerts.run import Clock, RunReport, deliver, occurrence_key, run_alerts, run_digest
from .alerts.subscribers import load_subscribers
from .config import Settings
from .dates.anniversaries import occurrences
from .errors import UsageError
from .feeds.ical import WarmCache
from .feeds.publish import publish
from .feeds.record import BuildResult, up_to_date
from .feeds.stamps import read_state, with_uid_domain
from .i18n import N_
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
    out = Path(out_dir or settings.feeds_dir)
    unchanged = up_to_date(settings, today, out)
    if unchanged is not None:
        return unchanged  # nothing it reads has changed since the last build: not even loaded
    registry = load_registry(settings.registry)
    return publish(registry, with_uid_domain(settings, out), today, now, out, progress, warm=warm)


@dataclass(frozen=True)
class MailRun:
    report: RunReport
    subscribers_file_found: bool
    outbox: Path | None = None  # where the messages went when no SMTP server is set


def _mail(
    run, settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool, clock: Clock | None
) -> MailRun:
    registry = load_registry(settings.registry)
    settings = with_uid_domain(settings)  # an attached event has the feeds' UID
    found = Path(settings.subscribers).exists()
    subscribers = load_subscribers(settings.subscribers, settings)
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    sender = transport(settings, retries=settings.smtp_retries, backoff=settings.smtp_backoff_seconds)
    try:
        report = run(
            registry, subscribers, settings, ledger, sender, today, now, dry_run=dry_run, clock=clock
        )
    finally:
        sender.close()
        ledger.dispose()
    return MailRun(report, found, sender.folder if isinstance(sender, Outbox) else None)


def send_alerts(
    settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool = False, clock: Clock | None = None
) -> MailRun:
    """Send the lead-time alerts that are due, each once (the ledger decides),
    then the coverages' assignment and reminder mails (alerts/assignments.py);
    ``clock`` stamps the claims as they are made (an edge passes the real one)."""
    # The stamps the feeds gave each UID, so an attached event matches the feeds.
    stamps = read_state(settings.database_url)

    def alerts_and_assignments(registry, subscribers, settings, ledger, sender, today, now, dry_run, clock):
        report = run_alerts(
            registry, subscribers, settings, ledger, sender, today, now, dry_run, stamps=stamps, clock=clock
        )
        return run_assignments(
            registry, subscribers, settings, ledger, sender, today, now, report, dry_run, clock
        )

    return _mail(alerts_and_assignments, settings, today, now, dry_run, clock)


def send_digest(
    settings: Settings, today: dt.date, now: dt.datetime, dry_run: bool = False, clock: Clock | None = None
) -> MailRun:
    """Send this week's digest, once per subscriber per week."""
    return _mail(run_digest, settings, today, now, dry_run, clock)


def outstanding(settings: Settings) -> list[dict]:
    """Failed, rejected and uncertain messages recorded in the ledger."""
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    try:
        return ledger.outstanding()
    finally:
        ledger.dispose()


def _rebuild_message(row: dict, settings: Settings, ledger: Ledger, now: dt.datetime) -> Outgoing:
    """The message a ledger row stands for, rebuilt with its Message-ID."""
    registry = load_registry(settings.registry)
    settings = OptOuts(ledger.engine).with_key(with_uid_domain(settings))
    listed = load_subscribers(settings.subscribers, settings)
    if row["kind"] in ASSIGNMENT_KINDS:
        rebuilt = rebuild_assignment(row, registry, listed, settings, ledger, now)
        if rebuilt is None:
            raise UsageError(
                N_("the coverage, account or entry of message {id} is gone: dismiss the message instead"),
                id=row["id"],
            )
        return rebuilt
    subscribers = {s.email.casefold(): s for s in listed}
    subscriber = subscribers.get(row["subscriber"])
    if subscriber is None:
        raise UsageError(
            N_("{email} is no longer in the subscribers file: dismiss the message instead"),
            email=row["subscriber"],
        )
    if row["kind"] == "digest":
        monday = row["due"]
        last = digest_end(monday, [subscriber])
        found = occurrences(registry, monday, last)
        plans = load_plans(ledger.engine, monday.year, last.year)
        return digest_message(registry, settings, subscriber, found, monday, now, plans)
    event_id, _, year = row["occurrence"].rpartition("-")
    event = registry.event(event_id)
    candidates = (
        []
        if event is None or not year.isdigit()
        else occurrences([event], dt.date(int(year) - 1, 1, 1), dt.date(int(year) + 1, 12, 31))
    )
    match = [o for o in candidates if occurrence_key(o) == row["occurrence"]]
    if not match:
        raise UsageError(
            N_("'{occurrence}' is no longer in the registry: dismiss the message instead"),
            occurrence=row["occurrence"],
        )
    stamps = read_state(settings.database_url)
    return alert_message(
        registry, settings, subscriber, match[0], row["lead_days"], row["due"], False, stamps, now
    )


def resend(settings: Settings, row_id: int, now: dt.datetime, clock: Clock) -> RunReport:
    """An operator's resend of a failed, rejected or uncertain message (same
    Message-ID, so a copy that did arrive is recognisable)."""
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    sender = transport(settings, retries=settings.smtp_retries, backoff=settings.smtp_backoff_seconds)
    try:
        row = ledger.row(row_id)
        if row is None or row["state"] not in OUTSTANDING:
            raise UsageError(N_("no failed or uncertain message with number {id}"), id=row_id)
        outgoing = _rebuild_message(row, settings, ledger, now)
        if not ledger.take_for_resend(row_id, clock()):
            raise UsageError(N_("no failed or uncertain message with number {id}"), id=row_id)
        key = Key(row["kind"], row["subscriber"], row["occurrence"], row["lead_days"])
        report = RunReport()
        deliver(ledger, key, outgoing, sender, clock, report)
        return report
    finally:
        sender.close()
        ledger.dispose()


def dismiss(settings: Settings, row_id: int, now: dt.datetime) -> None:
    """Give up on a failed, rejected or uncertain message (it stops being reported)."""
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    try:
        if not ledger.dismiss(row_id, now):
            raise UsageError(N_("no failed or uncertain message with number {id}"), id=row_id)
    finally:
        ledger.dispose()


def unsubscribed(settings: Settings, remove: str | None = None) -> dict[str, dt.datetime]:
    """The addresses that unsubscribed (one-click) and when; ``remove`` takes one
    off the list first (its owner asked to receive the mail again)."""
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    try:
        optouts = OptOuts(ledger.engine)
        if remove is not None and not optouts.remove(remove):
            raise UsageError(N_("{email} has not unsubscribed"), email=remove)
        return optouts.addresses()
    finally:
        ledger.dispose()
