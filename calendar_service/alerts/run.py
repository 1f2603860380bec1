"""Lead-time alerts and the weekly digest: which are due (a pure function of
registry, subscribers and a date), and the run that claims, sends and records
them in the ledger.

An alert (subscriber, occurrence, lead time) is due from the day that is
``lead`` days before the anniversary until the anniversary itself. When a run
finds several lead times of one anniversary due at once (after downtime, or for
a new subscriber), only the nearest goes out, marked late if its day has
passed; the earlier ones are recorded as superseded rather than sent in a burst.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..config import Settings
from ..dates.anniversaries import occurrences
from ..errors import DeliveryError
from ..feeds.entries import uid
from ..model import Occurrence, Registry
from .ledger import SENT, SUPERSEDED, Key, Ledger
from .mail import DIGEST_WEEKS, Outgoing, alert_message, digest_message, week_key
from .subscribers import Subscriber

RETRY_BASE = dt.timedelta(minutes=10)
RETRY_CAP = dt.timedelta(hours=12)


@dataclass(frozen=True)
class DueAlert:
    subscriber: Subscriber
    occurrence: Occurrence
    lead: int
    due: dt.date
    late: bool
    superseded: tuple[int, ...] = ()

    def key(self) -> Key:
        return Key("alert", self.subscriber.email, occurrence_key(self.occurrence), self.lead)


def occurrence_key(occurrence: Occurrence) -> str:
    """The language-neutral stem of the occurrence's UID (``dien-bien-phu-2024``)."""
    return uid(occurrence, "xx").split(".xx@", 1)[0]


def due_alerts(registry: Registry, subscribers: list[Subscriber], today: dt.date) -> list[DueAlert]:
    longest = max((s.lead_times.longest for s in subscribers), default=0)
    found = occurrences(registry, today, today + dt.timedelta(days=longest))
    due = []
    for subscriber in subscribers:
        for occurrence in found:
            if not subscriber.wants(occurrence):
                continue
            passed = sorted(
                lead
                for lead in subscriber.lead_times.for_milestone(occurrence.milestone)
                if occurrence.date - dt.timedelta(days=lead) <= today
            )
            if not passed:
                continue
            lead, *older = passed
            when = occurrence.date - dt.timedelta(days=lead)
            due.append(DueAlert(subscriber, occurrence, lead, when, when < today, tuple(older)))
    due.sort(key=lambda a: (a.due, a.occurrence.date, a.subscriber.email, a.occurrence.event.id))
    return due


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)  # message descriptions
    late: int = 0
    skipped: int = 0  # already sent, superseded, or claimed by another run
    failed: list[str] = field(default_factory=list)
    planned: list[Outgoing] = field(default_factory=list)  # dry run: what would go out


def _retry_after(attempts: int) -> dt.timedelta:
    return min(RETRY_BASE * 2**attempts, RETRY_CAP)


def _send_once(
    ledger: Ledger,
    key: Key,
    due: dt.date,
    late: bool,
    outgoing: Outgoing,
    transport,
    now: dt.datetime,
    report: RunReport,
    dry_run: bool,
) -> bool:
    """Claim, send and record one message; False when another run has it."""
    if dry_run:
        report.planned.append(outgoing)
        return False
    if not ledger.claim(key, due, late, now):
        report.skipped += 1
        return False
    report.late += late
    _deliver(ledger, key, outgoing, transport, now, report)
    return True


def _deliver(
    ledger: Ledger, key: Key, outgoing: Outgoing, transport, now: dt.datetime, report: RunReport
) -> None:
    try:
        transport.send(outgoing)
    except DeliveryError as error:
        ledger.mark_failed(key, error.reason, now, _retry_after(ledger.attempts(key)))
        report.failed.append(f"{outgoing.recipient}: {outgoing.message['Subject']}: {error.reason}")
        return
    ledger.mark_sent(key, outgoing.message_id, now)
    report.sent.append(f"{outgoing.recipient}: {outgoing.message['Subject']}")


def run_alerts(
    registry: Registry,
    subscribers: list[Subscriber],
    settings: Settings,
    ledger: Ledger,
    transport,
    today: dt.date,
    now: dt.datetime,
    dry_run: bool = False,
    stamps: dict[str, dict] | None = None,
) -> RunReport:
    """Claim, send and record the due alerts. ``stamps`` are the feeds' stamps
    (``feeds.stamps.read_state``) so an attached event has the UID, SEQUENCE and
    DTSTAMP clients have from the feeds; without them it is stamped as new."""
    report = RunReport()
    state = dict(stamps or {})
    known = ledger.known("alert")
    for alert in due_alerts(registry, subscribers, today):
        key = alert.key()
        recorded = known.get((key.subscriber.casefold(), key.occurrence, key.lead_days))
        if recorded in (SENT, SUPERSEDED):
            report.skipped += 1
            continue
        outgoing = alert_message(
            registry,
            settings,
            alert.subscriber,
            alert.occurrence,
            alert.lead,
            today,
            alert.late,
            state,
            now,
        )
        if _send_once(ledger, key, alert.due, alert.late, outgoing, transport, now, report, dry_run):
            for older in alert.superseded:
                due = alert.occurrence.date - dt.timedelta(days=older)
                ledger.supersede(Key("alert", key.subscriber, key.occurrence, older), due, now)
    return report


def run_digest(
    registry: Registry,
    subscribers: list[Subscriber],
    settings: Settings,
    ledger: Ledger,
    transport,
    today: dt.date,
    now: dt.datetime,
    dry_run: bool = False,
) -> RunReport:
    """The weekly digest, once per subscriber per ISO week."""
    report = RunReport()
    monday = today - dt.timedelta(days=today.weekday())
    found = occurrences(registry, today, monday + dt.timedelta(weeks=DIGEST_WEEKS, days=-1))
    known = ledger.known("digest")
    week = week_key(today)
    for subscriber in subscribers:
        if not subscriber.digest:
            continue
        key = Key("digest", subscriber.email, week, 0)
        if known.get((subscriber.email.casefold(), week, 0)) == SENT:
            report.skipped += 1
            continue
        outgoing = digest_message(registry, settings, subscriber, found, today, now)
        _send_once(ledger, key, monday, False, outgoing, transport, now, report, dry_run)
    return report
