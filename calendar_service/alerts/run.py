"""Lead-time alerts and the weekly digest: which are due (a pure function of
registry, subscribers and a date), and the run that claims, sends and records
them in the ledger.

An alert (subscriber, occurrence, lead time) is due from the day that is
``lead`` days before the anniversary until the anniversary itself. When a run
finds several lead times of one anniversary due at once (after downtime, or for
a new subscriber), only the nearest goes out; the earlier ones are recorded as
superseded rather than sent in a burst. It is marked late only when the
service missed its day (no alerts run on that day, for a subscriber already
known then): a new subscriber or a new database gets no "sent late" mark.

Each claim is stamped when it is made (``clock()``), not when the run
started, and renewed before every delivery attempt, so a run that starts
while another is still sending never takes over what that run holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Settings
from ..dates.anniversaries import occurrences
from ..errors import ClaimLost, DeliveryError, DeliveryRejected, DeliveryUncertain
from ..feeds.entries import uid_stem
from ..feeds.stamps import Known
from ..model import Occurrence, Registry
from .digest import digest_end, digest_message, week_key
from .ledger import DISMISSED, REJECTED, SENT, SUPERSEDED, UNCERTAIN, Key, Ledger
from .mail import Outgoing, alert_message
from .optouts import OptOuts
from .plans import load_plans
from .subscribers import Subscriber

# Recorded outcomes after which a run does not send again (FAILED is retried).
DONE = (SENT, SUPERSEDED, REJECTED, UNCERTAIN, DISMISSED)
RETRY_BASE = dt.timedelta(minutes=10)
RETRY_CAP = dt.timedelta(hours=12)


@dataclass(frozen=True)
class DueAlert:
    subscriber: Subscriber
    occurrence: Occurrence
    lead: int
    due: dt.date
    overdue: bool  # its day is before today
    superseded: tuple[int, ...] = ()

    def key(self) -> Key:
        return Key("alert", self.subscriber.email, occurrence_key(self.occurrence), self.lead)


def occurrence_key(occurrence: Occurrence) -> str:
    """The language-neutral stem of the occurrence's UID (``dien-bien-phu-2024``)."""
    return uid_stem(occurrence)


def due_alerts(registry: Registry, subscribers: list[Subscriber], today: dt.date) -> list[DueAlert]:
    longest = max((s.lead_times.longest for s in subscribers), default=0)
    found = occurrences(registry, today, today + dt.timedelta(days=longest))
    # Subscribers with the same interests get the same alerts: each set of
    # interests is matched against the occurrences once (10 000 subscribers
    # share a few dozen of them).
    matched: dict[tuple, list[tuple[Occurrence, int, dt.date, tuple[int, ...]]]] = {}
    due = []
    for subscriber in subscribers:
        found_for = matched.get(subscriber.interests)
        if found_for is None:
            found_for = matched[subscriber.interests] = _matches(subscriber, found, today)
        due += [
            DueAlert(subscriber, occurrence, lead, when, when < today, older)
            for occurrence, lead, when, older in found_for
        ]
    due.sort(key=lambda a: (a.due, a.occurrence.date, a.subscriber.email, a.occurrence.event.id))
    return due


def _matches(
    subscriber: Subscriber, found: list[Occurrence], today: dt.date
) -> list[tuple[Occurrence, int, dt.date, tuple[int, ...]]]:
    """(occurrence, lead, due date, older leads passed) of each alert due to ``subscriber``."""
    matches = []
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
        matches.append((occurrence, lead, occurrence.date - dt.timedelta(days=lead), tuple(older)))
    return matches


Clock = Callable[[], dt.datetime]


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)  # message descriptions
    late: int = 0  # of the sent ones, how many after their day (the service missed it)
    skipped: int = 0  # already sent, superseded, or claimed by another run
    unsubscribed: list[str] = field(default_factory=list)  # opted out (one-click): skipped, not failed
    failed: list[str] = field(default_factory=list)  # temporary failures: retried later
    rejected: list[str] = field(default_factory=list)  # refused for good (5xx)
    uncertain: list[str] = field(default_factory=list)  # handed over, no reply: not resent
    planned: list[Outgoing] = field(default_factory=list)  # dry run: what would go out
    outstanding: list[dict] = field(default_factory=list)  # ledger rows still needing attention
    no_address: list[str] = field(default_factory=list)  # assignees without an email address: skipped

    @property
    def ok(self) -> bool:
        """Nothing failed, was rejected or is uncertain, now or from earlier runs."""
        return not (self.failed or self.rejected or self.uncertain or self.outstanding)


def _retry_after(attempts: int) -> dt.timedelta:
    return min(RETRY_BASE * 2**attempts, RETRY_CAP)


def _send_once(
    ledger: Ledger,
    key: Key,
    due: dt.date,
    late: bool,
    outgoing: Outgoing,
    transport,
    clock: Clock,
    report: RunReport,
    dry_run: bool,
) -> bool:
    """Claim, send and record one message; False when another run has it."""
    if dry_run:
        report.planned.append(outgoing)
        return False
    if not ledger.claim(key, due, late, clock()):
        report.skipped += 1
        return False
    if deliver(ledger, key, outgoing, transport, clock, report):
        report.late += late
    return True


def deliver(ledger: Ledger, key: Key, outgoing: Outgoing, transport, clock: Clock, report: RunReport) -> bool:
    """Send a claimed message and record the outcome; True when it was delivered."""

    def keep() -> None:
        if not ledger.renew(key, clock()):
            raise ClaimLost(key.occurrence)

    what = f"{outgoing.recipient}: {outgoing.message['Subject']}"
    try:
        transport.send(outgoing, keep=keep)
    except ClaimLost:
        report.skipped += 1  # another run holds it now: it sends, not us
        return False
    except DeliveryUncertain as error:
        ledger.mark_final(key, UNCERTAIN, error.reason, clock())
        report.uncertain.append(f"{what}: {error.reason}")
        return False
    except DeliveryRejected as error:
        ledger.mark_final(key, REJECTED, error.reason, clock())
        report.rejected.append(f"{what}: {error.reason}")
        return False
    except DeliveryError as error:
        ledger.mark_failed(key, error.reason, clock(), _retry_after(ledger.attempts(key)))
        report.failed.append(f"{what}: {error.reason}")
        return False
    ledger.mark_sent(key, outgoing.message_id, clock())
    report.sent.append(what)
    return True


def _fixed(now: dt.datetime) -> Clock:
    return lambda: now


def _reachable(
    subscribers: list[Subscriber], settings: Settings, ledger: Ledger, report: RunReport
) -> tuple[list[Subscriber], Settings]:
    """The subscribers who have not unsubscribed (the others are reported as
    skipped), and the settings with the key that signs unsubscribe links."""
    optouts = OptOuts(ledger.engine)
    gone = optouts.addresses()
    report.unsubscribed = [s.email for s in subscribers if s.email.casefold() in gone]
    return [s for s in subscribers if s.email.casefold() not in gone], optouts.with_key(settings)


def run_alerts(
    registry: Registry,
    subscribers: list[Subscriber],
    settings: Settings,
    ledger: Ledger,
    transport,
    today: dt.date,
    now: dt.datetime,
    dry_run: bool = False,
    stamps: dict[str, Known] | None = None,
    clock: Clock | None = None,
) -> RunReport:
    """Claim, send and record the due alerts. ``stamps`` are the feeds' stamps
    (``feeds.stamps.read_state``) so an attached event has the UID, SEQUENCE and
    DTSTAMP clients have from the feeds; without them it is stamped as new.
    ``now`` dates the messages; ``clock`` (default: always ``now``) stamps the
    claims and records as they happen."""
    clock = clock or _fixed(now)
    report = RunReport()
    subscribers, settings = _reachable(subscribers, settings, ledger, report)
    state = dict(stamps or {})
    known = ledger.known("alert")
    due = due_alerts(registry, subscribers, today)
    seen = ledger.first_seen([s.email for s in subscribers], today, clock(), record=not dry_run)
    missed: dict[dt.date, bool] = {}
    for alert in due:
        key = alert.key()
        recorded = known.get((key.subscriber.casefold(), key.occurrence, key.lead_days))
        if recorded in DONE:
            report.skipped += 1
            continue
        late = False
        if alert.overdue and seen.get(key.subscriber.casefold(), today) <= alert.due:
            if alert.due not in missed:
                missed[alert.due] = not ledger.ran_on(alert.due)
            late = missed[alert.due]
        outgoing = alert_message(
            registry, settings, alert.subscriber, alert.occurrence, alert.lead, today, late, state, now
        )
        if _send_once(ledger, key, alert.due, late, outgoing, transport, clock, report, dry_run):
            for older in alert.superseded:
                when = alert.occurrence.date - dt.timedelta(days=older)
                ledger.supersede(Key("alert", key.subscriber, key.occurrence, older), when, clock())
    if not dry_run:
        ledger.record_run(today, clock())
        report.outstanding = [row for row in ledger.outstanding() if row["kind"] == "alert"]
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
    clock: Clock | None = None,
) -> RunReport:
    """The weekly digest, once per subscriber per ISO week, with the coverages
    planned so far (from the ledger's database, where the planning view keeps them)."""
    clock = clock or _fixed(now)
    report = RunReport()
    subscribers, settings = _reachable(subscribers, settings, ledger, report)
    monday = today - dt.timedelta(days=today.weekday())
    last = digest_end(today, subscribers)
    found = occurrences(registry, today, last)
    with ledger.database.guarded():
        plans = load_plans(ledger.engine, monday.year, last.year)
    known = ledger.known("digest")
    week = week_key(today)
    for subscriber in subscribers:
        if not subscriber.digest:
            continue
        key = Key("digest", subscriber.email, week, 0)
        if known.get((subscriber.email.casefold(), week, 0)) in DONE:
            report.skipped += 1
            continue
        outgoing = digest_message(registry, settings, subscriber, found, today, now, plans)
        _send_once(ledger, key, monday, False, outgoing, transport, clock, report, dry_run)
    if not dry_run:
        report.outstanding = [row for row in ledger.outstanding() if row["kind"] == "digest"]
    return report
