"""An entry's page: its facts in the reader's language, the documents and
public sources it comes from, its anniversaries and the feeds that hold them."""

from __future__ import annotations

from flask import abort, render_template

from ..dates.anniversaries import occurrences
from ..dates.titles import category_name, country_name, day, holiday_label, origin_text, scope_name
from ..feeds.entries import entry_url
from ..feeds.kinds import FeedSpec, window
from ..i18n import Language
from ..model import NATIONAL, LunarRule
from . import current, current_language
from .selection import row


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
                    "date": day(document.date, lang) if document.date else document.date_note,
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
    return render_template(
        "entry.html",
        event=event,
        title=event.title.get(lang),
        other_title=event.title.get(Language.EN if lang == Language.VI else Language.VI),
        origin=origin,
        precision=event.precision.value,
        category=category_name(event.category, lang),
        country=country_name(event.country, lang),
        documents=documents,
        public=public,
        rows=[row(o, reference, lang, registry, sources=False) for o in found],
        feeds=in_feeds,
        note=event.note.get(lang) if event.note else None,
        partnership=event.partnership.get(lang) if event.partnership else None,
        resolution=event.resolution.reason.get(lang) if event.resolution else None,
        permalink=entry_url(settings, event.id, lang),
        scope=scope_name(event.scope, registry, lang) if event.scope != NATIONAL else None,
        holiday=holiday_label(lang) if event.holiday else None,
    )
