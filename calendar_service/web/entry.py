"""An entry's page: its facts in the reader's language, the documents and
public sources it comes from, its anniversaries and the feeds that hold them.

Its anniversaries come three ways: the ones the guidance documents are about
(the 70th in 2024 for Điện Biên Phủ, whenever the page is read), the next năm
tròn and năm chẵn, however far ahead, and every one in the feeds' window."""

from __future__ import annotations

import datetime as dt
import re

from flask import abort, render_template

from ..dates.anniversaries import occurrences, unverified
from ..dates.titles import (
    capitalised,
    category_name,
    country_name,
    day,
    holiday_label,
    milestone_name,
    origin_text,
    scope_name,
    unverified_title,
)
from ..feeds.entries import entry_url
from ..feeds.kinds import FeedSpec, window
from ..i18n import Language
from ..model import NATIONAL, Citation, Document, Event, LunarRule, Milestone, Unverified
from . import current, current_language
from .coverage_pages import badges_by_occurrence, entry_plans, with_badges
from .selection import row

# "Kỷ niệm 70 năm Chiến thắng …", "36 năm Gạc Ma": the anniversary a quote
# names (not "2/9 năm 1945", where a year follows).
_YEARS_OF = re.compile(r"(?<![\d/])(\d{1,3})\s+năm\b(?!\s*\d)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
# How far ahead the next năm tròn or năm chẵn is looked for.
_MILESTONE_HORIZON = 11


def cited_year(event: Event, citation: Citation, document: Document) -> int | None:
    """The year of the anniversary a document is about: the one its quote
    names ("Kỷ niệm 70 năm" of a 1954 event: 2024), else the latest year the
    quote writes after the origin ("(7/5/1954 - 7/5/2024)"), else the year of
    the document's title ("… năm 2024"), else of its date."""
    origin = event.origin.year
    quote = citation.quote or ""
    if origin is not None:
        for found in _YEARS_OF.finditer(quote):
            if int(found[1]) > 0:
                return origin + int(found[1])
        later = [int(y) for y in _YEAR.findall(quote) if int(y) > origin]
        if later:
            return max(later)
    in_title = _YEAR.findall(document.title)
    if in_title:
        return int(in_title[-1])
    return document.date.year if document.date else None


def _undated(item: Unverified, lang: Language) -> dict:
    return {
        "year": item.year,
        "title": unverified_title(item, lang),
        "milestone": item.milestone.value if item.milestone else None,
        "milestone_name": milestone_name(item.milestone, lang),
    }


def _in_year(event: Event, year: int, reference: dt.date, lang: Language) -> list[dict]:
    """The entry's anniversaries in a year, dated (rows) or to verify."""
    dated = occurrences([event], dt.date(year, 1, 1), dt.date(year, 12, 31))
    if dated:
        return [row(o, reference, lang) for o in dated]
    return [_undated(u, lang) for u in unverified([event], year, year)]


def _cited(event: Event, registry, reference: dt.date, lang: Language) -> list[dict]:
    """The anniversaries the citing documents are about, with the documents."""
    by_year: dict[int, list[str]] = {}
    for citation in event.sources:
        if not citation.document:
            continue
        document = registry.documents[citation.document]
        year = cited_year(event, citation, document)
        if year is not None:
            names = by_year.setdefault(year, [])
            name = document.number or document.title
            if name not in names:
                names.append(name)
    found = []
    for year in sorted(by_year):
        for item in _in_year(event, year, reference, lang):
            found.append({**item, "documents": by_year[year]})
    return found


def _next_milestones(event: Event, reference: dt.date, lang: Language) -> list[dict]:
    """The next năm tròn and the next năm chẵn from ``reference`` on."""
    if event.origin.year is None:
        return []  # a lunar rule with no origin year: no n, no milestones
    wanted: dict[Milestone | None, dict | None] = {Milestone.TRON: None, Milestone.CHAN: None}
    last = dt.date(reference.year + _MILESTONE_HORIZON, 12, 31)
    for found in occurrences([event], reference, last):
        if found.milestone in wanted and wanted[found.milestone] is None:
            wanted[found.milestone] = row(found, reference, lang)
    for item in unverified([event], reference.year, last.year):
        if item.milestone in wanted and wanted[item.milestone] is None:
            wanted[item.milestone] = _undated(item, lang)
    return sorted((item for item in wanted.values() if item is not None), key=lambda item: item["year"])


def entry(event_id: str):
    lang = current_language()
    registry = current.registry()
    event = registry.event(event_id)
    if event is None:
        abort(404)
    settings = current.state().settings
    reference = current.today()
    start, end = window(reference, settings)
    found = occurrences([event], start, end)
    documents = []
    for citation in event.sources:
        if citation.document:
            document = registry.documents[citation.document]
            documents.append(
                {
                    "document": document,
                    "quote": citation.quote,
                    "date": day(document.date, lang) if document.date else None,
                    "date_note": document.date_note.get(lang) if document.date_note else None,
                }
            )
    public = [c for c in event.sources if c.url]
    # The published feeds (without their reminder variants) that hold one of
    # the entry's anniversaries in the window.
    in_feeds = [
        item
        for item in current.state().index().get("feeds", [])
        if item["lang"] == lang
        and not item["alarms"]
        and any(FeedSpec.from_index(item, registry).includes(o) for o in found)
    ]
    origin = None if isinstance(event.origin, LunarRule) else origin_text(event, lang)
    cited = _cited(event, registry, reference, lang)
    next_milestones = _next_milestones(event, reference, lang)
    rows = [row(o, reference, lang, registry, sources=False) for o in found]
    # Plans: on the anniversaries the page lists from today on, and the ones the documents cite.
    candidates = {
        item["occurrence"].date.year: item["occurrence"]
        for item in [*cited, *next_milestones, *rows]
        if "occurrence" in item and (item["days"] >= 0 or item in cited)
    }
    plans = entry_plans(event, sorted(candidates.values(), key=lambda o: o.date), lang)
    covered, names = badges_by_occurrence({item["year"] for item in [*cited, *next_milestones, *rows]})
    return render_template(
        "entry.html",
        event=event,
        title=capitalised(event.title.get(lang)),
        other_title=capitalised(event.title.get(Language.EN if lang == Language.VI else Language.VI)),
        origin=origin,
        precision=event.precision.value,
        category=category_name(event.category, lang),
        country=country_name(event.country, lang),
        documents=documents,
        public=public,
        cited=with_badges(cited, covered, names, lang),
        next_milestones=with_badges(next_milestones, covered, names, lang),
        rows=with_badges(rows, covered, names, lang),
        plans=plans,
        to_verify=[_undated(u, lang) for u in unverified([event], start.year, end.year)],
        window_start=day(start, lang),
        window_end=day(end, lang),
        feeds=in_feeds,
        note=event.note.get(lang) if event.note else None,
        partnership=event.partnership.get(lang) if event.partnership else None,
        resolution=event.resolution.reason.get(lang) if event.resolution else None,
        permalink=entry_url(settings, event.id, lang),
        scope=scope_name(event.scope, registry, lang) if event.scope != NATIONAL else None,
        holiday=holiday_label(lang) if event.holiday else None,
    )
