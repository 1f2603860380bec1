"""The planning meeting's agenda: the period's anniversaries by week with their
coverages, as the page, the .xlsx and CSV exports and the printed pages show
them; a wrong period is a 400 naming the parameter."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from html import unescape

import openpyxl
import pytest
from paths import PUBLISHED_ON

from calendar_service.planning.accounts import Accounts, Role
from calendar_service.planning.coverage import CoverageStore
from calendar_service.web import create_app

from .browsing import serving, shot
from .test_print import (
    CONTENT_WIDTH_PX,
    assert_within_the_margins,
    links_by_page,
    poppler,  # noqa: F401  (the fixture)
    print_to_pdf,
    save_pages,
)

NOW = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
PERIOD = "from=2024-04-15&to=2024-05-12"  # weeks 16 to 19: Giỗ Tổ on 18 April, Điện Biên Phủ on 7 May


def _plan(engine) -> None:
    accounts = Accounts(engine)
    accounts.add("lan", "correct horse battery", Role.EDITOR, NOW, display_name="Nguyễn Lan")
    accounts.add("minh", "correct horse battery", Role.EDITOR, NOW, display_name="Trần Minh")
    accounts.add("bao", "correct horse battery", Role.EDITOR, NOW)
    store = CoverageStore(engine)
    store.create(
        "dien-bien-phu",
        2024,
        {
            "assignees": ["lan", "minh"],
            "desk": "Thời sự",
            "format": "series",
            "angle": "Những người lính cuối cùng",
            "due": "2024-05-03",
        },
        "bao",
        NOW,
    )
    store.create("dien-bien-phu", 2024, {"format": "photo", "status": "idea"}, "bao", NOW)
    store.create("gio-to-hung-vuong", 2024, {"status": "dropped", "desk": "Văn hoá"}, "bao", NOW)


@pytest.fixture(scope="module")
def planned_app(settings, published_feeds, tmp_path_factory):
    """The app on its own database, holding three accounts and three coverages."""
    folder = tmp_path_factory.mktemp("agenda")
    app = create_app(
        settings(feeds_dir=published_feeds, database_url=f"sqlite:///{folder / 'plans.sqlite3'}")
    )
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    with app.app_context():
        from calendar_service.web.auth import stores

        _plan(stores().accounts.engine)
    return app


@pytest.fixture
def planned(planned_app):
    return planned_app.test_client()


def text_of(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_agenda_lists_the_weeks_with_lunar_dates_and_coverages(planned):
    page = planned.get(f"/agenda?{PERIOD}&lang=en")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Meeting agenda: 15 April 2024 – 12 May 2024" in text
    for week in ("Week 16: 15 April 2024 – 21 April 2024", "Week 19: 6 May 2024 – 12 May 2024"):
        assert week in text
    assert text.index("Week 16") < text.index("Week 17") < text.index("Week 18") < text.index("Week 19")
    week19 = text.split("Week 19:")[1]
    assert (
        "Tuesday 7 May 2024 Years: 70 major anniversary (năm tròn) 70th anniversary of the Điện Biên Phủ "
        "Victory (7 May 1954 – 7 May 2024) Sources: 164-HD/BTGTU; 94-HD/BTGTU "
        "assigned Nguyễn Lan, Trần Minh Thời sự · series Những người lính cuối cùng Due 3 May 2024 "
        "idea photo"
    ) in week19
    week16 = text.split("Week 16:")[1].split("Week 17:")[0]
    assert "Thursday 18 April 2024 Lunar: 10th day of the 3rd lunar month" in week16
    assert "Hùng Kings" in week16 and "dropped Văn hoá" in week16
    assert "No coverage yet" in week16, "anniversaries without coverage say so"
    assert "Lunar:" not in week19, "only entries kept by the lunar calendar"
    vi = text_of(planned.get(f"/agenda?{PERIOD}&lang=vi").get_data(as_text=True))
    assert "Chương trình họp: 15/4/2024 – 12/5/2024" in vi and "Tuần 19: 6/5/2024 – 12/5/2024" in vi
    assert "Thứ Năm 18/4/2024 Âm lịch: 10/3 âm lịch" in vi
    assert "đã giao Nguyễn Lan, Trần Minh Thời sự · loạt bài" in vi and "Hạn 3/5/2024" in vi
    assert "Chưa có kế hoạch đưa tin" in vi


def test_agenda_defaults_to_two_weeks_from_next_monday(planned):
    text = text_of(planned.get("/agenda?lang=en").get_data(as_text=True))  # today: Friday 1 March 2024
    assert "Meeting agenda: 4 March 2024 – 17 March 2024" in text
    assert "Week 10:" in text and "Week 11:" in text and "Week 12:" not in text
    assert "1 anniversary in this period." not in text and "anniversaries in this period." in text


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("from=2024-02-31", "from", "'2024-02-31' is not a real date in the form YYYY-MM-DD"),
        ("from=2024-05-01&to=2024-04-30", "to", "the period ends on 2024-04-30, before it starts"),
        ("from=2024-01-01&to=2024-04-03", "to", "the period is longer than 93 days"),
        ("from=2024-01-01&to=2301-01-01", "to", "2301-01-01 is outside the dates this service covers"),
        ("format=pdf", "format", "unknown value 'pdf' (known: html)"),
    ],
)
def test_a_wrong_period_is_a_400_naming_the_parameter(planned, query, parameter, message):
    for path in ("/agenda", "/agenda.xlsx", "/agenda.csv"):
        response = planned.get(f"{path}?{query}&lang=en")
        assert response.status_code == 400, path
        body = text_of(response.get_data(as_text=True))
        assert f"Parameter '{parameter}': " in body and message in body, body


def test_xlsx_has_a_header_real_dates_and_one_row_per_coverage(planned):
    response = planned.get(f"/agenda.xlsx?{PERIOD}&lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "agenda-2024-04-15-2024-05-12.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Title", "Date", "Weekday", "Lunar date", "Years", "Milestone", "Sources", "Status",
        "Assignees", "Desk", "Format", "Angle", "Due", "Notes", "Link",
    )  # fmt: skip
    assert sheet.freeze_panes == "A2"
    dien_bien_phu = [r for r in rows if r[0] and "Điện Biên Phủ Victory" in r[0]]
    assert len(dien_bien_phu) == 2, "one row per coverage"
    first, second = dien_bien_phu
    assert first[1] == dt.datetime(2024, 5, 7) and first[2] == "Tuesday" and first[4] == 70
    assert first[5] == "major anniversary (năm tròn)" and "164-HD/BTGTU" in first[6]
    assert first[7:13] == (
        "assigned", "Nguyễn Lan, Trần Minh", "Thời sự", "series", "Những người lính cuối cùng",
        dt.datetime(2024, 5, 3),
    )  # fmt: skip
    assert second[7] == "idea" and second[10] == "photo" and second[12] is None
    assert first[14] == "http://127.0.0.1:8000/entries/dien-bien-phu?lang=en"
    assert sheet["B2"].is_date and sheet["B2"].number_format == "d mmm yyyy"
    (hung_kings,) = [r for r in rows if "Hùng" in r[0]]
    assert hung_kings[3] == "10th day of the 3rd lunar month" and hung_kings[7] == "dropped"
    uncovered = [r for r in rows[1:] if not r[7]]
    assert uncovered and all(r[8] is None for r in uncovered)
    assert sheet.column_dimensions["A"].width == 50 and sheet["A2"].alignment.wrap_text


def test_csv_is_utf8_with_a_bom_title_first(planned):
    response = planned.get(f"/agenda.csv?{PERIOD}&lang=vi")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Tiêu đề", "Ngày", "Thứ"] and rows[0][7] == "Trạng thái"
    (first, second) = [r for r in rows if "Chiến thắng Điện Biên Phủ" in r[0]]
    assert first[1] == "2024-05-07" and first[7] == "đã giao" and first[8] == "Nguyễn Lan, Trần Minh"
    assert first[12] == "2024-05-03" and second[7] == "ý tưởng"
    assert all(len(r) == len(rows[0]) for r in rows)


def test_the_planning_view_links_to_the_agenda(planned):
    text = planned.get("/?lang=en").get_data(as_text=True)
    assert 'href="/agenda?lang=en">Meeting agenda</a>' in text


@pytest.fixture(scope="module")
def planned_server(planned_app):
    with serving(planned_app) as url:
        yield url


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_agenda_prints_a_week_a_page_within_the_margins_and_no_page_for_an_empty_week(
    browser, planned_server, tmp_path, lang
):
    page = browser.new_page(viewport={"width": CONTENT_WIDTH_PX, "height": 1000})
    page.goto(f"{planned_server}/agenda?from=2024-04-15&to=2024-06-09&lang={lang}")
    page.emulate_media(media="print")
    weeks = page.eval_on_selector_all(
        "section.agenda-week",
        """sections => sections.map(s => ({
            heading: s.querySelector("h2").textContent.trim(),
            empty: s.classList.contains("empty"),
            entries: [...s.querySelectorAll("a.title")].map(a => a.href)}))""",
    )
    pdf = print_to_pdf(page, tmp_path / "agenda.pdf")
    page.close()
    save_pages(pdf, f"print-agenda-{lang}")
    assert len(weeks) == 8
    empty = [w for w in weeks if w["empty"]]
    assert len(empty) == 2 and not weeks[0]["empty"], "the period has weeks without anniversaries"
    pages = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    texts = [" ".join(p.split()) for p in pages.stdout.split("\f") if p.strip()]
    full = [w for w in weeks if not w["empty"]]
    for number, text in enumerate(texts, start=1):
        headings = [w["heading"] for w in full if w["heading"] in text]
        assert len(headings) <= 1, f"page {number} holds {headings}"
    started = [next(i for i, t in enumerate(texts) if w["heading"] in t) for w in weeks]
    assert started == sorted(started), "the weeks in order"
    assert len({started[weeks.index(w)] for w in full}) == len(full), (
        "each week with anniversaries starts a page"
    )
    for week in empty:
        at = weeks.index(week)
        assert started[at] == started[at - 1], f"{week['heading']} follows the week before on its page"
        said = "No anniversaries this week." if lang == "en" else "Tuần này không có ngày kỷ niệm nào."
        assert said in texts[started[at]]
    assert len(texts) < len(weeks), "no page for a week without anniversaries"
    on = links_by_page(pdf)
    for week in weeks:
        for entry in week["entries"]:
            assert len(on[entry]) >= 1, entry
    assert_within_the_margins(pdf)
    whole = " ".join(texts)
    assert (
        "70th anniversary of the Điện Biên Phủ Victory"
        if lang == "en"
        else "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ"
    ) in whole
    assert "Export CSV" not in whole and "Xuất CSV" not in whole, "no navigation on paper"


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_agenda_screenshots(browser, planned_server, lang, width):
    """The agenda with coverages as a person sees it (the layout test checks it without)."""
    from .test_layout import LAYOUT_JS

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{planned_server}/agenda?{PERIOD}&lang={lang}")
    full = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": width, "height": max(900, min(full, 16000))})
    problems = page.evaluate(LAYOUT_JS)
    shot(page, f"agenda-planned-{lang}-{width}")
    page.close()
    assert problems == []
