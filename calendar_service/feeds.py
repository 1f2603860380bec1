"""iCalendar feeds from occurrences: which feeds exist, and the text of each.

This module is pure: it takes occurrences, settings and the stamps (SEQUENCE,
DTSTAMP) of each UID and returns bytes. ``publish`` decides the stamps and
writes the files. All iCalendar text comes from the icalendar library (folding,
escaping, CRLF).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar

from . import __version__
from .config import Settings
from .i18n import LANGUAGES, N_, gettext
from .lunar import from_solar
from .model import CATEGORIES, LunarRule, Milestone, Occurrence, Precision, Registry
from .titles import category_name, country_name, day, milestone_name, occurrence_title, solar

UID_DOMAIN = "calendar-service"
PRODID = f"-//calendar-service//Lịch kỷ niệm {__version__}//VI"
REMINDER_HOUR = 9  # reminders ring at 09:00 on the lead day


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: ``<lang>/<name>.ics``."""

    lang: str
    kind: str  # all, milestones, planning, category, country
    key: str | None = None  # the category or the country code
    alarms: bool = False

    @property
    def name(self) -> str:
        base = {
            "category": f"category/{self.key}",
            "country": f"country/{(self.key or '').lower()}",
            "custom": "filtered",
        }.get(self.kind, self.kind)
        return base + ("-alarms" if self.alarms else "")

    @property
    def path(self) -> str:
        return f"{self.lang}/{self.name}.ics"

    def title(self) -> str:
        lang = self.lang
        if self.kind == "category":
            subject = category_name(self.key, lang)
        elif self.kind == "country":
            subject = country_name(self.key, lang)
        else:
            subject = gettext(_KIND_NAMES[self.kind], lang)
        title = gettext("Anniversaries – {subject}", lang).format(subject=subject)
        if self.alarms:
            title = gettext("{title} (with reminders)", lang).format(title=title)
        return title

    def description(self) -> str:
        lang = self.lang
        text = gettext(_KIND_DESCRIPTIONS[self.kind], lang).format(
            category=category_name(self.key, lang) if self.kind == "category" else "",
            country=country_name(self.key, lang) if self.kind == "country" else "",
            selection=(self.key or gettext("all", lang)) if self.kind == "custom" else "",
        )
        if self.alarms:
            text += " " + gettext("Each entry carries reminders at the configured lead times.", lang)
        return text


_KIND_NAMES = {
    "all": N_("all"),
    "milestones": N_("round and half-decade years"),
    "planning": N_("planning (lead times)"),
    "custom": N_("selection"),
}
_KIND_DESCRIPTIONS = {
    "all": N_("Every anniversary and commemoration in the registry, with its sources."),
    "milestones": N_("Only năm tròn (multiples of 10) and năm chẵn (multiples of 5) anniversaries."),
    "planning": N_(
        "Lead-time reminders for content planning: an entry 30, 7 … days before each round-year anniversary."
    ),
    "category": N_("Anniversaries in the category: {category}."),
    "country": N_("Anniversaries concerning {country}, including diplomatic relations."),
    "custom": N_("Anniversaries chosen by the feed's address: {selection}."),
}


def feed_specs(registry: Registry) -> list[FeedSpec]:
    """Every feed the registry gives, in both languages, in a stable order."""
    # Countries whose entries give dated occurrences (a year-only date gives none).
    countries = sorted({e.country for e in registry.events if e.country and e.precision is Precision.DAY})
    specs = []
    for lang in LANGUAGES:
        specs += [FeedSpec(lang, "all"), FeedSpec(lang, "all", alarms=True)]
        specs += [FeedSpec(lang, "milestones"), FeedSpec(lang, "milestones", alarms=True)]
        specs.append(FeedSpec(lang, "planning"))
        specs += [FeedSpec(lang, "category", category) for category in CATEGORIES]
        specs += [FeedSpec(lang, "country", code) for code in countries]
    return specs


def window(today: dt.date, settings: Settings) -> tuple[dt.date, dt.date]:
    """By default, 1 January of last year to 31 December five years ahead."""
    return (
        dt.date(today.year - settings.window_years_back, 1, 1),
        dt.date(today.year + settings.window_years_ahead, 12, 31),
    )


def lead_times(occurrence: Occurrence, settings: Settings) -> tuple[int, ...]:
    return {
        Milestone.TRON: settings.lead_times_tron,
        Milestone.CHAN: settings.lead_times_chan,
    }.get(occurrence.milestone, settings.lead_times_yearly)


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


def entry_url(settings: Settings, event_id: str, lang: str) -> str:
    return f"{settings.base_url}/entries/{event_id}?lang={lang}"


def source_lines(occurrence: Occurrence, registry: Registry, lang: str) -> list[str]:
    lines = []
    for citation in occurrence.event.sources:
        if citation.document:
            document = registry.documents[citation.document]
            name = document.number or document.title
            issued = f", {day(document.date, lang)}" if document.date else ""
            lines.append(f"- {name} ({document.issuer}{issued}): “{citation.quote}”")
        else:
            lines.append(f"- {citation.title}: {citation.url}")
    return lines


def describe(occurrence: Occurrence, registry: Registry, settings: Settings, lang: str) -> str:
    event = occurrence.event
    lines = [occurrence_title(occurrence, lang)]
    labels = [category_name(event.category, lang)]
    if occurrence.milestone:
        labels.insert(0, milestone_name(occurrence.milestone, lang))
    lines.append(" · ".join(labels))
    if not isinstance(event.origin, LunarRule):
        lines.append(gettext("Original date: {date}", lang).format(date=solar(event.origin, lang)))
    if event.country:
        lines.append(gettext("Country: {country}", lang).format(country=country_name(event.country, lang)))
    if event.partnership(lang):
        lines.append(gettext("Partnership: {level}", lang).format(level=event.partnership(lang)))
    if event.note(lang):
        lines.append(gettext("Note: {note}", lang).format(note=event.note(lang)))
    if occurrence.estimated:
        lines.append(gettext("The date is computed beyond the years the lunar tables confirm.", lang))
    lines.append(gettext("Sources:", lang))
    lines += source_lines(occurrence, registry, lang)
    lines.append(gettext("Details: {url}", lang).format(url=entry_url(settings, event.id, lang)))
    return "\n".join(lines)


def countdown(days: int, lang: str) -> str:
    return gettext("[{days} days to go]", lang).format(days=days)


def occurrence_entry(occurrence: Occurrence, registry: Registry, settings: Settings, lang: str) -> Entry:
    event = occurrence.event
    categories = [category_name(event.category, lang)]
    if occurrence.milestone:
        categories.append(milestone_name(occurrence.milestone, lang))
    summary = occurrence_title(occurrence, lang)
    reminders = tuple(
        (days, f"{countdown(days, lang)} {summary}") for days in lead_times(occurrence, settings)
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
    occurrence: Occurrence, base: Entry, start: dt.date, end: dt.date, settings: Settings, lang: str
) -> list[Entry]:
    """Lead-time entries ("[30 days to go] …") for a round-year anniversary."""
    if occurrence.milestone is None:
        return []
    entries = []
    for days in lead_times(occurrence, settings):
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


@dataclass(frozen=True)
class Stamp:
    sequence: int
    dtstamp: dt.datetime  # UTC


def _event(entry: Entry, stamp: Stamp) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp.dtstamp)
    event.add("last-modified", stamp.dtstamp)
    event.add("sequence", stamp.sequence)
    event.add("dtstart", entry.start)
    event.add("dtend", entry.start + dt.timedelta(days=1))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("categories", list(entry.categories))
    event.add("url", entry.url, parameters={"VALUE": "URI"})
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    return event


def _alarms(entry: Entry) -> bytes:
    """The VALARM components of an entry's reminders, serialised by icalendar."""
    parts = []
    for days, text in entry.reminders:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -dt.timedelta(days=days) + dt.timedelta(hours=REMINDER_HOUR))
        parts.append(alarm.to_ical())
    return b"".join(parts)


def _serialise(items: list[tuple[Entry, Stamp, bool]]) -> list[tuple[bytes, bytes | None]]:
    return [
        (_event(entry, stamp).to_ical(), _alarms(entry) if alarms else None) for entry, stamp, alarms in items
    ]


_END_EVENT = b"END:VEVENT\r\n"
# Serialisations of the last build in this process, reused while an event's
# content and stamps are unchanged (the scheduler rebuilds every few hours).
_WARM: dict[str, tuple[Entry, Stamp, bytes, bytes | None]] = {}
PARALLEL_THRESHOLD = 4000


class EventCache:
    """Each VEVENT serialised once per build (by icalendar), then shared by every
    feed it appears in: an event is in the all, category, country and
    milestones feeds at once, and serialising is most of a build's time. The
    reminder variant is the same serialisation with the event's VALARM
    components (also from icalendar) before its END line, as icalendar itself
    places subcomponents. Large builds serialise in parallel processes;
    unchanged events are reused from the previous build of the same process."""

    def __init__(self, stamps: dict[str, Stamp]):
        self.stamps = stamps
        self._plain: dict[str, bytes] = {}
        self._alarms: dict[str, bytes] = {}

    def get(self, entry: Entry, alarms: bool) -> bytes:
        plain = self._plain.get(entry.uid)
        if plain is None:
            plain = self._plain[entry.uid] = _event(entry, self.stamps[entry.uid]).to_ical()
        if not alarms or not entry.reminders:
            return plain
        extra = self._alarms.get(entry.uid)
        if extra is None:
            extra = self._alarms[entry.uid] = _alarms(entry)
        return plain[: -len(_END_EVENT)] + extra + _END_EVENT

    def prepare(self, wanted: Iterable[tuple[Entry, bool]]) -> None:
        """Serialise every (entry, with reminders?) a build needs, reusing and parallelising."""
        needed: dict[str, tuple[Entry, bool]] = {}
        for entry, alarms in wanted:
            known = needed.get(entry.uid)
            needed[entry.uid] = (entry, alarms or (known is not None and known[1]))
        missing = []
        for uid, (entry, alarms) in needed.items():
            stamp = self.stamps[uid]
            warm = _WARM.get(uid)
            if (
                warm is not None
                and warm[0] == entry
                and warm[1] == stamp
                and (warm[3] is not None or not alarms)
            ):
                self._plain[uid] = warm[2]
                if warm[3] is not None:
                    self._alarms[uid] = warm[3]
            elif uid not in self._plain:
                missing.append((entry, stamp, alarms))
        workers = min(os.cpu_count() or 1, 8)
        if len(missing) < PARALLEL_THRESHOLD or workers < 2:
            results = _serialise(missing)
        else:
            size = -(-len(missing) // (workers * 4))
            chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
            # spawn, not fork: the scheduler's threads must not be forked mid-lock.
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                results = [data for chunk in pool.map(_serialise, chunks) for data in chunk]
        for (entry, _stamp, _alarms_wanted), (plain, extra) in zip(missing, results, strict=True):
            self._plain[entry.uid] = plain
            if extra is not None:
                self._alarms[entry.uid] = extra
        _WARM.clear()
        _WARM.update(
            {
                uid: (entry, self.stamps[uid], self._plain[uid], self._alarms.get(uid))
                for uid, (entry, _a) in needed.items()
            }
        )


_END = b"END:VCALENDAR\r\n"


def calendar_bytes(
    spec: FeedSpec,
    entries: Iterable[Entry],
    stamps: dict[str, Stamp],
    settings: Settings,
    cache: EventCache | None = None,
) -> bytes:
    """The feed's text: the calendar's own properties from icalendar, then each
    event's icalendar serialisation (shared through ``cache``) before its END line."""
    cache = cache or EventCache(stamps)
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title, description = spec.title(), spec.description()
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("url", f"{settings.base_url}/subscribe?lang={spec.lang}", parameters={"VALUE": "URI"})
    calendar.add("source", f"{settings.base_url}/feeds/{spec.path}", parameters={"VALUE": "URI"})
    refresh = dt.timedelta(hours=settings.refresh_hours)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    head = calendar.to_ical()
    assert head.endswith(_END)
    events = [cache.get(entry, spec.alarms) for entry in sorted(entries, key=lambda e: (e.start, e.uid))]
    return b"".join([head[: -len(_END)], *events, _END])


def event_calendar(entry: Entry, stamp: Stamp, lang: str) -> bytes:
    """A one-event calendar (METHOD:PUBLISH) with the feed's UID, for mail attachments."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(entry, stamp))
    return calendar.to_ical()
