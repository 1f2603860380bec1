"""What a build writes, in the order it is written: every entry (VEVENT
before its stamps) with the feeds it goes in, by date, then UID, in batches.

A feed lists its events by date, so a build can write every feed a batch at a
time instead of holding every entry of every feed at once: a 100k-entry
registry has 1.5 million entries, ~2.5 KB each in memory. Entries are made
once, in occurrence order; a lead-time entry ("[30 days to go] …") comes up
to the longest lead time before its anniversary, so a batch is released only
up to that many days before the last anniversary planned, and every later
entry sorts after it. Pure: no files, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..config import Settings
from ..dates.anniversaries import occurrences
from ..i18n import LANGUAGES
from ..model import Registry
from .entries import Entry, EntryTexts, occurrence_entry, planning_entries
from .kinds import FeedKind, FeedSpec, feed_specs, window

BATCH_ENTRIES = 16384  # entries in a batch, about (each is ~2.5 KB in memory, ~1.3 KB written)

Placed = tuple[Entry, list[FeedSpec]]  # an entry and the feeds it goes in


class Planner:
    """The feeds of one registry, settings and day, and their entries in batches."""

    def __init__(self, registry: Registry, settings: Settings, today: dt.date):
        self.registry, self.settings = registry, settings
        self.start, self.end = window(today, settings)
        self.specs = feed_specs(registry)
        self.found = occurrences(registry, self.start, self.end)  # by date
        self.planned = 0  # of ``found``, those whose entries are made

    def batches(self, size: int | None = None) -> Iterator[list[Placed]]:
        """Every entry once, with the feeds it goes in: each batch sorted by
        (date, UID), and every entry of a batch before those of the next.
        ``size``: entries in a batch, about (default ``BATCH_ENTRIES``)."""
        size = size or BATCH_ENTRIES
        registry, settings, start, end = self.registry, self.settings, self.start, self.end
        specs_of_lang = {lang: [s for s in self.specs if s.lang == lang] for lang in LANGUAGES}
        texts = EntryTexts(registry, settings)
        longest = dt.timedelta(days=settings.lead_times.longest)
        # Which feeds an occurrence goes in depends on what the kinds look at (its
        # category, country, scope, whether it is a milestone): asked once per combination.
        chosen: dict[tuple, tuple[list[FeedSpec], list[FeedSpec]]] = {}
        pending: list[Placed] = []
        scan_at = size  # pending entries at which to look for a batch again
        found = self.found
        for number, occurrence in enumerate(found):
            self.planned = number + 1
            event = occurrence.event
            facts = (event.category, event.country, event.scope, occurrence.milestone is not None)
            for lang in LANGUAGES:
                known = chosen.get((facts, lang))
                if known is None:
                    specs = [s for s in specs_of_lang[lang] if s.includes(occurrence)]
                    known = chosen[(facts, lang)] = (
                        [s for s in specs if s.kind is not FeedKind.PLANNING],
                        [s for s in specs if s.kind is FeedKind.PLANNING],
                    )
                plain, planning = known
                if not plain and not planning:
                    continue
                entry = occurrence_entry(occurrence, registry, settings, lang, texts)
                if plain:
                    pending.append((entry, plain))
                if planning:
                    for lead in planning_entries(occurrence, entry, start, end, settings, lang, texts.domain):
                        pending.append((lead, planning))
            if len(pending) < scan_at or number + 1 == len(found):
                continue
            following = found[number + 1].date
            if following == occurrence.date:
                continue
            # The anniversaries still to plan fall on `following` or later: their
            # entries start at the earliest the longest lead time before it.
            cutoff = following - longest
            ready = [item for item in pending if item[0].start < cutoff]
            if len(ready) * 2 < size:
                scan_at = len(pending) + size  # too few yet: look again later
                continue
            pending = [item for item in pending if item[0].start >= cutoff]
            scan_at = len(pending) + size
            ready.sort(key=_written_order)
            yield ready
        if pending:
            pending.sort(key=_written_order)
            yield pending


def _written_order(item: Placed) -> tuple[dt.date, str]:
    return item[0].start, item[0].uid


def plan(registry: Registry, settings: Settings, today: dt.date) -> dict[FeedSpec, list[Entry]]:
    """The entries of every feed, each feed's in the order it is written (by
    date, then UID), all at once: for tests and small registries."""
    planner = Planner(registry, settings, today)
    feeds: dict[FeedSpec, list[Entry]] = {spec: [] for spec in planner.specs}
    for batch in planner.batches():
        for entry, specs in batch:
            for spec in specs:
                feeds[spec].append(entry)
    return feeds
