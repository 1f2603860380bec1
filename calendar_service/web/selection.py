"""What the planning view and the CSV export show: the period and filters
from the query string, and one row per anniversary."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from flask import request

from ..dates.anniversaries import occurrences
from ..dates.titles import (
    category_name,
    country_name,
    day,
    day_with_weekday,
    holiday_label,
    milestone_name,
    occurrence_title,
    scope_name,
)
from ..i18n import Language
from ..model import NATIONAL, Occurrence, Registry
from . import current, current_language
from .current import today
from .params import MAX_WEEKS, VIEWS, Filters, choice, date, filters, number, period_end


@dataclass(frozen=True)
class Selection:
    lang: Language
    view: str  # list, month or year
    start: dt.date
    end: dt.date
    weeks: int
    chosen: Filters
    days: int | None = None  # the list view's length in days, when asked for (``days=90``)

    def period_args(self) -> list[tuple[str, str]]:
        """``weeks`` (and ``days`` when given), to carry in links."""
        return [("weeks", str(self.weeks))] + ([("days", str(self.days))] if self.days else [])

    def occurrences(self, registry: Registry) -> list[Occurrence]:
        return occurrences(registry, self.start, self.end, self.chosen.query())


def selection() -> Selection:
    """The shown period and filters, from the query string (400 when wrong)."""
    lang = current_language()
    args = request.args
    view = choice(args, "view", VIEWS, "list", lang)
    start = date(args, "from", today(), lang)
    weeks = number(args, "weeks", 12, 1, MAX_WEEKS, lang)
    chosen = filters(args, lang, current.registry().known_scopes())
    days = None
    if view == "month":
        start = start.replace(day=1)
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif view == "year":
        start, end = dt.date(start.year, 1, 1), dt.date(start.year, 12, 31)
    elif args.get("days"):
        days = number(args, "days", 1, 1, MAX_WEEKS * 7, lang)
        end = period_end(start, days, "days", lang)
    else:
        end = period_end(start, weeks * 7, "weeks", lang)
    return Selection(lang, view, start, end, weeks, chosen, days)


def row(
    occurrence: Occurrence,
    reference: dt.date,
    lang: Language,
    registry: Registry | None = None,
    sources: bool = True,
) -> dict:
    """An anniversary as the pages and the CSV show it (``sources`` only with a registry)."""
    event = occurrence.event
    cited = (
        [
            (registry.documents[c.document].number or registry.documents[c.document].title)
            if c.document
            else c.title
            for c in event.sources
        ]
        if registry and sources
        else []
    )
    return {
        "sources": list(dict.fromkeys(cited)),
        "occurrence": occurrence,
        "id": event.id,
        "date": day(occurrence.date, lang),
        "weekday": day_with_weekday(occurrence.date, lang),
        "iso": occurrence.date.isoformat(),
        "year": occurrence.date.year,
        "days": (occurrence.date - reference).days,
        "title": occurrence_title(occurrence, lang),
        "milestone": occurrence.milestone.value if occurrence.milestone else None,
        "milestone_name": milestone_name(occurrence.milestone, lang),
        "category": category_name(event.category, lang),
        "country": country_name(event.country, lang),
        "n": occurrence.n,
        # A local entry's scope (its province) and the public-holiday badge; empty otherwise.
        "scope": scope_name(event.scope, registry, lang) if event.scope != NATIONAL else "",
        "holiday": holiday_label(lang) if event.holiday else "",
    }
