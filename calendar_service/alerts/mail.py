"""Alert messages: standard-library MIME, Jinja templates for the plain-text
and HTML parts, Babel for dates, the occurrence attached as .ics. The weekly
digest (``digest.py``) shares the envelope, the date style and the layout.

Headers come from registry text only through ``email.message.EmailMessage``
with the SMTP policy, which encodes UTF-8 and refuses line breaks; titles are
already one line (the registry validates it). Every message carries a signed
one-click unsubscribe link (RFC 8058) and says it is automatic
(``Auto-Submitted``, and ``X-Auto-Response-Suppress`` for Exchange).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

import jinja2
from babel.dates import format_date

from ..config import Settings
from ..dates.titles import (
    anniversary_short_title,
    category_name,
    country_name,
    day,
    milestone_name,
)
from ..feeds.entries import countdown, entry_url, occurrence_entry
from ..feeds.ical import event_calendar
from ..feeds.stamps import Known, stamp_for
from ..i18n import Language, gettext, ngettext, translations
from ..model import Occurrence, Registry
from .optouts import unsubscribe_url
from .subscribers import Subscriber

TEMPLATES = Path(__file__).parent / "templates"
OUTBOX_SENDER = "calendar-service@localhost"  # only for the outbox: SMTP needs CALENDAR_MAIL_FROM

# One date style per language, the documents' (dates.titles.day), with the
# weekday where a date stands alone: "Thứ Ba, 7/5/2024", "Tuesday, 7 May 2024".
_WEEKDAY_PATTERN = {Language.VI: "EEEE, d/M/y", Language.EN: "EEEE, d MMMM y"}


def weekday_day(value: dt.date, lang: Language) -> str:
    return format_date(value, _WEEKDAY_PATTERN[lang], locale=lang)


def environment(lang: Language) -> jinja2.Environment:
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
    return settings.mail_from or OUTBOX_SENDER


def sender_domain(settings: Settings) -> str:
    return parseaddr(sender(settings))[1].rpartition("@")[2] or "localhost"


def message_id(kind: str, *parts: object, settings: Settings) -> str:
    """Deterministic: the same alert always has the same Message-ID, so a rare
    duplicate (crash after the SMTP server accepted it) is recognisable. Its
    domain is the sender's, as mail providers expect."""
    digest = hashlib.sha256("|".join(map(str, (kind, *parts))).encode()).hexdigest()[:32]
    return f"<{kind}.{digest}@{sender_domain(settings)}>"


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


def footer_links(settings: Settings, subscriber: Subscriber) -> dict[str, object]:
    """What every message ends with: the one-click unsubscribe page, and the
    subscriber's own unsubscribe address when the file gives one."""
    return {
        "unsubscribe": unsubscribe_url(settings, subscriber.email, subscriber.language),
        "unsubscribe_other": subscriber.unsubscribe,
        "planning_url": f"{settings.base_url}/?lang={subscriber.language}",
    }


def envelope(
    subscriber: Subscriber,
    subject: str,
    msgid: str,
    settings: Settings,
    now: dt.datetime,
    unsubscribe: bool = True,
) -> EmailMessage:
    """The headers; ``unsubscribe=False`` for mail that is not a subscription
    (a coverage's assignment and reminder): no List-Unsubscribe then."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender(settings)
    # An Address object: the email package quotes the display name itself, so a
    # name like 'Tên <x@y>, "z"' can never add a recipient.
    local, _, domain = subscriber.email.rpartition("@")
    message["To"] = Address(display_name=subscriber.name or "", username=local, domain=domain)
    # Not message["Subject"] = subject: CPython's header folder (3.11 at least)
    # drops the space at a fold between two encoded words ("Chiến thắng" arrives
    # as "Chiếnthắng" in one subject in ten). email.header.Header encodes whole
    # characters, spaces included, in lines short enough to be kept as they are.
    charset = "us-ascii" if subject.isascii() else "utf-8"
    message.set_raw("Subject", Header(subject, charset, header_name="Subject").encode(linesep="\r\n"))
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = msgid
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"  # no out-of-office replies (Exchange)
    if not unsubscribe:
        return message
    links = [unsubscribe_url(settings, subscriber.email, subscriber.language)]
    if subscriber.unsubscribe:
        links.append(subscriber.unsubscribe)
    message["List-Unsubscribe"] = ", ".join(f"<{link}>" for link in links)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def with_parts(message: EmailMessage, env: jinja2.Environment, name: str, context: dict) -> None:
    """The plain-text part and its HTML alternative, from ``name``.txt and .html."""
    message.set_content(env.get_template(f"{name}.txt").render(context), subtype="plain", charset="utf-8")
    message.add_alternative(env.get_template(f"{name}.html").render(context), subtype="html", charset="utf-8")


def headline(days: int, title: str, lang: Language) -> str:
    """ "30 days to go: …", "1 day to go: …", "Today: …"."""
    if days == 0:
        return gettext("Today: {title}", lang).format(title=title)
    return ngettext("{days} day to go: {title}", "{days} days to go: {title}", days, lang).format(
        days=days, title=title
    )


def alert_subject(occurrence: Occurrence, days_left: int, late: bool, lang: Language) -> str:
    return f"{countdown(days_left, lang, late)} {anniversary_short_title(occurrence, lang)}"


def sources(occurrence: Occurrence, registry: Registry, lang: Language) -> list[dict[str, str | None]]:
    """The entry's sources: documents with the words they quote, public pages with their address."""
    found: list[dict[str, str | None]] = []
    for citation in occurrence.event.sources:
        if citation.document:
            document = registry.documents[citation.document]
            issued = f", {day(document.date, lang)}" if document.date else ""
            found.append(
                {
                    "text": f"{document.number or document.title} ({document.issuer}{issued}): “{citation.quote}”",
                    "url": None,
                }
            )
        else:
            found.append({"text": citation.title, "url": citation.url})
    return found


def _facts(occurrence: Occurrence, lang: Language) -> list[str]:
    """Milestone and category, then the partner country and the partnership."""
    event = occurrence.event
    labels = [milestone_name(occurrence.milestone, lang)] if occurrence.milestone else []
    labels.append(category_name(event.category, lang))
    facts = [" · ".join(labels)]
    if event.country:
        facts.append(gettext("Country: {country}", lang).format(country=country_name(event.country, lang)))
    if event.partnership:
        facts.append(gettext("Partnership: {level}", lang).format(level=event.partnership.get(lang)))
    return facts


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
    message = envelope(subscriber, subject, msgid, settings, now)
    week = occurrence.date - dt.timedelta(days=occurrence.date.weekday())
    due = weekday_day(occurrence.date - dt.timedelta(days=lead), lang)
    context = {
        "lang": lang,
        "subject": subject,
        "subscriber": subscriber,
        "headline": headline(days_left, entry.summary, lang),
        "when": weekday_day(occurrence.date, lang),
        "facts": _facts(occurrence, lang),
        "late": (
            ngettext(
                "This reminder ({lead} day ahead) was due on {due}; the service sends it late.",
                "This reminder ({lead} days ahead) was due on {due}; the service sends it late.",
                lead,
                lang,
            ).format(lead=lead, due=due)
            if late
            else None
        ),
        "note": occurrence.event.note.get(lang) if occurrence.event.note else None,
        "sources": sources(occurrence, registry, lang),
        "url": entry_url(settings, occurrence.event.id, lang),
        **footer_links(settings, subscriber),
        "planning_url": f"{settings.base_url}/?from={week.isoformat()}&lang={lang}",
    }
    with_parts(message, environment(lang), "alert", context)
    message.add_attachment(
        event_calendar(entry, stamp_for(entry, state, now), lang),
        maintype="text",
        subtype="calendar",
        filename=f"{occurrence.event.id}-{occurrence.date.year}.ics",
        params={"charset": "utf-8", "method": "PUBLISH"},
    )
    message["Content-Language"] = lang  # after the body: set_content() drops Content-* headers
    return Outgoing(subscriber.email, message)
