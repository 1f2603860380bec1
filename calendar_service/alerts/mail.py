"""Alert and digest messages: standard-library MIME, Jinja templates for the
plain-text and HTML parts, Babel for dates, the occurrence attached as .ics.

Headers come from registry text only through ``email.message.EmailMessage``
with the SMTP policy, which encodes UTF-8 and refuses line breaks; titles are
already one line (the registry validates it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import jinja2

from ..config import Settings
from ..dates.anniversaries import unverified
from ..dates.titles import (
    anniversary_short_title,
    category_name,
    day,
    full_day,
    milestone_name,
    occurrence_title,
    unverified_title,
)
from ..feeds.entries import countdown, entry_url, occurrence_entry, source_lines
from ..feeds.ical import event_calendar
from ..feeds.stamps import Known, stamp_for
from ..i18n import Language, gettext, translations
from ..model import Occurrence, Registry
from .subscribers import Subscriber

TEMPLATES = Path(__file__).parent / "templates"
DIGEST_WEEKS = 8


def _environment(lang: Language) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def sender(settings: Settings) -> str:
    return settings.mail_from or "calendar-service@localhost"


def message_id(kind: str, *parts: object, settings: Settings) -> str:
    """Deterministic: the same alert always has the same Message-ID, so a rare
    duplicate (crash after the SMTP server accepted it) is recognisable."""
    digest = hashlib.sha256("|".join(map(str, (kind, *parts))).encode()).hexdigest()[:32]
    domain = sender(settings).rpartition("@")[2] or "localhost"
    return f"<{kind}.{digest}@{domain}>"


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


def _envelope(
    subscriber: Subscriber, subject: str, msgid: str, settings: Settings, now: dt.datetime
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender(settings)
    # An Address object: the email package quotes the display name itself, so a
    # name like 'Tên <x@y>, "z"' can never add a recipient.
    local, _, domain = subscriber.email.rpartition("@")
    message["To"] = Address(display_name=subscriber.name or "", username=local, domain=domain)
    message["Subject"] = subject
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = msgid
    message["Auto-Submitted"] = "auto-generated"
    if subscriber.unsubscribe:
        message["List-Unsubscribe"] = f"<{subscriber.unsubscribe}>"
    return message


def alert_subject(occurrence: Occurrence, days_left: int, late: bool, lang: Language) -> str:
    prefix = countdown(days_left, lang)
    if late:
        prefix = gettext("[{days} days to go · late]", lang).format(days=days_left)
    return f"{prefix} {anniversary_short_title(occurrence, lang)}"


def alert_message(
    registry: Registry,
    settings: Settings,
    subscriber: Subscriber,
    occurrence: Occurrence,
    lead: int,
    today: dt.date,
    late: bool,
    state: dict[str, Known],
    now: dt.datetime,
) -> Outgoing:
    """An alert; ``state`` is the feeds' stamps (publish.read_state), so the
    attached event has the UID, SEQUENCE and DTSTAMP clients have from the feeds."""
    lang = subscriber.language
    entry = occurrence_entry(occurrence, registry, settings, lang)
    days_left = (occurrence.date - today).days
    subject = alert_subject(occurrence, days_left, late, lang)
    msgid = message_id("alert", subscriber.email.casefold(), entry.uid, lead, settings=settings)
    message = _envelope(subscriber, subject, msgid, settings, now)
    labels = [milestone_name(occurrence.milestone, lang)] if occurrence.milestone else []
    labels.append(category_name(occurrence.event.category, lang))
    context = {
        "lang": lang,
        "subject": subject,
        "subscriber": subscriber,
        "days_left": days_left,
        "title": entry.summary,
        "when": full_day(occurrence.date, lang),
        "labels": " · ".join(labels),
        "late": late,
        "lead": lead,
        "due": day(occurrence.date - dt.timedelta(days=lead), lang),
        "note": occurrence.event.note.get(lang) if occurrence.event.note else None,
        "sources": source_lines(occurrence, registry, lang),
        "url": entry_url(settings, occurrence.event.id, lang),
        "unsubscribe": subscriber.unsubscribe,
    }
    env = _environment(lang)
    message.set_content(env.get_template("alert.txt").render(context), subtype="plain", charset="utf-8")
    message.add_alternative(env.get_template("alert.html").render(context), subtype="html", charset="utf-8")
    message.add_attachment(
        event_calendar(entry, stamp_for(entry, state, now), lang),
        maintype="text",
        subtype="calendar",
        filename=f"{occurrence.event.id}-{occurrence.date.year}.ics",
        params={"method": "PUBLISH"},
    )
    message["Content-Language"] = lang  # after the body: set_content() drops Content-* headers
    return Outgoing(subscriber.email, message)


def week_key(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def digest_message(
    registry: Registry,
    settings: Settings,
    subscriber: Subscriber,
    found: list[Occurrence],
    today: dt.date,
    now: dt.datetime,
) -> Outgoing:
    """The weekly planning digest: the next 8 weeks, by week, milestones first."""
    lang = subscriber.language
    monday = today - dt.timedelta(days=today.weekday())
    end = monday + dt.timedelta(weeks=DIGEST_WEEKS, days=-1)
    weeks = []
    for number in range(DIGEST_WEEKS):
        first = monday + dt.timedelta(weeks=number)
        last = first + dt.timedelta(days=6)
        items = [o for o in found if first <= o.date <= last and subscriber.wants(o)]
        items.sort(key=lambda o: (o.milestone is None, o.date, o.event.id))
        label = gettext("Week {week}: {start} – {end}", lang).format(
            week=first.isocalendar()[1], start=day(first, lang), end=day(last, lang)
        )
        weeks.append(
            {
                "label": label,
                "items": [
                    {
                        "date": day(o.date, lang),
                        "days": (o.date - today).days,
                        "milestone": milestone_name(o.milestone, lang),
                        "title": occurrence_title(o, lang),
                    }
                    for o in items
                ],
            }
        )
    to_verify = [
        unverified_title(u, lang)
        for u in unverified(registry, monday.year, end.year)
        if (not subscriber.categories and not subscriber.countries)
        or u.event.category in subscriber.categories
        or u.event.country in subscriber.countries
    ]
    subject = gettext("Anniversaries of the next {weeks} weeks (from {start})", lang).format(
        weeks=DIGEST_WEEKS, start=day(monday, lang)
    )
    msgid = message_id("digest", subscriber.email.casefold(), week_key(today), settings=settings)
    message = _envelope(subscriber, subject, msgid, settings, now)
    context = {
        "lang": lang,
        "subject": subject,
        "subscriber": subscriber,
        "weeks": weeks,
        "weeks_count": DIGEST_WEEKS,
        "start": day(monday, lang),
        "end": day(end, lang),
        "to_verify": to_verify,
        "url": f"{settings.base_url}/?lang={lang}",
        "unsubscribe": subscriber.unsubscribe,
    }
    env = _environment(lang)
    message.set_content(env.get_template("digest.txt").render(context), subtype="plain", charset="utf-8")
    message.add_alternative(env.get_template("digest.html").render(context), subtype="html", charset="utf-8")
    message["Content-Language"] = lang
    return Outgoing(subscriber.email, message)
