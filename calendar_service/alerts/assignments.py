"""Mail to the people a coverage is assigned to: one message when they are
added to its assignees, and one reminder ``REMINDER_DAYS`` days before its
due date (sent from then until the due date itself; a run after the due date
sends none). Both go through the alert ledger like the alerts, so each goes
out once however many runs there are: kinds ``assignment`` (lead 0) and
``reminder`` (lead: days before the due date), keyed by the account's
username and ``coverage:<id>``.

They are sent by the scheduled alerts run, never by the web request that
assigns: the web stays fast, and only the ledger decides what was sent.
Dropped and published coverages get nothing more; an account without an
email address is skipped (and logged); a coverage whose entry left the
registry (orphaned) is skipped. When the assignment and the reminder are due
in the same run, the assignment (which gives the due date) goes out and the
reminder is recorded as superseded. The language is the one the subscribers
file gives the account's address, else the installation's ``language``."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from ..config import Settings
from ..dates.anniversaries import occurrences
from ..dates.titles import anniversary_short_title, capitalised, day
from ..feeds.entries import entry_url
from ..i18n import Language, gettext, ngettext
from ..model import Event, Occurrence, Registry
from ..planning.accounts import Accounts, User
from ..planning.coverage import Coverage, CoverageStore
from .ledger import Key, Ledger
from .mail import Outgoing, envelope, environment, message_id, weekday_day, with_parts
from .plans import Plans
from .run import DONE, Clock, RunReport, _send_once
from .subscribers import Subscriber

log = logging.getLogger("calendar_service.alerts")

ASSIGNMENT, REMINDER = "assignment", "reminder"
KINDS = (ASSIGNMENT, REMINDER)
REMINDER_DAYS = 2


def coverage_key(coverage_id: int) -> str:
    return f"coverage:{coverage_id}"


@dataclass(frozen=True)
class AssignmentMail:
    kind: str  # assignment or reminder
    coverage: Coverage
    user: User
    event: Event
    occurrence: Occurrence | None  # None while the anniversary's day is still to verify
    due: dt.date  # the day the mail is due (the ledger's "due")

    @property
    def lead(self) -> int:
        return 0 if self.kind == ASSIGNMENT else REMINDER_DAYS

    def key(self) -> Key:
        return Key(self.kind, self.user.username, coverage_key(self.coverage.id), self.lead)


def _occurrence(event: Event, year: int) -> Occurrence | None:
    found = occurrences([event], dt.date(year, 1, 1), dt.date(year, 12, 31))
    return found[0] if found else None


def due_mails(
    registry: Registry, coverages: list[Coverage], users: dict[str, User], today: dt.date
) -> tuple[list[AssignmentMail], list[str]]:
    """The assignment and reminder mails that may be due today (the ledger
    says which went out already), and the assignees without an address."""
    due: list[AssignmentMail] = []
    no_address: list[str] = []
    for coverage in coverages:
        event = registry.event(coverage.entry_id)
        if not coverage.status.open or event is None:
            continue
        occurrence = _occurrence(event, coverage.year)
        over = occurrence.date < today if occurrence else coverage.year < today.year
        for username in coverage.assignees:
            user = users.get(username)
            if user is None or not user.active:
                continue
            if not user.email:
                no_address.append(username)
                continue
            if not over:
                due.append(AssignmentMail(ASSIGNMENT, coverage, user, event, occurrence, today))
            if coverage.due is not None:
                remind = coverage.due - dt.timedelta(days=REMINDER_DAYS)
                if remind <= today <= coverage.due:
                    due.append(AssignmentMail(REMINDER, coverage, user, event, occurrence, remind))
    return due, sorted(set(no_address))


def language_of(email: str, subscribers: list[Subscriber], settings: Settings) -> Language:
    for subscriber in subscribers:
        if subscriber.email.casefold() == email.casefold():
            return subscriber.language
    return settings.language


def _title(mail: AssignmentMail, lang: Language) -> str:
    if mail.occurrence is not None:
        return anniversary_short_title(mail.occurrence, lang)
    return capitalised(
        gettext("{title} ({date})", lang).format(title=mail.event.title.get(lang), date=mail.coverage.year)
    )


def assignment_message(
    mail: AssignmentMail, plans: Plans, settings: Settings, lang: Language, today: dt.date, now: dt.datetime
) -> Outgoing:
    coverage, user = mail.coverage, mail.user
    title = _title(mail, lang)
    if mail.kind == ASSIGNMENT:
        subject = gettext("You are assigned: {title}", lang).format(title=title)
        headline = gettext("You are assigned to cover: {title}", lang).format(title=title)
    else:
        days = ((coverage.due or today) - today).days
        if days == 0:
            subject = gettext("Due today: {title}", lang).format(title=title)
        else:
            subject = ngettext(
                "Due in {days} day: {title}", "Due in {days} days: {title}", days, lang
            ).format(days=days, title=title)
        headline = gettext("Reminder: your coverage of {title} is due on {date}.", lang).format(
            title=title, date=weekday_day(coverage.due or today, lang)
        )
    recipient = Subscriber(user.email or "", user.display_name, language=lang)
    msgid = message_id(mail.kind, user.username, coverage.id, mail.lead, settings=settings)
    message = envelope(recipient, subject, msgid, settings, now, unsubscribe=False)
    others = [plans.name(name) for name in coverage.assignees if name != user.username]
    facts = [
        (
            gettext("Anniversary date", lang),
            weekday_day(mail.occurrence.date, lang) if mail.occurrence else "",
        ),
        (gettext("Status", lang), gettext(coverage.status.label, lang)),
        (gettext("Desk", lang), coverage.desk),
        (gettext("Format", lang), gettext(coverage.format.label, lang)),
        (gettext("Angle", lang), coverage.angle),
        (gettext("Due", lang), weekday_day(coverage.due, lang) if coverage.due else ""),
        (gettext("With", lang), ", ".join(others)),
        (gettext("Notes", lang), coverage.notes),
    ]
    context = {
        "lang": lang,
        "subject": subject,
        "subscriber": recipient,
        "headline": headline,
        "facts": [(name, value) for name, value in facts if value],
        "url": entry_url(settings, coverage.entry_id, lang),
        "reminder": (
            ngettext(
                "A reminder follows on {date}, {days} day before the due date.",
                "A reminder follows on {date}, {days} days before the due date.",
                REMINDER_DAYS,
                lang,
            ).format(date=day(coverage.due - dt.timedelta(days=REMINDER_DAYS), lang), days=REMINDER_DAYS)
            if mail.kind == ASSIGNMENT and coverage.due and coverage.due - dt.timedelta(REMINDER_DAYS) > today
            else None
        ),
    }
    with_parts(message, environment(lang), "assignment", context)
    message["Content-Language"] = lang
    return Outgoing(user.email or "", message)


def run_assignments(
    registry: Registry,
    subscribers: list[Subscriber],
    settings: Settings,
    ledger: Ledger,
    transport,
    today: dt.date,
    now: dt.datetime,
    report: RunReport,
    dry_run: bool = False,
    clock: Clock | None = None,
) -> RunReport:
    """Claim, send and record the assignment and reminder mails that are due,
    adding to ``report`` (the alerts run's)."""
    clock = clock or (lambda: now)
    with ledger.database.guarded():
        coverages = CoverageStore(ledger.engine).all()
        users = {user.username: user for user in Accounts(ledger.engine).all()}
    plans = Plans({}, {name: user.display_name for name, user in users.items()})
    due, no_address = due_mails(registry, coverages, users, today)
    for username in no_address:
        log.warning("assignment mail to %s skipped: the account has no email address", username)
    report.no_address = no_address
    known = {kind: ledger.known(kind) for kind in KINDS}
    assigned_now: set[tuple[str, int]] = set()
    for mail in due:
        key = mail.key()
        if known[mail.kind].get((key.subscriber, key.occurrence, key.lead_days)) in DONE:
            report.skipped += 1
            continue
        pair = (mail.user.username, mail.coverage.id)
        if mail.kind == REMINDER and pair in assigned_now:
            if not dry_run:  # the assignment, just sent, gives the due date
                ledger.supersede(key, mail.due, clock())
            continue
        lang = language_of(mail.user.email or "", subscribers, settings)
        outgoing = assignment_message(mail, plans, settings, lang, today, now)
        claimed = _send_once(ledger, key, mail.due, False, outgoing, transport, clock, report, dry_run)
        if mail.kind == ASSIGNMENT and (claimed or dry_run):
            assigned_now.add(pair)
    if not dry_run:
        report.outstanding += [row for row in ledger.outstanding() if row["kind"] in KINDS]
    return report


def rebuild(
    row: dict, registry: Registry, subscribers: list[Subscriber], settings: Settings, ledger: Ledger, now
) -> Outgoing | None:
    """The message a ledger row of an assignment or reminder stands for (an
    operator's resend), or None when its coverage, account or entry is gone."""
    number = row["occurrence"].partition(":")[2]
    coverage = CoverageStore(ledger.engine).get(int(number)) if number.isdigit() else None
    user = Accounts(ledger.engine).find(row["subscriber"])
    event = registry.event(coverage.entry_id) if coverage else None
    if coverage is None or user is None or not user.email or event is None:
        return None
    names = {u.username: u.display_name for u in Accounts(ledger.engine).all()}
    mail = AssignmentMail(row["kind"], coverage, user, event, _occurrence(event, coverage.year), row["due"])
    lang = language_of(user.email, subscribers, settings)
    return assignment_message(mail, Plans({}, names), settings, lang, row["due"], now)
