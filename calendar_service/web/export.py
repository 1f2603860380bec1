"""What the planning view shows, for spreadsheets: CSV (UTF-8 with a BOM, CRLF
lines) and .xlsx (openpyxl: real dates, hyperlinks, a frozen header row).

One row per anniversary, the title first; the anniversaries of the period
whose date is known only to the month or the year come after the dated ones,
marked in the "Date to verify" column. Column headers are in the page's
language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass

from babel.dates import format_date
from flask import Response, request
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..config import Settings
from ..dates.anniversaries import unverified
from ..dates.titles import (
    category_name,
    country_name,
    day,
    milestone_name,
    occurrence_title,
    unverified_title,
)
from ..feeds.entries import entry_url
from ..i18n import N_, Language, gettext
from ..model import Citation, Event, Precision, Registry
from . import current
from .auth import current_user
from .coverage_pages import badges_by_occurrence
from .params import coverage_filter
from .selection import Selection, selection

# The columns' headers, in order; the widest a wrapped column gets (in characters).
COLUMNS = (
    N_("Title"),
    N_("Date"),
    N_("Weekday"),
    N_("Date to verify"),
    N_("Years"),
    N_("Milestone"),
    N_("Category"),
    N_("Country"),
    N_("Sources"),
    N_("Link"),
)
WRAPPED = {1: 55, 9: 55}  # the title and the sources wrap; the others are as wide as their text
DATE_FORMATS = {Language.VI: "d/m/yyyy", Language.EN: "d mmm yyyy"}  # Excel number formats
LINE_HEIGHT = 15  # points: one line of the default font (Calibri 11)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportRow:
    title: str
    date: dt.date | str  # a date, or "2024-05" / "2024" when it is still to verify
    weekday: str
    to_verify: str
    years: int | None
    milestone: str
    category: str
    country: str
    sources: str  # one source a line: a document number and its quoted words, or a URL
    link: str


def export_rows(
    shown: Selection,
    registry: Registry,
    settings: Settings,
    keeps: Callable[[str, int], bool] = lambda _id, _year: True,
) -> list[ExportRow]:
    """``keeps(entry id, year)``: whether the anniversary passes the coverage filters."""
    lang = shown.lang
    rows = []
    for occurrence in shown.occurrences(registry):
        event = occurrence.event
        if not keeps(event.id, occurrence.date.year):
            continue
        rows.append(
            ExportRow(
                title=occurrence_title(occurrence, lang),
                date=occurrence.date,
                weekday=format_date(occurrence.date, "EEEE", locale=lang),
                to_verify="",
                years=occurrence.n,
                milestone=milestone_name(occurrence.milestone, lang),
                category=category_name(event.category, lang),
                country=country_name(event.country, lang),
                sources=_sources(event, registry),
                link=entry_url(settings, event.id, lang),
            )
        )
    for item in unverified(registry, shown.start.year, shown.end.year, shown.chosen.query()):
        origin = item.event.origin
        if origin.precision is Precision.MONTH and origin.month is not None:
            first = dt.date(item.year, origin.month, 1)
            last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
            if last < shown.start or first > shown.end:
                continue  # its month is outside the period
            when, note = f"{item.year:04d}-{origin.month:02d}", N_("date to verify: known only to the month")
        else:
            when, note = f"{item.year:04d}", N_("date to verify: known only to the year")
        event = item.event
        if not keeps(event.id, item.year):
            continue
        rows.append(
            ExportRow(
                title=unverified_title(item, lang),
                date=when,
                weekday="",
                to_verify=gettext(note, lang),
                years=item.n,
                milestone=milestone_name(item.milestone, lang),
                category=category_name(event.category, lang),
                country=country_name(event.country, lang),
                sources=_sources(event, registry),
                link=entry_url(settings, event.id, lang),
            )
        )
    return rows


def _sources(event: Event, registry: Registry) -> str:
    return "\n".join(dict.fromkeys(_source(c, registry) for c in event.sources))


def _source(citation: Citation, registry: Registry) -> str:
    if citation.document:
        document = registry.documents[citation.document]
        name = document.number or document.title
        return f"{name}: “{citation.quote}”" if citation.quote else name
    if citation.title and citation.url:
        return f"{citation.title}: {citation.url}"
    return citation.url or citation.title or ""


def headers(lang: Language) -> list[str]:
    return [gettext(name, lang) for name in COLUMNS]


def _file_name(shown: Selection, suffix: str) -> str:
    return f"anniversaries-{shown.start.isoformat()}-{shown.end.isoformat()}.{suffix}"


def _coverage_keeps(shown: Selection) -> Callable[[str, int], bool]:
    """The planning view's coverage filters (``coverage=none``, ``mine``,
    ``desk``, ``status``), which its export links carry: an export of the
    uncovered năm tròn held every anniversary of the period."""
    user = current_user()
    covering = coverage_filter(request.args, shown.lang, user.username if user else None)
    if not covering.active:
        return lambda _id, _year: True
    covered, _names = badges_by_occurrence(range(shown.start.year, shown.end.year + 1))
    return lambda entry_id, year: covering.keeps(covered.get((entry_id, year), []))


def export_csv():
    shown = selection()
    rows = export_rows(shown, current.registry(), current.state().settings, _coverage_keeps(shown))
    return csv_response(headers(shown.lang), (astuple(item) for item in rows), _file_name(shown, "csv"))


def csv_response(header: list[str], rows: Iterable[Iterable[object]], file_name: str) -> Response:
    """A CSV download: RFC 4180 lines, ISO dates, formulas neutralised, UTF-8
    with a BOM (Excel then reads UTF-8). The agenda's CSV is written by it too."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, as spreadsheet programs expect
    writer.writerow(header)
    for values in rows:
        writer.writerow(
            [
                value.isoformat()
                if isinstance(value, dt.date)
                else ""
                if value is None
                else _csv_safe(str(value))
                for value in values
            ]
        )
    return attachment(("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", file_name)


def attachment(data: bytes, content_type: str, file_name: str) -> Response:
    return Response(
        data,
        headers={"Content-Type": content_type, "Content-Disposition": f"attachment; filename={file_name}"},
    )


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab or CR) as formulas: neutralise them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_xlsx():
    shown = selection()
    rows = export_rows(shown, current.registry(), current.state().settings, _coverage_keeps(shown))
    return attachment(xlsx_bytes(shown, rows), XLSX_TYPE, _file_name(shown, "xlsx"))


def xlsx_bytes(shown: Selection, rows: list[ExportRow]) -> bytes:
    lang = shown.lang
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(shown)
    book.properties.title = gettext("Anniversaries from %(start)s to %(end)s", lang) % {
        "start": day(shown.start, lang),
        "end": day(shown.end, lang),
    }
    book.properties.creator = "calendar-service"
    book.properties.language = lang

    sheet.append(headers(lang))
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for cell in sheet[1]:
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    for line, item in enumerate(rows, start=2):
        for column, value in enumerate(astuple(item), start=1):
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
        sheet.row_dimensions[line].height = LINE_HEIGHT * _lines(item)
        link = sheet.cell(row=line, column=len(COLUMNS))
        if item.link:
            link.hyperlink = item.link
            link.style = "Hyperlink"
            link.alignment = top
    for column, width in enumerate(_widths(headers(lang), rows), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"  # the header row stays in view
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if isinstance(value, dt.date):
        return "00/00/0000"  # as wide as a formatted date
    return "" if value is None else str(value)


def _widths(names: list[str], rows: list[ExportRow]) -> list[int]:
    """Each column as wide as its longest line (header included), the wrapped ones at most their limit."""
    widths = []
    for column, name in enumerate(names, start=1):
        longest = max(
            (len(line) for item in rows for line in _text(astuple(item)[column - 1]).split("\n")), default=0
        )
        width = max(len(name), longest) + 2
        widths.append(min(width, WRAPPED[column]) if column in WRAPPED else width)
    return widths


def _lines(item: ExportRow) -> int:
    """The lines a row needs (its wrapped cells' text over their widths): set as
    its height, since not every program sizes rows to wrapped text by itself."""
    values = astuple(item)
    needed = 1
    for column, width in WRAPPED.items():
        text = _text(values[column - 1])
        needed = max(needed, sum(max(1, math.ceil(len(part) / (width - 2))) for part in text.split("\n")))
    return needed


def sheet_title(shown: Selection) -> str:
    """The worksheet's name: the period, with a word when it fits Excel's 31 characters."""
    if shown.view == "year":
        period = str(shown.start.year)
    elif shown.view == "month":
        period = shown.start.strftime("%Y-%m")
    else:
        period = f"{shown.start.isoformat()} – {shown.end.isoformat()}"
    title = f"{gettext('Anniversaries', shown.lang)} {period}"
    title = title if len(title) <= 31 else period
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]
