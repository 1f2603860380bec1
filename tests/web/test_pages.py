"""Pages as users see them: planning view, month grid, year overview, entry
page, subscribe page, CSV, languages and 400 pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest


def text(response) -> str:
    """The visible text of a page, roughly as a reader sees it."""
    body = response.data.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_planning_view_lists_dien_bien_phu_with_badge_and_sources(client):
    page = text(client.get("/?from=2024-04-01"))
    assert "Các ngày kỷ niệm từ 1/4/2024 đến 23/6/2024" in page
    assert (
        "7/5/2024 còn 67 ngày năm tròn Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024) "
        "lịch sử · Nguồn: 164-HD/BTGTU; 94-HD/BTGTU"
    ) in page
    assert "Tháng 5/2024" in page and "Tuần 19: 6/5/2024 – 12/5/2024" in page
    assert "Ngày cần xác minh (chỉ biết tháng hoặc năm):" in page
    assert "Kỷ niệm 55 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Sudan (1969 – 2024)" in page


def test_planning_view_in_english_by_parameter_cookie_and_header(client):
    english = text(client.get("/?from=2024-04-01&lang=en"))
    assert "Anniversaries from 1 April 2024 to 23 June 2024" in english
    assert "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)" in english
    assert "major anniversary (năm tròn)" in english
    remembered = text(client.get("/?from=2024-04-01"))  # the cookie set by ?lang=en
    assert "Anniversaries from 1 April 2024" in remembered


def test_language_from_accept_language(app):
    fresh = app.test_client()
    assert "Anniversaries from" in text(
        fresh.get("/?from=2024-04-01", headers={"Accept-Language": "en-GB,en;q=0.9"})
    )
    assert "Các ngày kỷ niệm từ" in text(fresh.get("/?from=2024-04-01", headers={"Accept-Language": "fr"}))
    assert "Các ngày kỷ niệm từ" in text(
        fresh.get("/?from=2024-04-01&lang=vi", headers={"Accept-Language": "en"})
    )


def test_filters(client):
    page = text(client.get("/?from=2024-01-01&weeks=52&category=diplomatic&milestone=tron&lang=en"))
    assert (
        "70th anniversary of the establishment of diplomatic relations between Việt Nam and Mongolia" in page
    )
    assert "Điện Biên Phủ Victory" not in page and "55th anniversary" not in page
    search = text(client.get("/?from=2024-01-01&weeks=52&q=gac+ma&lang=en"))
    assert "36th anniversary of the Gạc Ma naval battle" in search and "Điện Biên" not in search
    country = text(client.get("/?from=2024-01-01&weeks=52&country=br&lang=en"))
    assert "between Việt Nam and Brazil" in country and "between Việt Nam and Sweden" not in country


def test_weeks_setting_and_navigation(client):
    page = client.get("/?from=2024-04-01&weeks=2&lang=en")
    assert "Anniversaries from 1 April 2024 to 14 April 2024" in text(page)
    assert "from=2024-04-15" in page.data.decode() and "from=2024-03-18" in page.data.decode()


def test_month_grid(client):
    response = client.get("/?from=2024-05-15&view=month&lang=en")
    page = text(response)
    assert "Anniversaries from 1 May 2024 to 31 May 2024" in page
    assert re.search(
        r"<td class=\"\"><span class=\"day-number\">7</span><span class=\"day-name\">Tuesday, 7 May 2024</span>"
        r"\s*<a class=\"cell-item tron\"",
        response.data.decode(),
    )
    assert "Mon Tue Wed Thu Fri Sat Sun" in page


def test_year_overview(client):
    page = text(client.get("/?from=2024-06-01&view=year&lang=en"))
    assert "Anniversaries from 1 January 2024 to 31 December 2024" in page
    assert "December 2024" in page and "Month 12/2024" not in page
    assert (
        "major anniversary (năm tròn) 22 December 2024 80th anniversary of the founding of the Vietnam People's Army"
        in page
    )


def test_csv_export_of_what_is_shown(client):
    response = client.get("/export.csv?from=2024-05-02&weeks=2&lang=en")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "attachment; filename=anniversaries-2024-05-02-2024-05-15.csv"
        == response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["Title", "Date", "Weekday"]
    assert rows[1][:5] == [
        "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)",
        "2024-05-07",
        "Tuesday",
        "",
        "70",
    ]
    assert {r[-1] for r in rows[1:]} == {
        "http://127.0.0.1:8000/entries/dien-bien-phu?lang=en",
        "http://127.0.0.1:8000/entries/hai-quan-nhan-dan?lang=en",
        "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-brazil?lang=en",
        "http://127.0.0.1:8000/entries/doi-thieu-nien-tien-phong?lang=en",
        "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-mauritius?lang=en",
        "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-papua-new-guinea?lang=en",
        "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-sudan?lang=en",
        "http://127.0.0.1:8000/entries/quan-he-ngoai-giao-congo?lang=en",
    }


def test_entry_page(client):
    page = text(client.get("/entries/quan-he-ngoai-giao-sweden?lang=en"))
    assert "the establishment of diplomatic relations between Việt Nam and Sweden" in page
    assert "Original date 11 January 1969" in page
    assert (
        "164-HD/BTGTU — Ban Tuyên giáo Tỉnh ủy Lâm Đồng, 12 January 2024 “Vương Quốc Thuỵ Điển (11/1/1969)”"
        in page
    )
    assert "“Vương quốc Thụy Điển (11/6/1969)”" in page
    assert "Conflicting sources 164-HD/BTGTU writes 11/1/1969, 94-HD/BTGTU writes 11/6/1969 (a typo)." in page
    assert "55th anniversary of the establishment of diplomatic relations between Việt Nam and Sweden" in page
    assert "Anniversaries – Sweden" in page and "Anniversaries – all" in page


def test_entry_page_for_a_date_to_verify_and_unknown_entry(client):
    page = text(client.get("/entries/quan-he-ngoai-giao-sudan?lang=en"))
    assert "1969 date to verify" in page
    assert (
        "Anniversaries from 1 January 2023 to 31 December 2029 date to verify half-decade anniversary (năm chẵn) "
        "55th anniversary of the establishment of diplomatic relations between Việt Nam and Sudan (1969 – 2024)"
    ) in page
    assert client.get("/entries/nope").status_code == 404


def test_entry_page_lists_the_feeds_its_anniversaries_are_in(client):
    sweden = text(client.get("/entries/quan-he-ngoai-giao-sweden?lang=en"))
    listed = sweden.split("In these feeds", 1)[1]
    for title in ("all", "round and half-decade years", "diplomatic relations", "Sweden"):
        assert f"Anniversaries – {title}" in listed
    assert "Anniversaries – Brazil" not in listed and "Anniversaries – historical" not in listed
    assert "(with reminders)" not in listed


def test_entry_with_a_date_to_verify_is_in_no_feed(client):
    """A date known only to the year gives no dated anniversary, yet the page
    listed the "all" and category feeds as holding the entry."""
    sudan = text(client.get("/entries/quan-he-ngoai-giao-sudan?lang=en"))
    assert "date to verify half-decade anniversary (năm chẵn) 55th anniversary" in sudan
    assert "In these feeds" not in sudan


def test_subscribe_page_links(client):
    response = client.get("/subscribe?lang=en")
    page = text(response)
    assert "Anniversaries – all" in page and "Every anniversary and commemoration in the registry" in page
    html = response.data.decode()
    assert 'href="webcal://127.0.0.1:8000/feeds/en/all.ics"' in html
    assert ">http://127.0.0.1:8000/feeds/en/all.ics</code>" in html.replace("<wbr>", "")
    google = unescape(re.search(r'href="(https://calendar\.google\.com[^"]+)"', html)[1])
    assert parse_qs(urlparse(google).query)["cid"] == ["webcal://127.0.0.1:8000/feeds/en/all.ics"]
    outlook = unescape(re.search(r'href="(https://outlook\.live\.com[^"]+)"', html)[1])
    assert parse_qs(urlparse(outlook).query)["url"] == ["http://127.0.0.1:8000/feeds/en/all.ics"]
    assert "File → New Calendar Subscription" in page and "Internet Calendars" in page
    vietnamese = text(client.get("/subscribe?lang=vi"))
    assert "Lịch kỷ niệm – tất cả" in vietnamese and "Thêm vào: Google Calendar" in vietnamese


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-02-31", "Parameter 'from': '2024-02-31' is not a real date in the form YYYY-MM-DD"),
        ("weeks=-3", "Parameter 'weeks': '-3' is not a whole number from 1 to 104"),
        ("weeks=abc", "Parameter 'weeks': 'abc' is not a whole number from 1 to 104"),
        (
            "category=sport",
            "Parameter 'category': unknown value 'sport' (known: historical, holiday, armed-forces",
        ),
        ("country=ZZZ", "Parameter 'country': unknown country code 'ZZZ'"),
        ("view=agenda", "Parameter 'view': unknown value 'agenda' (known: list, month, year)"),
    ],
)
def test_bad_parameters_give_a_400_page_that_says_what_was_wrong(client, query, message):
    response = client.get(f"/?{query}&lang=en")
    assert response.status_code == 400
    assert message in text(response)


def test_bad_parameters_in_vietnamese(client):
    response = client.get("/?from=2024-02-31&lang=vi")
    assert response.status_code == 400
    assert "Tham số 'from': '2024-02-31' không phải là ngày có thật theo dạng YYYY-MM-DD" in text(response)


def test_unknown_language_is_a_400(client):
    assert client.get("/?lang=fr").status_code == 400


def test_registry_text_is_escaped_in_html(settings, tmp_path):
    from paths import REGISTRIES

    from calendar_service.web import create_app

    app = create_app(settings(registry=REGISTRIES / "special-characters.yaml", feeds_dir=tmp_path))
    html = app.test_client().get("/?from=2024-05-01&weeks=1").data.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def words(html: str) -> str:
    """The visible text of a piece of a page."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_year_view_counts_agree_with_its_lists(client):
    """The year view said "2 anniversaries" above an empty list: it lists only the milestones."""
    html = client.get("/?from=2024-01-01&view=year&lang=en").data.decode()
    boxes = re.findall(r'<section class="year-month">(.*?)</section>', html, re.S)
    assert len(boxes) == 12
    for box in boxes:
        stated = re.search(r"(\d+) milestone anniversar(?:y|ies):", words(box))
        assert (int(stated[1]) if stated else 0) == box.count("<li>"), words(box)
    assert words(boxes[3]).startswith(
        "April 2024 1 milestone anniversary: major anniversary (năm tròn) 21 April"
    )
    assert words(boxes[3]).endswith("and 3 other anniversaries")
    vietnamese = client.get("/?from=2024-01-01&view=year&lang=vi").data.decode()
    april = re.findall(r'<section class="year-month">(.*?)</section>', vietnamese, re.S)[3]
    assert words(april).startswith("Tháng 4/2024 ") and april.count("<li>") == 1


def test_countdown_says_1_day_not_1_days(app):
    """The planning view said "in 1 days" the day before Điện Biên Phủ."""
    app.config["TODAY"] = dt.date(2024, 5, 6)
    page = text(app.test_client().get("/?from=2024-04-29&weeks=2&lang=en"))
    assert "30 April 2024 6 days ago" in page
    assert "7 May 2024 in 1 day major anniversary (năm tròn)" in page
    assert "8 May 2024 in 2 days" in page
    app.config["TODAY"] = dt.date(2024, 5, 8)
    page = text(app.test_client().get("/?from=2024-04-29&weeks=2&lang=en"))
    assert "7 May 2024 1 day ago" in page and "8 May 2024 today" in page
    assert "7/5/2024 1 ngày trước" in text(app.test_client().get("/?from=2024-04-29&weeks=2&lang=vi"))


def test_400_page_heading_and_link_follow_lang_vi(client):
    """Under ?lang=vi the whole 400 page is Vietnamese, whatever the browser or cookie prefer."""
    client.get("/?lang=en")  # leaves the cookie lang=en
    response = client.get("/?from=2024-02-31&lang=vi", headers={"Accept-Language": "en-US,en"})
    assert response.status_code == 400
    html = response.data.decode()
    assert '<html lang="vi">' in html
    assert "<h1>400 Yêu cầu không hợp lệ</h1>" in html
    assert ">Quay lại trang kế hoạch</a>" in html
    page = text(response)
    for english in ("Bad request", "Back to the planning view", "Parameter", "Planning", "Subscribe"):
        assert english not in page
