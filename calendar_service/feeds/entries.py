"""Entries: the content of one VEVENT (title, description with the sources,
categories, URL, reminders) for an occurrence, before it is stamped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

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
from ..i18n import Language, gettext
from ..model import NATIONAL, LunarRule, Occurrence, Registry, YearlyRule

UID_DOMAIN = "calendar-service"


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
        """Content hash: what a change of the entry changes (not stamps, not reminders)."""
        core = [self.uid, self.start.isoformat(), self.summary, self.description, self.categories, self.url]
        return hashlib.sha256(json.dumps(core, ensure_ascii=False).encode()).hexdigest()


def _year_key(occurrence: Occurrence) -> int:
    # A lunar date can fall twice in one solar year (early January and late
    # December); its lunar year identifies the occurrence instead.
    if isinstance(occurrence.event.origin, LunarRule):
        return from_solar(occurrence.date).year
    return occurrence.date.year


def uid(occurrence: Occurrence, lang: str, lead: int | None = None) -> str:
    suffix = f"-t{lead}" if lead is not None else ""
    return f"{occurrence.event.id}-{_year_key(occurrence)}{suffix}.{lang}@{UID_DOMAIN}"


def entry_url(settings: Settings, event_id: str, lang: Language) -> str:
    return f"{settings.base_url}/entries/{event_id}?lang={lang}"


def source_lines(occurrence: Occurrence, registry: Registry, lang: Language) -> list[str]:
    lines = []
    for citation in occurrence.event.sources:
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


def describe(occurrence: Occurrence, registry: Registry, settings: Settings, lang: Language) -> str:
    event = occurrence.event
    lines = [occurrence_title(occurrence, lang)]
    labels = [category_name(event.category, lang)]
    if occurrence.milestone:
        labels.insert(0, milestone_name(occurrence.milestone, lang))
    if event.holiday:
        labels.append(holiday_label(lang))
    lines.append(" · ".join(labels))
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
    if occurrence.estimated:
        lines.append(gettext("The date is computed beyond the years the lunar tables confirm.", lang))
    lines.append(gettext("Sources:", lang))
    lines += source_lines(occurrence, registry, lang)
    lines.append(gettext("Details: {url}", lang).format(url=entry_url(settings, event.id, lang)))
    return "\n".join(lines)


def countdown(days: int, lang: Language) -> str:
    return gettext("[{days} days to go]", lang).format(days=days)


def occurrence_entry(occurrence: Occurrence, registry: Registry, settings: Settings, lang: Language) -> Entry:
    event = occurrence.event
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
        uid(occurrence, lang),
        occurrence.date,
        summary,
        describe(occurrence, registry, settings, lang),
        tuple(categories),
        entry_url(settings, event.id, lang),
        reminders,
    )


def planning_entries(
    occurrence: Occurrence, base: Entry, start: dt.date, end: dt.date, settings: Settings, lang: Language
) -> list[Entry]:
    """Lead-time entries ("[30 days to go] …") for a round-year anniversary."""
    if occurrence.milestone is None:
        return []
    entries = []
    for days in settings.lead_times.for_milestone(occurrence.milestone):
        when = occurrence.date - dt.timedelta(days=days)
        if start <= when <= end:
            summary = f"{countdown(days, lang)} {base.summary}"
            planning = gettext("Planning: {days} days before {date}.", lang).format(
                days=days, date=day(occurrence.date, lang)
            )
            entries.append(
                Entry(
                    uid(occurrence, lang, days),
                    when,
                    summary,
                    planning + "\n\n" + base.description,
                    base.categories + (gettext("planning", lang),),
                    base.url,
                )
            )
    return entries
