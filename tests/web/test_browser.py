"""A real headless Chromium (Debian's, driven by Playwright with
executable_path; no downloaded browser) on a real server on loopback: visible
text in both languages, a filter, and screenshots saved to test-artifacts/."""

from __future__ import annotations

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
