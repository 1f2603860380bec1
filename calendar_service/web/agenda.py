"""The planning meeting's agenda: every anniversary of a chosen period (two
weeks from next Monday by default, at most ``MAX_DAYS``), by ISO week, with
its lunar date where it is kept by the lunar calendar, n, milestone, sources,
the coverages planned so far and a blank column for the meeting's notes.

Printed, each week starts a page (agenda.css); exported as .xlsx (openpyxl:
real dates, wrapped text, a frozen header row) and CSV (UTF-8 with a BOM, as
the planning view's export), one row per coverage, the title first."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from babel.dates import format_date
from flask import render_template, request, url_for
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..dates.anniversaries import occurrences
from ..dates.bounds import FIRST_DAY, LAST_DAY
from ..dates.titles import day, day_with_weekday, lunar_rule, milestone_name, occurrence_title
from ..feeds.entries import entry_url
from ..i18n import N_, Language, gettext
from ..model import LunarRule, Occurrence, Registry
from ..planning.coverage import Coverage
from . import current, current_language
from .auth import stores
from .export import DATE_FORMATS, LINE_HEIGHT, XLSX_TYPE, attachment, csv_response
from .params import BadParameter, choice, date

MAX_DAYS = 93  # a quarter: the longest period a meeting plans at once
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Period:
    lang: Language
    start: dt.date
    end: dt.date


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


def period() -> Period:
    """The asked period (``from``, ``to``), or a 400 naming the wrong parameter."""
    lang = current_language()
    args = request.args
    start = date(args, "from", next_monday(current.today()), lang)
    end = date(args, "to", start + dt.timedelta(days=DEFAULT_DAYS - 1), lang)
    if end < start:
        raise BadParameter("to", N_("the period ends on {end}, before it starts"), lang, end=end.isoformat())
    if (end - start).days + 1 > MAX_DAYS:
        raise BadParameter(
            "to", N_("the period is longer than {high} days"), lang, high=MAX_DAYS, end=end.isoformat()
        )
    choice(args, "format", ("html",), "html", lang)  # the exports have their own addresses
    return Period(lang, start, end)


@dataclass(frozen=True)
class Source:
    text: str
    url: str | None


@dataclass(frozen=True)
class Planned:
    """A coverage as the agenda shows it, in the reader's language."""

    status: str  # the Status value, for the badge's class
    status_name: str
    assignees: tuple[str, ...]  # display names
    desk: str
    format: str
    angle: str
    due: dt.date | None
    due_text: str


@dataclass(frozen=True)
class Item:
    occurrence: Occurrence
    id: str
    title: str
    date: dt.date
    date_text: str
    weekday: str
    lunar: str
    n: int | None
    milestone: str | None
    milestone_name: str
    sources: tuple[Source, ...]
    coverages: tuple[Planned, ...]
    url: str


def _sources(occurrence: Occurrence, registry: Registry) -> tuple[Source, ...]:
    found: list[Source] = []
    for citation in occurrence.event.sources:
        if citation.document:
            document = registry.documents[citation.document]
            found.append(Source(document.number or document.title, None))
        elif citation.url or citation.title:
            found.append(Source(citation.title or citation.url or "", citation.url))
    return tuple(dict.fromkeys(found))


def planned(coverage: Coverage, names: dict[str, str], lang: Language) -> Planned:
    return Planned(
        status=coverage.status.value,
        status_name=gettext(coverage.status.label, lang),
        assignees=tuple(names.get(user) or user for user in coverage.assignees),
        desk=coverage.desk,
        format=gettext(coverage.format.label, lang),
        angle=coverage.angle,
        due=coverage.due,
        due_text=day(coverage.due, lang) if coverage.due else "",
    )


def items(shown: Period, registry: Registry) -> list[Item]:
    """The period's anniversaries with their coverages, in date order."""
    lang = shown.lang
    planning = stores()
    by_occurrence = planning.coverages.in_years(shown.start.year, shown.end.year)
    names = {user.username: user.display_name for user in planning.accounts.all()}
    settings = current.state().settings
    found = []
    for occurrence in occurrences(registry, shown.start, shown.end):
        event = occurrence.event
        found.append(
            Item(
                occurrence=occurrence,
                id=event.id,
                title=occurrence_title(occurrence, lang),
                date=occurrence.date,
                date_text=day(occurrence.date, lang),
                weekday=format_date(occurrence.date, "EEEE", locale=lang),
                lunar=lunar_rule(event.origin, lang) if isinstance(event.origin, LunarRule) else "",
                n=occurrence.n,
                milestone=occurrence.milestone.value if occurrence.milestone else None,
                milestone_name=milestone_name(occurrence.milestone, lang),
                sources=_sources(occurrence, registry),
                coverages=tuple(
                    planned(c, names, lang) for c in by_occurrence.get((event.id, occurrence.date.year), [])
                ),
                url=entry_url(settings, event.id, lang),
            )
        )
    return found


def weeks(shown: Period, found: list[Item]) -> list[dict]:
    """Every ISO week the period touches, each with its anniversaries (maybe none)."""
    lang = shown.lang
    monday = shown.start - dt.timedelta(days=shown.start.weekday())
    grouped = []
    while monday <= shown.end:
        sunday = monday + dt.timedelta(days=6)
        grouped.append(
            {
                "label": _(
                    "Week %(week)s: %(start)s – %(end)s",
                    week=monday.isocalendar()[1],
                    start=day(max(monday, shown.start), lang),
                    end=day(min(sunday, shown.end), lang),
                ),
                "items": [i for i in found if monday <= i.date <= sunday],
            }
        )
        monday += dt.timedelta(weeks=1)
    return grouped


def _links(shown: Period) -> dict[str, str]:
    def to(endpoint: str, start: dt.date, end: dt.date) -> str:
        query = urlencode([("from", start.isoformat()), ("to", end.isoformat()), ("lang", shown.lang)])
        return f"{url_for(endpoint)}?{query}"

    length = shown.end - shown.start + dt.timedelta(days=1)
    earlier_end = shown.start - dt.timedelta(days=1)
    later_start = shown.end + dt.timedelta(days=1)
    links = {
        "xlsx": to("pages.agenda_xlsx", shown.start, shown.end),
        "csv": to("pages.agenda_csv", shown.start, shown.end),
        "earlier": "",
        "later": "",
    }
    if earlier_end - length + dt.timedelta(days=1) >= FIRST_DAY:
        links["earlier"] = to("pages.agenda", earlier_end - length + dt.timedelta(days=1), earlier_end)
    if later_start + length - dt.timedelta(days=1) <= LAST_DAY:
        links["later"] = to("pages.agenda", later_start, later_start + length - dt.timedelta(days=1))
    return links


def agenda():
    shown = period()
    found = items(shown, current.registry())
    return render_template(
        "agenda.html",
        start=shown.start,
        end=shown.end,
        start_text=day(shown.start, shown.lang),
        end_text=day(shown.end, shown.lang),
        weeks=weeks(shown, found),
        count=len(found),
        links=_links(shown),
        max_days=MAX_DAYS,
        day_with_weekday=lambda d: day_with_weekday(d, shown.lang),
    )


# The spreadsheets' columns, the title first; one row per coverage (or one
# without coverage). The widest a wrapped column gets, in characters.
COLUMNS = (
    N_("Title"),
    N_("Date"),
    N_("Weekday"),
    N_("Lunar date"),
    N_("Years"),
    N_("Milestone"),
    N_("Sources"),
    N_("Status"),
    N_("Assignees"),
    N_("Desk"),
    N_("Format"),
    N_("Angle"),
    N_("Due"),
    N_("Notes"),
    N_("Link"),
)
WRAPPED = {1: 50, 4: 24, 7: 40, 9: 28, 10: 20, 12: 40, 14: 30}
DATE_COLUMNS = (2, 13)


def table(shown: Period, found: list[Item]) -> list[list[object]]:
    rows: list[list[object]] = []
    for item in found:
        fixed: list[object] = [
            item.title,
            item.date,
            item.weekday,
            item.lunar,
            item.n,
            item.milestone_name,
            "\n".join(s.text if not s.url or s.url == s.text else f"{s.text}: {s.url}" for s in item.sources),
        ]
        for coverage in item.coverages or (None,):
            if coverage is None:
                rows.append([*fixed, "", "", "", "", "", None, "", item.url])
            else:
                rows.append(
                    [
                        *fixed,
                        coverage.status_name,
                        ", ".join(coverage.assignees),
                        coverage.desk,
                        coverage.format,
                        coverage.angle,
                        coverage.due,
                        "",
                        item.url,
                    ]
                )
    return rows


def _headers(lang: Language) -> list[str]:
    return [gettext(name, lang) for name in COLUMNS]


def _file_name(shown: Period, suffix: str) -> str:
    return f"agenda-{shown.start.isoformat()}-{shown.end.isoformat()}.{suffix}"


def agenda_csv():
    shown = period()
    rows = table(shown, items(shown, current.registry()))
    return csv_response(_headers(shown.lang), rows, _file_name(shown, "csv"))


def agenda_xlsx():
    shown = period()
    rows = table(shown, items(shown, current.registry()))
    return attachment(xlsx_bytes(shown, rows), XLSX_TYPE, _file_name(shown, "xlsx"))


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return "00/00/0000"
    return "" if value is None else str(value)


def xlsx_bytes(shown: Period, rows: list[list[object]]) -> bytes:
    lang = shown.lang
    book = Workbook()
    sheet = book.active
    sheet.title = f"{shown.start.isoformat()} – {shown.end.isoformat()}"[:31]
    book.properties.title = gettext("Meeting agenda from {start} to {end}", lang).format(
        start=day(shown.start, lang), end=day(shown.end, lang)
    )
    book.properties.creator = "calendar-service"
    book.properties.language = lang
    names = _headers(lang)
    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrap, top = Alignment(vertical="top", wrap_text=True), Alignment(vertical="top")
    for line, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=column)
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = DATE_FORMATS[lang]
            elif isinstance(value, int) or value is None:
                cell.value = value
            elif value:
                cell.value = value
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            cell.alignment = wrap if column in WRAPPED else top
        needed = max(
            sum(max(1, math.ceil(len(part) / (WRAPPED[c] - 2))) for part in _text(values[c - 1]).split("\n"))
            for c in WRAPPED
        )
        sheet.row_dimensions[line].height = LINE_HEIGHT * max(1, needed)
        link = sheet.cell(row=line, column=len(COLUMNS))
        if link.value:
            link.hyperlink = str(link.value)
            link.style = "Hyperlink"
            link.alignment = top
    for column, name in enumerate(names, start=1):
        longest = max(
            (len(part) for values in rows for part in _text(values[column - 1]).split("\n")), default=0
        )
        width = max(len(name), longest) + 2
        if column in WRAPPED:
            width = min(width, WRAPPED[column])
        if column == len(COLUMNS):
            width = min(width, 40)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
