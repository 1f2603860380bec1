"""The planning view: the anniversaries of a period as a list by month and
week, a month grid or a year overview, with filters and navigation."""

from __future__ import annotations

import calendar
import datetime as dt
from urllib.parse import urlencode

from babel.dates import get_day_names
from flask import render_template, request, url_for
from flask_babel import gettext as _

from ..dates.bounds import FIRST_DAY, LAST_DAY
from ..dates.titles import (
    day,
    day_with_weekday,
    month_heading,
)
from ..i18n import Language
from ..planning.coverage import Status
from ..planning.plans import desks_in_use
from . import current
from .auth import current_user, stores
from .coverage_pages import badges_by_occurrence, with_badges
from .coverage_view import card, display_names
from .listing import known_ids, listing, options
from .paging import asked_page, page
from .params import coverage_args, coverage_filter
from .selection import Selection, selection

# The meeting's first question: which năm tròn has nobody planned yet?
UNPLANNED_DAYS = 90


def planning():
    shown = selection()
    lang, view, start, end, weeks, chosen = (
        shown.lang,
        shown.view,
        shown.start,
        shown.end,
        shown.weeks,
        shown.chosen,
    )
    reference = current.today()
    asked = asked_page(request.args, lang)
    user = current_user()
    covering = coverage_filter(request.args, lang, user.username if user else None)
    covered, names = badges_by_occurrence(range(start.year, end.year + 1))
    # The rows and their texts come from the cache; only the coverages are read per request.
    found = listing(shown, reference)
    kept_rows = [r for r in found.rows if covering.keeps(covered.get((r["id"], r["year"]), []))]
    to_verify = [u for u in found.to_verify if covering.keeps(covered.get((u["id"], u["year"]), []))]
    # The list view is paged (the month grid and the year overview show their whole period).
    paged = page(len(kept_rows), asked if view == "list" else 0)
    rows = with_badges(list(paged.rows(kept_rows)), covered, names, lang)
    kept = coverage_args(covering)
    base_args = [("from", start.isoformat()), *shown.period_args(), *chosen.as_args(), *kept, ("lang", lang)]
    orphans = stores().coverages.orphans(known_ids())
    orphan_names = display_names() if orphans else {}
    previous_start, next_start = _neighbours(view, start, shown.days or weeks * 7)
    return render_template(
        "planning.html",
        view=view,
        start=start,
        end=end,
        start_text=day(start, lang),
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
        end_text=day(end, lang),
        weeks=weeks,
        chosen=chosen,
        rows=rows,
        groups=_group_by_month_and_week(rows, lang),
        grid=_month_grid(rows, start, lang) if view == "month" else [],
        months=_year_months(rows, shown) if view == "year" else [],
        weekdays=[_weekday_name(i, lang) for i in range(7)],
        to_verify=to_verify,
        options=options(lang),
        paged=paged,
        # A page of the list, every filter kept (page 1 is the list's own address).
        page_url=lambda number: (
            url_for("pages.planning")
            + "?"
            + urlencode([*base_args, ("view", view), *([("page", str(number))] if number != 1 else [])])
        ),
        csv_url=url_for("pages.export_csv") + "?" + urlencode([*base_args, ("view", view)]),
        xlsx_url=url_for("pages.export_xlsx") + "?" + urlencode([*base_args, ("view", view)]),
        view_url=lambda v: url_for("pages.planning") + "?" + urlencode([*base_args, ("view", v)]),
        move_url=lambda d: (
            url_for("pages.planning")
            + "?"
            + urlencode(
                [
                    ("from", d.isoformat()),
                    *shown.period_args(),
                    *chosen.as_args(),
                    *kept,
                    ("lang", lang),
                    ("view", view),
                ]
            )
        ),
        covering=covering,
        coverage_options={
            "statuses": [(s.value, _(s.label)) for s in Status],
            "desks": desks_in_use(c for found in covered.values() for c in found),
        },
        unplanned_url=url_for("pages.planning")
        + "?"
        + urlencode(
            [
                ("from", reference.isoformat()),
                ("days", str(UNPLANNED_DAYS)),
                ("milestone", "tron"),
                ("coverage", "none"),
                ("lang", lang),
            ]
        ),
        orphans=[card(c, orphan_names, lang) for c in orphans],
        previous_start=previous_start,
        next_start=next_start,
        filtered_feed=url_for("feeds.feed", name="filtered.ics")
        + "?"
        + urlencode([*chosen.as_args(), ("lang", lang)]),
    )


def _group_by_month_and_week(rows: list[dict], lang: Language) -> list[dict]:
    months: list[dict] = []
    for item in rows:
        when = item["occurrence"].date
        label = month_heading(when.year, when.month, lang)
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
        weeks[-1]["rows"].append(item)
    return months


def _month_grid(rows: list[dict], first: dt.date, lang: Language) -> list[list[dict]]:
    """Weeks of days; each day with its weekday and date written out (the
    label a phone shows, where the grid becomes a list of days)."""
    by_day: dict[dt.date, list[dict]] = {}
    for item in rows:
        by_day.setdefault(item["occurrence"].date, []).append(item)
    grid = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        grid.append(
            [
                {
                    "day": d,
                    "label": day_with_weekday(d, lang),
                    "in_month": d.month == first.month,
                    "rows": by_day.get(d, []),
                }
                for d in week
            ]
        )
    return grid


def _year_months(rows: list[dict], shown: Selection) -> list[dict]:
    """The year overview: each month's milestones, listed, how many other
    anniversaries it has, and a link to its grid."""
    year = shown.start.year
    months = []
    for month in range(1, 13):
        in_month = [r for r in rows if r["occurrence"].date.month == month]
        months.append(
            {
                "label": month_heading(year, month, shown.lang),
                "url": url_for("pages.planning")
                + "?"
                + urlencode(
                    [
                        ("from", dt.date(year, month, 1).isoformat()),
                        *shown.chosen.as_args(),
                        ("lang", shown.lang),
                        ("view", "month"),
                    ]
                ),
                "rows": in_month,
                "milestones": [r for r in in_month if r["milestone"]],
                "others": sum(1 for r in in_month if not r["milestone"]),
            }
        )
    return months


def _neighbours(view: str, start: dt.date, days: int) -> tuple[dt.date | None, dt.date | None]:
    """The starts of the periods before and after this one; None for a period
    that would leave the dates the service covers (it would be refused)."""
    if view == "month":
        previous = (start - dt.timedelta(days=1)).replace(day=1) if start > FIRST_DAY else None
        following = (start + dt.timedelta(days=32)).replace(day=1)
        last = following + dt.timedelta(days=31)
    elif view == "year":
        previous = dt.date(start.year - 1, 1, 1) if start.year > FIRST_DAY.year else None
        following = dt.date(start.year + 1, 1, 1)
        last = dt.date(start.year + 1, 12, 31)
    else:
        previous = max(start - dt.timedelta(days=days), FIRST_DAY) if start > FIRST_DAY else None
        following = start + dt.timedelta(days=days)
        last = following + dt.timedelta(days=days - 1)
    return previous, following if last <= LAST_DAY else None


def _weekday_name(index: int, lang: Language) -> str:
    return get_day_names("abbreviated", locale=lang)[index]
