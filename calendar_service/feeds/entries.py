"""Entries: the content of one VEVENT (title, description with the sources,
categories, URL, reminders) for an occurrence, before it is stamped.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..config import Settings
from ..dates.lunar import from_solar
from ..dates.titles import (
    category_name,
    country_name,
    day,
    holiday_label,
    milestone_name,
    occurrence_title,
    scope_name,
    solar,
    yearly_rule,
)
from ..i18n import Language, gettext, ngettext
from ..model import NATIONAL, Event, LunarRule, Occurrence, Registry, YearlyRule

# The one UID domain of every installation before it became a setting: feeds
# published with it keep it until the operator sets CALENDAR_UID_DOMAIN.
LEGACY_UID_DOMAIN = "calendar-service"


# A JSON string as json.dumps(..., ensure_ascii=False) writes it (the C function its encoder calls).
_json = json.encoder.encode_basestring


@dataclass(frozen=True)
class Entry:
    """One VEVENT before it is stamped: everything that defines its content."""

    uid: str
    start: dt.date
    summary: str
    description: str
    categories: tuple[str, ...]
    url: str
    reminders: tuple[tuple[int, str], ...] = ()  # (days before, text)

    def digest(self) -> str:
        """Content hash: what a change of the entry changes (not stamps, not
        reminders). The SHA-256 of ``json.dumps([uid, start, summary,
        description, [categories...], url], ensure_ascii=False)``, the text
        written here directly: json's generic encoder was half of a digest's
        cost. tests/feeds/test_digest.py proves the text the same."""
        categories = ", ".join(map(_json, self.categories))
        core = (
            f'[{_json(self.uid)}, "{self.start.isoformat()}", {_json(self.summary)}, '
            f"{_json(self.description)}, [{categories}], {_json(self.url)}]"
        )
        return hashlib.sha256(core.encode()).hexdigest()


def _year_key(occurrence: Occurrence) -> int:
    # A lunar date can fall twice in one solar year (early January and late
    # December); its lunar year identifies the occurrence instead.
    if isinstance(occurrence.event.origin, LunarRule):
        return from_solar(occurrence.date).year
    return occurrence.date.year


def uid_stem(occurrence: Occurrence) -> str:
    """The language- and domain-neutral part of an occurrence's UID (``dien-bien-phu-2024``)."""
    return f"{occurrence.event.id}-{_year_key(occurrence)}"


def uid(occurrence: Occurrence, lang: str, domain: str, lead: int | None = None) -> str:
    suffix = f"-t{lead}" if lead is not None else ""
    return f"{uid_stem(occurrence)}{suffix}.{lang}@{domain}"


def default_uid_domain(settings: Settings) -> str:
    """The host of the base URL (``lich.example.org``), without the port."""
    return urlsplit(settings.base_url).hostname or "localhost"


def uid_domain(settings: Settings) -> str:
    """The domain of this installation's UIDs: the setting, else the host of the base URL."""
    return settings.uid_domain or default_uid_domain(settings)


@dataclass(frozen=True)
class UidDomainChoice:
    domain: str
    published: str | None  # the domain of the UIDs clients already have, when it is another one
    configured: bool


def choose_uid_domain(settings: Settings, published_uids: Iterable[str]) -> UidDomainChoice:
    """The UID domain to build with, given the UIDs already published.

    UIDs are the identity of events in subscribers' calendars: a new domain
    makes every client show every event twice. So without a configured domain,
    feeds already published under another one (``calendar-service``, the fixed
    domain of earlier versions, or an earlier base URL's host) keep it."""
    counts = Counter(uid.rpartition("@")[2] for uid in published_uids)
    if settings.uid_domain:
        other = None if not counts or settings.uid_domain in counts else counts.most_common(1)[0][0]
        return UidDomainChoice(settings.uid_domain, other, True)
    default = default_uid_domain(settings)
    if not counts or default in counts:
        return UidDomainChoice(default, None, False)
    # The most used one; on a tie, the legacy domain, then the first by name.
    kept = min(counts, key=lambda d: (-counts[d], d != LEGACY_UID_DOMAIN, d))
    return UidDomainChoice(kept, kept, False)


def entry_url(settings: Settings, event_id: str, lang: Language) -> str:
    return f"{settings.base_url}/entries/{event_id}?lang={lang}"


def source_lines(occurrence: Occurrence, registry: Registry, lang: Language) -> list[str]:
    return _source_lines(occurrence.event, registry, lang)


def _source_lines(event: Event, registry: Registry, lang: Language) -> list[str]:
    lines = []
    for citation in event.sources:
        if citation.document:
            document = registry.documents[citation.document]
            name = document.number or document.title
            issued = f", {day(document.date, lang)}" if document.date else ""
            lines.append(f"- {name} ({document.issuer}{issued}): “{citation.quote}”")
        elif citation.quote:
            lines.append(f"- {citation.title}: “{citation.quote}” {citation.url}")
        else:
            lines.append(f"- {citation.title}: {citation.url}")
    return lines


def describe(
    occurrence: Occurrence,
    registry: Registry,
    settings: Settings,
    lang: Language,
    texts: EntryTexts | None = None,
    title: str | None = None,
) -> str:
    """``title``: the occurrence's title, if the caller has it already."""
    event = occurrence.event
    lines = [title if title is not None else occurrence_title(occurrence, lang)]
    labels = [category_name(event.category, lang)]
    if occurrence.milestone:
        labels.insert(0, milestone_name(occurrence.milestone, lang))
    if event.holiday:
        labels.append(holiday_label(lang))
    lines.append(" · ".join(labels))
    about, sources = (texts or EntryTexts(registry, settings)).event_parts(event, lang)
    lines += about
    if occurrence.estimated:
        lines.append(gettext("The date is computed beyond the years the lunar tables confirm.", lang))
    lines += sources
    return "\n".join(lines)


def _event_parts(
    event: Event, registry: Registry, settings: Settings, lang: Language
) -> tuple[list[str], list[str]]:
    """The lines of a description that are the same for every occurrence of an
    event: what it is (scope, date, country, ...), then its sources and link."""
    lines = []
    if event.scope != NATIONAL:
        lines.append(gettext("Scope: {scope}", lang).format(scope=scope_name(event.scope, registry, lang)))
    if isinstance(event.origin, YearlyRule):
        lines.append(gettext("Date: {date}", lang).format(date=yearly_rule(event.origin, lang)))
    elif not isinstance(event.origin, LunarRule):
        lines.append(gettext("Original date: {date}", lang).format(date=solar(event.origin, lang)))
    if event.country:
        lines.append(gettext("Country: {country}", lang).format(country=country_name(event.country, lang)))
    if event.partnership:
        lines.append(gettext("Partnership: {level}", lang).format(level=event.partnership.get(lang)))
    if event.note:
        lines.append(gettext("Note: {note}", lang).format(note=event.note.get(lang)))
    sources = [gettext("Sources:", lang), *_source_lines(event, registry, lang)]
    sources.append(gettext("Details: {url}", lang).format(url=entry_url(settings, event.id, lang)))
    return lines, sources


class EntryTexts:
    """The texts of one build that repeat from one occurrence to the next: the
    UID domain, and per event and language the lines of its description that
    do not depend on the year. Owned by one build (``plan``), then dropped."""

    def __init__(self, registry: Registry, settings: Settings):
        self.registry = registry
        self.settings = settings
        self.domain = uid_domain(settings)
        self._parts: dict[tuple[int, Language], tuple[Event, tuple[list[str], list[str]]]] = {}

    def event_parts(self, event: Event, lang: Language) -> tuple[list[str], list[str]]:
        known = self._parts.get((id(event), lang))
        if known is not None and known[0] is event:
            return known[1]
        parts = _event_parts(event, self.registry, self.settings, lang)
        self._parts[(id(event), lang)] = (event, parts)  # the event is kept, so its id stays its own
        return parts


@functools.lru_cache(maxsize=4096)
def countdown(days: int, lang: Language, late: bool = False) -> str:
    """The prefix of planning entries, reminders and alert subjects: "[30 days
    to go]", "[1 day to go]", and on the day itself "[Today]"."""
    if days == 0:
        text = gettext("[Today · late]", lang) if late else gettext("[Today]", lang)
    elif late:
        text = ngettext("[{days} day to go · late]", "[{days} days to go · late]", days, lang)
    else:
        text = ngettext("[{days} day to go]", "[{days} days to go]", days, lang)
    return text.format(days=days)


def occurrence_entry(
    occurrence: Occurrence,
    registry: Registry,
    settings: Settings,
    lang: Language,
    texts: EntryTexts | None = None,
) -> Entry:
    event = occurrence.event
    texts = texts or EntryTexts(registry, settings)
    categories = [category_name(event.category, lang)]
    if occurrence.milestone:
        categories.append(milestone_name(occurrence.milestone, lang))
    if event.holiday:
        categories.append(holiday_label(lang))
    summary = occurrence_title(occurrence, lang)
    reminders = tuple(
        (days, f"{countdown(days, lang)} {summary}")
        for days in settings.lead_times.for_milestone(occurrence.milestone)
    )
    return Entry(
        uid(occurrence, lang, texts.domain),
        occurrence.date,
        summary,
        describe(occurrence, registry, settings, lang, texts, summary),
        tuple(categories),
        entry_url(settings, event.id, lang),
        reminders,
    )


def planning_entries(
    occurrence: Occurrence,
    base: Entry,
    start: dt.date,
    end: dt.date,
    settings: Settings,
    lang: Language,
    domain: str | None = None,
) -> list[Entry]:
    """Lead-time entries ("[30 days to go] …") for a round-year anniversary."""
    if occurrence.milestone is None:
        return []
    entries = []
    for days in settings.lead_times.for_milestone(occurrence.milestone):
        when = occurrence.date - dt.timedelta(days=days)
        if start <= when <= end:
            summary = f"{countdown(days, lang)} {base.summary}"
            planning = _lead_text(days, lang).format(days=days, date=day(occurrence.date, lang))
            entries.append(
                Entry(
                    uid(occurrence, lang, domain or uid_domain(settings), days),
                    when,
                    summary,
                    planning + "\n\n" + base.description,
                    base.categories + (_planning_label(lang),),
                    base.url,
                )
            )
    return entries


# The catalogs do not change while a process runs: their look-ups, asked for
# every lead-time entry of a build, are made once per lead time and language.
@functools.lru_cache(maxsize=256)
def _lead_text(days: int, lang: Language) -> str:
    return ngettext("Planning: {days} day before {date}.", "Planning: {days} days before {date}.", days, lang)


@functools.lru_cache(maxsize=8)
def _planning_label(lang: Language) -> str:
    return gettext("planning", lang)
