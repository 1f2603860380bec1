"""Anniversaries of registry entries in a window of dates: pure date arithmetic.

The n-th anniversary of an event in year Y is n = Y - origin year. An entry
observed on milestones only appears when n is a multiple of 5; one observed
yearly appears every year from n = 1. A date of 29 February is observed on
28 February in common years. Dates known only to the month or the year never
produce a dated occurrence: they are listed as Unverified ("date to verify").
A yearly rule (``yearly: {month, day}``, solar, or ``lunar:``) falls every
year; with an origin year, n counts from it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..model import (
    Event,
    LunarRule,
    Milestone,
    MilestoneFilter,
    Occurrence,
    Precision,
    Registry,
    SolarDate,
    Unverified,
    YearlyRule,
)
from . import lunar


@dataclass(frozen=True)
class Query:
    """Filters shared by the CLI, the feeds and the web views."""

    categories: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    milestones: MilestoneFilter = MilestoneFilter.ALL
    text: str | None = None
    scopes: frozenset[str] = frozenset()  # national and/or the declared local scopes

    def matches(self, event: Event, milestone: Milestone | None) -> bool:
        if self.categories and event.category not in self.categories:
            return False
        if self.scopes and event.scope not in self.scopes:
            return False
        if self.countries and event.country not in self.countries:
            return False
        if not self.milestones.accepts(milestone):
            return False
        if self.text:
            needle = fold(self.text)
            haystack = " ".join((event.id, fold(event.title.vi), fold(event.title.en)))
            if needle not in haystack:
                return False
        return True


def fold(text: str) -> str:
    """Lower-case, accent-free text for searching ("Điện Biên" matches "dien bien")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def anniversary_date(origin: SolarDate | YearlyRule, year: int) -> dt.date:
    """The date of the anniversary of a day-precise origin (or a yearly day) in ``year``."""
    assert origin.month is not None and origin.day is not None
    if origin.month == 2 and origin.day == 29:
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)
    return dt.date(year, origin.month, origin.day)


def _event_occurrences(event: Event, start: dt.date, end: dt.date) -> Iterator[Occurrence]:
    origin = event.origin
    if isinstance(origin, LunarRule):
        # A lunar year's dates fall in its own solar year or early in the next.
        for year in range(start.year - 1, end.year + 1):
            n = None if origin.origin_year is None else year - origin.origin_year
            if not event.observed(n):
                continue
            day, estimated = lunar.observed_solar(year, origin.month, origin.day)
            if start <= day <= end:
                yield Occurrence(event, day, n, Milestone.of(n), estimated)
        return
    if isinstance(origin, YearlyRule):
        for year in range(start.year, end.year + 1):
            n = None if origin.origin_year is None else year - origin.origin_year
            day = anniversary_date(origin, year)
            if event.observed(n) and start <= day <= end:
                yield Occurrence(event, day, n, Milestone.of(n))
        return
    if origin.precision is not Precision.DAY:
        return
    for year in range(max(start.year, origin.year + 1), end.year + 1):
        n = year - origin.year
        if not event.observed(n):
            continue
        day = anniversary_date(origin, year)
        if start <= day <= end:
            yield Occurrence(event, day, n, Milestone.of(n))


def _rank(occurrence: Occurrence) -> tuple:
    level = {Milestone.TRON: 0, Milestone.CHAN: 1, None: 2}[occurrence.milestone]
    return (occurrence.date, level, occurrence.event.id)


def occurrences(
    registry: Registry | Iterable[Event], start: dt.date, end: dt.date, query: Query = Query()
) -> list[Occurrence]:
    """Every observed anniversary dated between ``start`` and ``end`` inclusive,
    sorted by date, then năm tròn before năm chẵn, then id."""
    events = registry.events if isinstance(registry, Registry) else registry
    found = [
        occurrence
        for event in events
        for occurrence in _event_occurrences(event, start, end)
        if query.matches(event, occurrence.milestone)
    ]
    return sorted(found, key=_rank)


def upcoming(registry: Registry, today: dt.date, days: int, query: Query = Query()) -> list[Occurrence]:
    """Anniversaries from ``today`` for ``days`` days (today included)."""
    return occurrences(registry, today, today + dt.timedelta(days=days - 1), query)


def unverified(
    registry: Registry | Iterable[Event], first_year: int, last_year: int, query: Query = Query()
) -> list[Unverified]:
    """Anniversaries in these years whose date is known only to the month or year."""
    events = registry.events if isinstance(registry, Registry) else registry
    found = []
    for event in events:
        if event.is_lunar or event.precision is Precision.DAY:
            continue
        for year in range(max(first_year, event.origin.year + 1), last_year + 1):
            n = year - event.origin.year
            milestone = Milestone.of(n)
            if event.observed(n) and query.matches(event, milestone):
                found.append(Unverified(event, year, n, milestone))
    return sorted(found, key=lambda u: (u.year, u.event.origin.month or 13, u.event.id))
