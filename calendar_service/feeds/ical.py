"""iCalendar text: the calendar's own properties and one-event calendars from
the icalendar library; the VEVENTs of a build through ``lines.EventWriter``,
proven byte-identical to the library's. Pure: entries and their stamps
(SEQUENCE, DTSTAMP) in, bytes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import icalendar

from .. import __version__
from ..config import Settings
from ..i18n import Language
from .entries import Entry
from .kinds import FeedSpec
from .lines import REMINDER_HOUR, EventWriter

# The product identifier in the feed's language (RFC 5545 3.7.3: the last
# part of the formal public identifier names the language of its text).
_PRODUCT = {Language.VI: "Lịch kỷ niệm", Language.EN: "Anniversary calendar"}


def prodid(lang: Language) -> str:
    return f"-//calendar-service//{_PRODUCT[lang]} {__version__}//{lang.upper()}"


__all__ = [
    "REMINDER_HOUR",
    "EventCache",
    "Stamp",
    "WarmCache",
    "END_CALENDAR",
    "calendar_bytes",
    "calendar_chunks",
    "calendar_head",
    "event_calendar",
    "prodid",
]


@dataclass(frozen=True)
class Stamp:
    sequence: int
    dtstamp: dt.datetime  # UTC


def _event(entry: Entry, stamp: Stamp) -> icalendar.Event:
    """The VEVENT of an entry, built by icalendar (mail attachments; the judge
    of ``lines.EventWriter`` in the tests)."""
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


def _serialise(items: list[tuple[Entry, Stamp, bool]]) -> list[tuple[bytes, bytes | None]]:
    writer = EventWriter()
    return [
        (writer.event(entry, stamp), writer.alarms(entry) if alarms else None)
        for entry, stamp, alarms in items
    ]


_END_EVENT = b"END:VEVENT\r\n"


class WarmCache:
    """The serialisations of the last build, reused by the next one while an
    event's content and stamps are unchanged. Owned by a long-running process
    (the scheduler) and passed to each build; a one-shot build needs none."""

    def __init__(self) -> None:
        self._events: dict[str, tuple[Entry, Stamp, bytes, bytes | None]] = {}

    def get(self, entry: Entry, stamp: Stamp, alarms: bool) -> tuple[bytes, bytes | None] | None:
        """The (plain, VALARMs) of an unchanged event, if the last build had them."""
        warm = self._events.get(entry.uid)
        if warm is None or warm[0] != entry or warm[1] != stamp or (alarms and warm[3] is None):
            return None
        return warm[2], warm[3]

    def replace(self, events: dict[str, tuple[Entry, Stamp, bytes, bytes | None]]) -> None:
        """Keep exactly this build's serialisations (one assignment: a reader
        sees the previous build's or this one's, never a mixture)."""
        self._events = events

    def __len__(self) -> int:
        return len(self._events)


class EventCache:
    """Each VEVENT serialised once per build (by icalendar), then shared by every
    feed it appears in: an event is in the all, category, country and
    milestones feeds at once, and serialising is most of a build's time. The
    reminder variant is the same serialisation with the event's VALARM
    components (also from icalendar) before its END line, as icalendar itself
    places subcomponents. Unchanged events are reused from ``warm``, the
    previous build's cache."""

    def __init__(
        self,
        stamps: dict[str, Stamp],
        warm: WarmCache | None = None,
        keep: dict[str, tuple[Entry, Stamp, bytes, bytes | None]] | None = None,
    ):
        """``warm``: the previous build's, read; ``keep``: where to add what
        ``warm`` is to hold after this build (``WarmCache.replace``)."""
        self.stamps = stamps
        self.warm = warm
        self.keep = keep
        self._plain: dict[str, bytes] = {}
        self._alarms: dict[str, bytes] = {}
        self._writer = EventWriter()

    def get(self, entry: Entry, alarms: bool) -> bytes:
        plain = self._plain.get(entry.uid)
        if plain is None:
            plain = self._plain[entry.uid] = self._writer.event(entry, self.stamps[entry.uid])
        if not alarms or not entry.reminders:
            return plain
        extra = self._alarms.get(entry.uid)
        if extra is None:
            extra = self._alarms[entry.uid] = self._writer.alarms(entry)
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
            warm = self.warm.get(entry, stamp, alarms) if self.warm is not None else None
            if warm is not None:
                self._plain[uid] = warm[0]
                if warm[1] is not None:
                    self._alarms[uid] = warm[1]
            elif uid not in self._plain:
                missing.append((entry, stamp, alarms))
        # In this process: spawned worker processes (used before) made a 10k-entry
        # cold build slower on two cores (15.9 s against 12.6 s: each imports the
        # package and gets its events pickled) and held ~440 MB each.
        results = _serialise(missing)
        for (entry, _stamp, _alarms_wanted), (plain, extra) in zip(missing, results, strict=True):
            self._plain[entry.uid] = plain
            if extra is not None:
                self._alarms[entry.uid] = extra
        if self.keep is not None:
            self.keep.update(
                (uid, (entry, self.stamps[uid], self._plain[uid], self._alarms.get(uid)))
                for uid, (entry, _a) in needed.items()
            )


END_CALENDAR = b"END:VCALENDAR\r\n"


def calendar_bytes(
    spec: FeedSpec,
    entries: Iterable[Entry],
    stamps: dict[str, Stamp],
    settings: Settings,
    cache: EventCache | None = None,
) -> bytes:
    """The feed's text in one piece (see ``calendar_chunks``)."""
    return b"".join(calendar_chunks(spec, entries, stamps, settings, cache))


CHUNK_EVENTS = 256  # events per piece of a feed's text


def calendar_chunks(
    spec: FeedSpec,
    entries: Iterable[Entry],
    stamps: dict[str, Stamp],
    settings: Settings,
    cache: EventCache | None = None,
) -> Iterator[bytes]:
    """The feed's text, a few hundred events at a time: the calendar's own
    properties from icalendar, then each event's serialisation (shared through
    ``cache``), ordered by date and UID, then the calendar's END line."""
    cache = cache or EventCache(stamps)
    yield calendar_head(spec, settings)
    listed = sorted(entries, key=lambda e: (e.start, e.uid))
    for start in range(0, len(listed), CHUNK_EVENTS):
        yield b"".join([cache.get(entry, spec.alarms) for entry in listed[start : start + CHUNK_EVENTS]])
    yield END_CALENDAR


def calendar_head(spec: FeedSpec, settings: Settings) -> bytes:
    """A feed's text before its events: the calendar's own properties, from icalendar."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", prodid(spec.lang))
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title, description = spec.title(), spec.description(settings.lead_times)
    # TEXT values, escaped as RFC 5545 3.3.11 says (a comma is "\,"). icalendar
    # leaves an X- property it does not know as it is, so the value is a vText;
    # VALUE=TEXT says so to parsers that would otherwise keep the backslashes
    # of a non-standard property (ical.js, Python icalendar).
    calendar.add("name", icalendar.vText(title))
    calendar.add("x-wr-calname", icalendar.vText(title), parameters={"VALUE": "TEXT"})
    calendar.add("description", icalendar.vText(description))
    calendar.add("x-wr-caldesc", icalendar.vText(description), parameters={"VALUE": "TEXT"})
    calendar.add("url", f"{settings.base_url}/subscribe?lang={spec.lang}", parameters={"VALUE": "URI"})
    calendar.add("source", spec.url(settings.base_url), parameters={"VALUE": "URI"})
    refresh = dt.timedelta(hours=settings.refresh_hours)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh))
    head = calendar.to_ical()
    assert head.endswith(END_CALENDAR)
    return head[: -len(END_CALENDAR)]


def event_calendar(entry: Entry, stamp: Stamp, lang: Language) -> bytes:
    """A one-event calendar (METHOD:PUBLISH) with the feed's UID, for mail attachments."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", prodid(lang))
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(entry, stamp))
    return calendar.to_ical()
