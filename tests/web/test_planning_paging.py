"""The planning list in pages: what a page shows, "showing x–y of z" in both
languages, page links that keep every filter, bad page numbers, the Print link
and the exports (every row, never one page), and the rows reused from the web
state's cache. The speed itself is measured by bench/planning_view.py."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qsl, urlparse

import pytest

from calendar_service.web.auth import stores
from calendar_service.web.paging import PAGE_SIZE, Page, page

from .plans import NOW, planning_app, signed_in
from .test_pages import text

# Two years of the real registry: 125 anniversaries, three pages.
TWO_YEARS = "/?from=2024-01-01&weeks=104"
TOTAL = 125


def items(response) -> list[str]:
    """The titles of the listed anniversaries, in order."""
    return [
        unescape(t) for t in re.findall(r'<a class="title" href="[^"]*">([^<]*)</a>', response.data.decode())
    ]


def pager_links(response) -> list[str]:
    navs = re.findall(r'<nav class="pager".*?</nav>', response.data.decode(), re.S)
    return [unescape(href) for nav in navs for href in re.findall(r'href="([^"]*)"', nav)]


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlparse(url).query, keep_blank_values=True)


def test_the_real_registrys_busiest_default_view_fits_on_one_page(client):
    """The busiest 12 weeks of the real registry (from 24 March 2024) are one page, printed as it is."""
    response = client.get("/?from=2024-03-24&lang=vi")
    page_text = text(response)
    assert "20 ngày kỷ niệm trong khoảng thời gian này" in page_text
    assert len(items(response)) == 20 < PAGE_SIZE
    assert pager_links(response) == [] and "page=all" not in response.data.decode()
    assert 'onclick="window.print(); return false;"' in response.data.decode()
    assert "1 anniversary in this period" in text(client.get("/?from=2024-04-30&days=1&lang=en"))


@pytest.mark.parametrize(
    ("lang", "first", "last"),
    [
        ("en", "Showing 1–50 of 125 anniversaries", "Showing 101–125 of 125 anniversaries"),
        (
            "vi",
            "Đang hiển thị 1–50 trong tổng số 125 ngày kỷ niệm",
            "Đang hiển thị 101–125 trong tổng số 125 ngày kỷ niệm",
        ),
    ],
)
def test_pages_show_fifty_rows_each_and_together_the_whole_list(client, lang, first, last):
    whole = client.get(f"{TWO_YEARS}&page=all&lang={lang}")
    assert len(items(whole)) == TOTAL
    pages = [client.get(f"{TWO_YEARS}&lang={lang}" + (f"&page={n}" if n > 1 else "")) for n in (1, 2, 3)]
    assert [len(items(p)) for p in pages] == [50, 50, 25]
    assert sum((items(p) for p in pages), []) == items(whole)
    assert first in text(pages[0]) and last in text(pages[2])
    # The dates to verify come after the list: on its last page, pointed to from the others.
    assert 'class="to-verify"' in pages[2].data.decode() and 'class="to-verify"' not in pages[0].data.decode()
    pointer = re.search(r'<p class="to-verify-elsewhere"><a href="([^"]*)"', pages[0].data.decode())[1]
    assert ("page", "3") in query(unescape(pointer)) and pointer.endswith("#to-verify")


def test_page_links_keep_every_filter(client):
    asked = f"{TWO_YEARS}&q=ngày&coverage=none&lang=en&page=2"
    response = client.get(asked)
    assert "Showing 51–100 of 100 anniversaries" in text(response)
    links = pager_links(response)
    assert links, "two pages: a pager"
    expected = {("from", "2024-01-01"), ("weeks", "104"), ("q", "ngày"), ("coverage", "none")}
    expected |= {("lang", "en"), ("view", "list")}
    for link in links:
        assert expected <= set(query(link)), link
    assert {dict(query(link)).get("page", "1") for link in links} == {"1", "2"}
    # Moving the period or changing the view starts again at the first page.
    body = unescape(response.data.decode())
    views = re.search(r'<p class="views">(.*?)</p>', body, re.S)[1]
    assert "page=2" not in views


def test_page_links_keep_the_coverage_filters_of_a_signed_in_reporter(settings, tmp_path):
    """mine=1, desk= and status= together with paging: 60 anniversaries assigned to one reporter."""
    app = planning_app(settings, tmp_path)
    client = signed_in(app, "minh")
    whole = client.get(f"{TWO_YEARS}&page=all&lang=en").data.decode()
    listed = re.findall(r'<a class="title" href="/entries/([^?"]+)\?lang=en">[^<]*</a>', whole)
    years = re.findall(r'<span class="date" title="[^"]*">[^<]*?(\d{4})</span>', whole)
    assert len(listed) == len(years) == TOTAL
    occurrences = list(dict.fromkeys(zip(listed, years, strict=True)))
    with app.app_context():
        for entry_id, year in occurrences[:60]:
            stores().coverages.create(
                entry_id, int(year), {"desk": "Thời sự", "assignees": ["minh"]}, "lan", NOW
            )
    asked = f"{TWO_YEARS}&mine=1&desk=Thời sự&status=assigned&lang=en"
    first = client.get(asked)
    assert "Showing 1–50 of 60 anniversaries" in text(first)
    assert pager_links(first)
    for link in pager_links(first):
        assert {("mine", "1"), ("desk", "Thời sự"), ("status", "assigned"), ("weeks", "104")} <= set(
            query(link)
        )
    second = client.get(asked + "&page=2")
    assert len(items(second)) == 10 and "Showing 51–60 of 60 anniversaries" in text(second)
    assert second.data.decode().count("badge coverage assigned") == 10
    # A coverage added since counts at once: the rows are cached, the coverages are not.
    with app.app_context():
        entry_id, year = occurrences[60]
        stores().coverages.create(entry_id, int(year), {"desk": "Thời sự", "assignees": ["minh"]}, "lan", NOW)
    assert "Showing 1–50 of 61 anniversaries" in text(client.get(asked))
    assert f"Showing 1–50 of {TOTAL - 61} anniversaries" in text(
        client.get(f"{TWO_YEARS}&coverage=none&lang=en")
    )


@pytest.mark.parametrize("value", ["0", "00", "-1", "abc", "1.5", "2e3", " 2", "١", "1" * 31, "ALL"])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_bad_page_number_is_a_400_naming_the_parameter(client, value, lang):
    response = client.get(
        "/", query_string={"from": "2024-01-01", "weeks": "104", "lang": lang, "page": value}
    )
    assert response.status_code == 400
    said = text(response)
    assert "Parameter 'page'" in said if lang == "en" else "Tham số 'page'" in said
    assert ("is not a page number" in said) if lang == "en" else ("không phải là số trang" in said)


@pytest.mark.parametrize("value", ["4", "999999", "9" * 30])
def test_a_page_past_the_end_shows_the_last_page(client, value):
    """An old link or a huge number: the end of the list, never a 500 or an empty page."""
    response = client.get(f"{TWO_YEARS}&lang=en&page={value}")
    assert response.status_code == 200
    assert "Showing 101–125 of 125 anniversaries" in text(response)
    assert 'aria-current="page">3</a>' in response.data.decode()


def test_the_page_parameter_is_checked_but_not_applied_in_the_month_and_year_views(client):
    month = client.get("/?from=2024-05-01&view=month&page=2&lang=en")
    assert month.status_code == 200 and "Điện Biên Phủ Victory" in text(month)
    assert client.get("/?from=2024-05-01&view=year&page=abc").status_code == 400


def test_print_and_exports_hold_every_row_not_one_page(client):
    response = client.get(f"{TWO_YEARS}&q=ngày&lang=en&page=2")
    body = unescape(response.data.decode())
    printed = re.search(r'<a href="([^"]*#print)"[^>]*>Print</a>', body)[1]
    assert ("page", "all") in query(printed) and ("q", "ngày") in query(printed)
    whole = client.get(printed.split("#")[0])
    assert len(items(whole)) == 100 and "100 anniversaries in this period" in text(whole)
    assert 'src="/static/planning.js"' in whole.data.decode()
    csv_url = re.search(r'<a href="([^"]*)"[^>]*>Export CSV</a>', body)[1]
    assert "page" not in dict(query(csv_url))
    rows = list(csv.reader(io.StringIO(client.get(csv_url).data.decode("utf-8-sig"))))
    dated = [r for r in rows[1:] if not r[3]]
    assert len(dated) == 100
    xlsx_url = re.search(r'<a href="([^"]*)"[^>]*>Export to Excel \(.xlsx\)</a>', body)[1]
    assert "page" not in dict(query(xlsx_url))


def test_the_rows_of_a_period_are_computed_once_per_registry_generation(app):
    """Every request recomputed every occurrence and text of the period (~100 ms on 10k entries)."""
    client = app.test_client()
    cache = app.extensions["calendar_state"].planning
    client.get(f"{TWO_YEARS}&lang=en")
    misses = cache.misses
    for number in (1, 2, 3):
        assert client.get(f"{TWO_YEARS}&lang=en&page={number}").status_code == 200
    assert cache.misses == misses, "the other pages reuse the period's rows"
    client.get(f"{TWO_YEARS}&lang=vi")
    assert cache.misses == misses + 2, "another language: its own rows and filter options"


def test_an_edited_registry_is_listed_at_once(settings, tmp_path, real_copy):
    """The cache is keyed by the registry's generation: an edit shows at the next request."""
    app = planning_app(settings, tmp_path, registry=real_copy)
    client = app.test_client()
    before = text(client.get("/?from=2024-04-01&lang=en"))
    assert "70th anniversary of the Điện Biên Phủ Victory" in before
    source = real_copy.read_text(encoding="utf-8")
    real_copy.write_text(
        source.replace("Điện Biên Phủ Victory", "Victory at Điện Biên Phủ"), encoding="utf-8"
    )
    after = text(client.get("/?from=2024-04-01&lang=en"))
    assert "70th anniversary of the Victory at Điện Biên Phủ" in after


def test_page_numbers_offered():
    assert page(0, 1) == Page(1, 1, 0) and page(0, 1).first == 0 and page(0, 1).whole
    assert page(125, 9).number == 3 and page(125, 0).rows(list(range(125))) == list(range(125))
    assert Page(1, 21, 1025).numbers() == [1, 2, 3, None, 21]
    assert Page(5, 21, 1025).numbers() == [1, 2, 3, 4, 5, 6, 7, None, 21]
    assert Page(11, 21, 1025).numbers() == [1, None, 9, 10, 11, 12, 13, None, 21]
    assert Page(21, 21, 1025).numbers() == [1, None, 19, 20, 21]
    assert (Page(21, 21, 1025).first, Page(21, 21, 1025).last, Page(21, 21, 1025).next) == (1001, 1025, None)


def test_exports_keep_the_coverage_filters(settings, tmp_path):
    """The CSV and .xlsx links of a view filtered by coverage held every anniversary of the period."""
    from openpyxl import load_workbook

    app = planning_app(settings, tmp_path)
    client = signed_in(app, "minh")
    with app.app_context():
        stores().coverages.create(
            "dien-bien-phu", 2024, {"desk": "Thời sự", "assignees": ["minh"]}, "lan", NOW
        )
    period = "/?from=2024-03-01&weeks=26&lang=en"
    page = client.get(period + "&mine=1").data.decode()
    csv_link = unescape(re.search(r'href="(/export\.csv\?[^"]+)"', page).group(1))
    xlsx_link = unescape(re.search(r'href="(/export\.xlsx\?[^"]+)"', page).group(1))
    assert ("mine", "1") in query(csv_link) and ("mine", "1") in query(xlsx_link)
    rows = list(csv.reader(io.StringIO(client.get(csv_link).data.decode("utf-8-sig"))))
    assert len(rows) == 2 and "Điện Biên Phủ" in rows[1][0], rows
    sheet = load_workbook(io.BytesIO(client.get(xlsx_link).data)).active
    titles = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(titles) == 1 and "Điện Biên Phủ" in titles[0]
    everything = list(
        csv.reader(io.StringIO(client.get(csv_link.replace("mine=1", "")).data.decode("utf-8-sig")))
    )
    uncovered = list(
        csv.reader(
            io.StringIO(client.get(csv_link.replace("mine=1", "coverage=none")).data.decode("utf-8-sig"))
        )
    )
    assert len(everything) > 3 and len(uncovered) == len(everything) - 1
    assert not any("Điện Biên Phủ" in row[0] and "70" in row[0] for row in uncovered[1:])
