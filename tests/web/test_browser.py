"""A real headless Chromium (Debian's, driven by Playwright with
executable_path; no downloaded browser) on a real server on loopback: visible
text in both languages, a filter, and screenshots saved to test-artifacts/."""

from __future__ import annotations

import pytest

from .browsing import shot


def test_planning_view_in_both_languages_and_a_filter(browser, server):
    page = browser.new_page()
    page.goto(f"{server}/?from=2024-04-01&lang=vi")
    body = page.locator("main").inner_text()
    assert "Các ngày kỷ niệm từ 1/4/2024 đến 23/6/2024" in body
    assert "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)" in body
    badge = page.locator("li.item.tron", has_text="Điện Biên Phủ").locator(".badge")
    assert badge.inner_text() == "năm tròn"
    shot(page, "planning-vi")
    page.select_option("select[name=category]", "diplomatic")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**category=diplomatic**")
    filtered = " ".join(page.locator("main ul.items").all_inner_texts())
    assert "Brazil" in filtered and "Điện Biên Phủ" not in filtered
    shot(page, "planning-vi-diplomatic")
    page.goto(f"{server}/?from=2024-04-01&lang=en")
    english = page.locator("main").inner_text()
    assert "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)" in english
    assert "Date to verify (known only to the month or year):" in english
    shot(page, "planning-en")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible(), "the print stylesheet hides the filters"
    shot(page, "planning-en-print")
    page.close()


def test_subscribe_page_in_the_browser(browser, server):
    page = browser.new_page()
    page.goto(f"{server}/subscribe?lang=en")
    assert page.locator("h1").inner_text() == "Subscribe to a calendar feed"
    feed = page.locator("#feed-all")
    assert feed.locator("h3").inner_text() == "Anniversaries – all"
    assert feed.locator(".feed-url").inner_text() == "http://127.0.0.1:8000/feeds/en/all.ics"
    assert "cid=webcal%3A%2F%2F127.0.0.1%3A8000%2Ffeeds%2Fen%2Fall.ics" in feed.locator(
        "a.google"
    ).get_attribute("href")
    shot(page, "subscribe-en")
    page.goto(f"{server}/subscribe?lang=vi")
    assert page.locator("#feed-all h3").inner_text() == "Lịch kỷ niệm – tất cả"
    shot(page, "subscribe-vi")
    page.goto(f"{server}/?from=2024-05-15&view=month&lang=vi")
    assert page.locator("table.month-grid").is_visible()
    shot(page, "month-vi")
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_ends_of_the_date_range_in_the_browser(browser, server, width, lang):
    """The last month covered shows without a link past it, and a date past it
    gives the 400 page that names the parameter, in the page's language."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{server}/?from=2200-12-01&view=month&lang={lang}")
    views = page.locator("p.views").inner_text()
    assert ("Trước đó" if lang == "vi" else "Earlier") in views
    assert ("Sau đó" if lang == "vi" else "Later") not in views
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"month-2200-12-{lang}-{width}")
    response = page.goto(f"{server}/?from=9999-12-31&lang={lang}")
    assert response.status == 400
    message = page.locator("p.error-message").inner_text()
    expected = {
        "vi": "Tham số 'from': 9999-12-31 nằm ngoài khoảng ngày mà dịch vụ hỗ trợ (1900-01-01 đến 2200-12-31)",
        "en": "Parameter 'from': 9999-12-31 is outside the dates this service covers (1900-01-01 to 2200-12-31)",
    }
    assert message == expected[lang]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"error-400-date-range-{lang}-{width}")
    page.close()
