"""The local file included from data/events.yaml (data/local/lam-dong.yaml) as
users meet it: filtered by scope in the planning view, the API and the
filtered feed; public holidays badged; a change to an included file seen
without a restart."""

from __future__ import annotations

import os
import re
import time
from html import unescape

import icalendar
import pytest

from .test_pages import text


def test_planning_view_filters_by_scope_and_names_the_province(client):
    page = client.get("/?from=2024-07-01&weeks=8&scope=lam-dong&lang=vi").data.decode()
    shown = text_of(page)
    assert (
        "25/7/2024 còn 146 ngày Kỷ niệm 1 năm Kế hoạch số 90-KH/TU của Ban Thường vụ Tỉnh ủy Lâm Đồng"
        in shown
    )
    assert "văn kiện · Lâm Đồng · Nguồn: 164-HD/BTGTU" in shown
    titles = re.findall(r'<a class="title" href="/entries/([^"?]+)', page)
    assert titles == ["ke-hoach-90-kh-tu-lam-dong"]
    # The scope filter is offered, with this choice kept, and the exports and feed carry it.
    select = re.search(r'<select name="scope">(.*?)</select>', page, re.S)[1]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "national", "lam-dong"]
    assert '<option value="lam-dong" selected>Lâm Đồng</option>' in select
    feed = unescape(re.search(r'href="(/feeds/filtered\.ics\?[^"]+)"', page)[1])
    assert "scope=lam-dong" in feed
    national = client.get("/?from=2024-07-01&weeks=8&scope=national&lang=vi").data.decode()
    assert "ke-hoach-90-kh-tu-lam-dong" not in national and "thuong-binh-liet-si" in national


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_an_unknown_scope_is_a_400_that_names_the_known_ones(client):
    response = client.get("/?scope=da-lat&lang=en")
    assert response.status_code == 400
    assert "unknown value 'da-lat' (known: national, lam-dong)" in text(response)
    api = client.get("/api/occurrences?scope=da-lat&lang=en")
    assert api.status_code == 400 and "unknown value 'da-lat'" in api.get_json()["error"]


def test_public_holidays_have_their_badge_in_the_planning_view(client):
    english = client.get("/?from=2024-04-29&weeks=1&lang=en").data.decode()
    items = re.findall(r'<li class="item[^"]*">.*?</li>', english, re.S)
    (item,) = [i for i in items if "/entries/giai-phong-mien-nam" in i]
    assert '<span class="badge holiday">Public holiday</span>' in item
    vietnamese = text(client.get("/?from=2024-04-29&weeks=1&lang=vi"))
    assert (
        "1/5/2024 còn 61 ngày Nghỉ lễ Kỷ niệm 138 năm Ngày Quốc tế Lao động (1/5/1886 – 1/5/2024)"
        in vietnamese
    )
    teachers = client.get("/?from=2024-11-18&weeks=1&lang=vi").data.decode()
    assert "nha-giao-viet-nam" in teachers and "badge holiday" not in teachers


def test_entry_pages_show_the_holiday_badge_the_scope_and_the_articles_words(client):
    tet = text(client.get("/entries/tet-nguyen-dan?lang=vi"))
    assert "Nhóm ngày lễ Nghỉ lễ" in tet
    assert "Bộ luật Lao động 2019, Điều 112 (Nghỉ lễ, tết) “b) Tết Âm lịch: 05 ngày”" in tet
    new_year = text(client.get("/entries/tet-duong-lich?lang=en"))
    assert "Original date 1 January every year" in new_year and "Public holiday" in new_year
    local = text(client.get("/entries/ke-hoach-90-kh-tu-lam-dong?lang=vi"))
    assert "Phạm vi Lâm Đồng" in local
    assert "Lịch kỷ niệm – Lâm Đồng" in local and "Lịch kỷ niệm – tất cả" in local


def test_the_api_filters_by_scope_and_describes_the_new_fields(client):
    local = client.get("/api/occurrences?from=2024-01-01&days=366&scope=lam-dong").get_json()
    assert [(o["event_id"], o["date"], o["scope"], o["holiday"]) for o in local] == [
        ("ke-hoach-90-kh-tu-lam-dong", "2024-07-25", "lam-dong", False)
    ]
    both = client.get("/api/occurrences?from=2024-01-01&days=366&scope=lam-dong&scope=national").get_json()
    assert len(both) == len(client.get("/api/occurrences?from=2024-01-01&days=366").get_json())
    new_year = client.get("/api/entries/tet-duong-lich?lang=en").get_json()
    assert (new_year["date"], new_year["yearly"], new_year["holiday"], new_year["scope"]) == (
        None,
        {"month": 1, "day": 1, "origin_year": None},
        True,
        "national",
    )
    women = client.get("/api/entries/quoc-te-phu-nu").get_json()
    assert women["yearly"] == {"month": 3, "day": 8, "origin_year": 1910}
    assert women["sources"][0]["quote"].startswith("Tháng 8/1910, đại hội lần thứ 2")


def test_the_filtered_feed_by_scope_holds_the_local_entries(client):
    response = client.get("/feeds/filtered.ics?scope=lam-dong&lang=en")
    assert response.status_code == 200
    events = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert {re.sub(r"-\d{4}\..*", "", str(e["UID"])) for e in events} == {
        "ke-hoach-90-kh-tu-lam-dong",
        "ke-hoach-35-kh-tu-lam-dong",
    }
    assert all("Scope: Lâm Đồng" in str(e["DESCRIPTION"]) for e in events)


def test_a_change_to_an_included_file_is_seen_without_a_restart(real_copy, settings, published_feeds):
    """The web service watched only data/events.yaml: an edit of local/<province>.yaml went unseen."""
    from calendar_service.web import create_app

    client = create_app(settings(registry=real_copy, feeds_dir=published_feeds)).test_client()
    local = real_copy.parent / "local" / "lam-dong.yaml"

    def titles() -> dict[str, str]:
        return {e["id"]: e["title_en"] for e in client.get("/api/entries").get_json()}

    assert titles()["ke-hoach-35-kh-tu-lam-dong"].startswith("Plan 35-KH/TU")
    text_before = local.read_text(encoding="utf-8")
    local.write_text(text_before.replace("en: Plan 35-KH/TU", "en: The plan 35-KH/TU"), encoding="utf-8")
    later = time.time() + 5
    os.utime(local, (later, later))
    assert titles()["ke-hoach-35-kh-tu-lam-dong"].startswith("The plan 35-KH/TU")
    # A new file that the glob local/*.yaml matches.
    (local.parent / "quang-ngai.yaml").write_text(
        "version: 1\nscopes:\n  - id: quang-ngai\n    name: {vi: Quảng Ngãi, en: Quảng Ngãi}\n",
        encoding="utf-8",
    )
    os.utime(local.parent, (later + 5, later + 5))
    assert client.get("/?scope=quang-ngai").status_code == 200
    # An invalid edit: the last good registry stays, /healthz names the file and line.
    local.write_text(text_before.replace("2022-03-08", "2022-02-30"), encoding="utf-8")
    os.utime(local, (later + 10, later + 10))
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert (
        "local/lam-dong.yaml:" in health["registry"]["error"] and "2022-02-30" in health["registry"]["error"]
    )
    assert "ke-hoach-35-kh-tu-lam-dong" in titles()


# In the browser: Debian's Chromium on a real server, with the browser suite's fixtures.
from .browsing import shot  # noqa: E402

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", WIDTHS)
def test_scope_filter_and_holiday_badges_in_the_browser(browser, server, lang, size):  # noqa: F811
    """The new filter and badge as a reader sees them, on a phone and a desktop."""
    page = browser.new_page(viewport={"width": WIDTHS[size], "height": 900})
    page.goto(f"{server}/?from=2026-11-22&weeks=12&lang={lang}")
    holiday = {"vi": "Nghỉ lễ", "en": "Public holiday"}[lang]
    badges = page.locator("li.item .badge.holiday")
    assert badges.count() == 2 and set(badges.all_inner_texts()) == {holiday}  # 1/1 and Tết 2027
    for badge in badges.all():
        box = badge.bounding_box()
        # The title's boxes line by line (an inline title that wraps is one box per line).
        lines = (
            badge.locator("xpath=..")
            .locator(".title")
            .evaluate(
                "e => Array.from(e.getClientRects()).map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}))"
            )
        )
        assert box["width"] > 0 and lines and not any(_overlap(box, line) for line in lines), (
            "the badge covers the title"
        )
    shot(page, f"planning-holidays-{lang}-{WIDTHS[size]}")
    page.select_option("select[name=scope]", "lam-dong")
    page.fill("input[name=from]", "2027-07-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**scope=lam-dong**")
    items = page.locator("main ul.items li.item")
    assert items.count() == 1 and "Lâm Đồng" in items.first.inner_text()
    shot(page, f"planning-scope-{lang}-{WIDTHS[size]}")
    page.goto(f"{server}/entries/tet-nguyen-dan?lang={lang}")
    assert page.locator("dl.facts .badge.holiday").inner_text() == holiday
    shot(page, f"entry-holiday-{lang}-{WIDTHS[size]}")
    page.goto(f"{server}/entries/ke-hoach-90-kh-tu-lam-dong?lang={lang}")
    assert "Lâm Đồng" in page.locator("dl.facts").inner_text()
    shot(page, f"entry-local-{lang}-{WIDTHS[size]}")
    page.close()


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )
