"""HTML pages: the planning view (list by month and week, month grid, year
overview), entry pages, the subscribe page, and CSV export of what is shown."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import zoneinfo
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from ..dates.anniversaries import occurrences, unverified
from ..dates.titles import (
    category_name,
    country_name,
    day,
    full_day,
    milestone_name,
    occurrence_title,
    solar,
    unverified_title,
)
from ..feeds.entries import entry_url
from ..feeds.kinds import FeedSpec, window
from ..i18n import Language
from ..model import CATEGORIES, Occurrence, Registry
from ..registry.fields import COUNTRIES
from . import current_language
from .params import MAX_WEEKS, VIEWS, choice, date, filters, number

bp = Blueprint("pages", __name__)


def _state():
    return current_app.extensions["calendar_state"]


def today() -> dt.date:
    """The request's today: the real date in the configured time zone, or the
    app's fixed ``TODAY`` (tests pass the clock in)."""
    fixed = current_app.config.get("TODAY")
    return fixed or dt.datetime.now(zoneinfo.ZoneInfo(_state().settings.timezone)).date()


def _registry() -> Registry:
    loaded = _state().registry()
    if loaded.registry is None:
        abort(503, description=_("The registry cannot be read: %(error)s", error=loaded.error or ""))
    return loaded.registry


def _row(occurrence: Occurrence, reference: dt.date, lang: str, registry: Registry | None = None) -> dict:
    event = occurrence.event
    sources = (
        [
            (registry.documents[c.document].number or registry.documents[c.document].title)
            if c.document
            else c.title
            for c in event.sources
        ]
        if registry
        else []
    )
    return {
        "sources": list(dict.fromkeys(sources)),
        "occurrence": occurrence,
        "id": event.id,
        "date": day(occurrence.date, lang),
        "weekday": full_day(occurrence.date, lang),
        "iso": occurrence.date.isoformat(),
        "days": (occurrence.date - reference).days,
        "title": occurrence_title(occurrence, lang),
        "milestone": occurrence.milestone.value if occurrence.milestone else None,
        "milestone_name": milestone_name(occurrence.milestone, lang),
        "category": category_name(event.category, lang),
        "country": country_name(event.country, lang),
        "n": occurrence.n,
    }


def _selection():
    """The shown period and filters, from the query string (400 when wrong)."""
    lang = current_language()
    args = request.args
    view = choice(args, "view", VIEWS, "list", lang)
    start = date(args, "from", today(), lang)
    weeks = number(args, "weeks", 12, 1, MAX_WEEKS, lang)
    chosen = filters(args, lang)
    if view == "month":
        start = start.replace(day=1)
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif view == "year":
        start, end = dt.date(start.year, 1, 1), dt.date(start.year, 12, 31)
    else:
        end = start + dt.timedelta(weeks=weeks, days=-1)
    return lang, view, start, end, weeks, chosen


def _found(registry, start, end, chosen):
    return occurrences(registry, start, end, chosen.query())


def _group_by_month_and_week(rows: list[dict], lang: str) -> list[dict]:
    months: list[dict] = []
    for row in rows:
        when = row["occurrence"].date
        label = _("Month %(month)s/%(year)s", month=when.month, year=when.year)
        if not months or months[-1]["label"] != label:
            months.append({"label": label, "weeks": []})
        monday = when - dt.timedelta(days=when.weekday())
        week_label = _(
            "Week %(week)s: %(start)s – %(end)s",
            week=when.isocalendar()[1],
            start=day(monday, lang),
            end=day(monday + dt.timedelta(days=6), lang),
        )
        weeks = months[-1]["weeks"]
        if not weeks or weeks[-1]["label"] != week_label:
            weeks.append({"label": week_label, "rows": []})
        weeks[-1]["rows"].append(row)
    return months


def _month_grid(rows: list[dict], first: dt.date) -> list[list[dict]]:
    by_day: dict[dt.date, list[dict]] = {}
    for row in rows:
        by_day.setdefault(row["occurrence"].date, []).append(row)
    grid = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        grid.append([{"day": d, "in_month": d.month == first.month, "rows": by_day.get(d, [])} for d in week])
    return grid


def _options(registry: Registry, lang: str) -> dict:
    countries = sorted({e.country for e in registry.events if e.country})
    return {
        "categories": [(c, category_name(c, lang)) for c in CATEGORIES],
        "countries": [(c, country_name(c, lang)) for c in countries],
    }


@bp.route("/")
def planning():
    lang, view, start, end, weeks, chosen = _selection()
    registry = _registry()
    reference = today()
    rows = [_row(o, reference, lang, registry) for o in _found(registry, start, end, chosen)]
    to_verify = [
        {"title": unverified_title(u, lang), "id": u.event.id, "milestone": milestone_name(u.milestone, lang)}
        for u in unverified(registry, start.year, end.year, chosen.query())
    ]
    base_args = [("from", start.isoformat()), ("weeks", str(weeks)), *chosen.as_args(), ("lang", lang)]
    months = []
    if view == "year":
        for month in range(1, 13):
            in_month = [r for r in rows if r["occurrence"].date.month == month]
            months.append(
                {
                    "label": _("Month %(month)s/%(year)s", month=month, year=start.year),
                    "url": url_for("pages.planning")
                    + "?"
                    + urlencode(
                        [
                            ("from", dt.date(start.year, month, 1).isoformat()),
                            *chosen.as_args(),
                            ("lang", lang),
                            ("view", "month"),
                        ]
                    ),
                    "rows": in_month,
                    "milestones": [r for r in in_month if r["milestone"]],
                }
            )
    previous_start, next_start = _neighbours(view, start, weeks)
    return render_template(
        "planning.html",
        view=view,
        start=start,
        end=end,
        start_text=day(start, lang),
        end_text=day(end, lang),
        weeks=weeks,
        chosen=chosen,
        rows=rows,
        groups=_group_by_month_and_week(rows, lang),
        grid=_month_grid(rows, start) if view == "month" else [],
        months=months,
        weekdays=[_weekday_name(i, lang) for i in range(7)],
        to_verify=to_verify,
        options=_options(registry, lang),
        csv_url=url_for("pages.export_csv") + "?" + urlencode([*base_args, ("view", view)]),
        view_url=lambda v: url_for("pages.planning") + "?" + urlencode([*base_args, ("view", v)]),
        move_url=lambda d: (
            url_for("pages.planning")
            + "?"
            + urlencode(
                [
                    ("from", d.isoformat()),
                    ("weeks", str(weeks)),
                    *chosen.as_args(),
                    ("lang", lang),
                    ("view", view),
                ]
            )
        ),
        previous_start=previous_start,
        next_start=next_start,
        filtered_feed=url_for("feeds.feed", name="filtered.ics")
        + "?"
        + urlencode([*chosen.as_args(), ("lang", lang)]),
    )


def _neighbours(view: str, start: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    if view == "month":
        previous = (start - dt.timedelta(days=1)).replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
    elif view == "year":
        previous, following = dt.date(start.year - 1, 1, 1), dt.date(start.year + 1, 1, 1)
    else:
        previous, following = start - dt.timedelta(weeks=weeks), start + dt.timedelta(weeks=weeks)
    return previous, following


def _weekday_name(index: int, lang: str) -> str:
    from babel.dates import get_day_names

    return get_day_names("abbreviated", locale=lang)[index]


@bp.route("/export.csv")
def export_csv():
    lang, view, start, end, weeks, chosen = _selection()
    registry = _registry()
    reference = today()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Date"),
            _("In (days)"),
            _("Milestone"),
            _("Category"),
            _("Country"),
            _("Anniversary"),
            "n",
            "event_id",
        ]
    )
    for occurrence in _found(registry, start, end, chosen):
        row = _row(occurrence, reference, lang)
        writer.writerow(
            [
                row["iso"],
                row["days"],
                row["milestone_name"],
                row["category"],
                row["country"],
                _csv_safe(row["title"]),
                row["n"] if row["n"] is not None else "",
                row["id"],
            ]
        )
    name = f"anniversaries-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM, so spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={name}",
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.route("/entries/<event_id>")
def entry(event_id: str):
    lang = current_language()
    registry = _registry()
    event = registry.event(event_id)
    if event is None:
        abort(404)
    settings = _state().settings
    start, end = window(today(), settings)
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
        for item in _state().index().get("feeds", [])
        if item["lang"] == lang
        and not item["alarms"]
        and any(FeedSpec.from_index(item).includes(o) for o in found)
    ]
    origin = None if event.is_lunar else solar(event.origin, lang)
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
        rows=[_row(o, today(), lang) for o in found],
        feeds=in_feeds,
        note=event.note.get(lang) if event.note else None,
        partnership=event.partnership.get(lang) if event.partnership else None,
        resolution=event.resolution.reason.get(lang) if event.resolution else None,
        permalink=entry_url(settings, event.id, lang),
    )


def subscribe_links(item: dict, title: str) -> dict:
    https = item["url"]
    webcal = item["webcal"]
    return {
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https, "name": title}),
        "office": "https://outlook.office.com/calendar/0/addfromweb?"
        + urlencode({"url": https, "name": title}),
    }


@bp.route("/subscribe")
def subscribe():
    lang = current_language()
    index = _state().index()
    feeds = []
    for item in index.get("feeds", []):
        if item["lang"] != lang:
            continue
        spec = FeedSpec.from_index(item)
        title, description = spec.title(), spec.description()  # in the reader's language, always current
        feeds.append({**item, "title": title, "description": description, **subscribe_links(item, title)})
    return render_template("subscribe.html", feeds=feeds, window=index.get("window"), countries=COUNTRIES)
