"""The HTML part of alerts and digests, and the unsubscribe page their links
open, rendered by a real headless Chromium (Debian's, through Playwright) at a
phone's 390 px and a laptop's 1280 px, in Vietnamese and English: nothing wider
than the screen, no text over other text, none cut off; screenshots go to
test-artifacts/ to be looked at."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from paths import ARTIFACTS, PUBLISHED_ON
from werkzeug.serving import make_server

from .conftest import SECRET
from .layout import layout_problems

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800)}
MESSAGES = {
    ("alert", "vi"): ("alert-30", "editor@", "Điện Biên Phủ"),
    ("alert", "en"): ("alert-late", "desk@", "Brazil"),
    ("digest", "vi"): ("digest", "editor@", "tuần"),
    ("digest", "en"): ("digest", "desk@", "weeks"),
}


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = "Debian chromium is not installed: run ./scripts/test, which installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def look(browser, name: str, width: str, html: str | None = None, url: str | None = None):
    """Render, save a screenshot, and return the page and what looks wrong on it."""
    w, h = WIDTHS[width]
    # The phone as a phone: a page without a viewport meta is then laid out 980 px wide.
    page = browser.new_page(viewport={"width": w, "height": h}, is_mobile=width == "phone", has_touch=True)
    if html is not None:
        page.set_content(html, wait_until="load")
    else:
        page.goto(url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{w}.png"), full_page=True)
    return page, layout_problems(page)


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize(("kind", "lang"), sorted(MESSAGES))
def test_the_html_part_fits_and_reads_right(browser, mails, kind, lang, width):
    """A mail without a viewport meta was drawn 980 px wide on phones, its
    sources as plain text, with no link to the entry page or the planning view."""
    run, to, subject = MESSAGES[(kind, lang)]
    message = mails.one(run, to, subject)
    html = message.get_body(("html",)).get_content()
    page, problems = look(browser, f"mail-{kind}-{lang}", width, html=html)
    assert problems == []
    assert page.evaluate("document.documentElement.clientWidth") == WIDTHS[width][0], (
        "laid out for the screen"
    )
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("meta[name=viewport]").count() == 1
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
    assert any("/unsubscribe/" in href for href in hrefs)
    body = page.locator("body").inner_text()
    if kind == "alert":
        assert any("/entries/" in href for href in hrefs) and any("/?from=" in href for href in hrefs)
        if lang == "en":
            assert (
                "Wednesday, 8 May 2024" in body and "Partnership: partner of strategic significance" in body
            )
            source = page.locator("a", has_text="35 năm ngày thiết lập quan hệ ngoại giao Việt Nam – Brazil")
            assert source.first.get_attribute("href") == (
                "https://nvsk.vnanet.vn/print/35-nam-ngay-thiet-lap-quan-he-ngoai-giao-viet-nam-brazil-8-5-1989-8-5-2024-145881.vna"
            )
        else:
            assert "Thứ Ba, 7/5/2024" in body and "Còn 30 ngày: Kỷ niệm 70 năm" in body
    else:
        assert sum("/entries/" in href for href in hrefs) >= 2
        words = {"vi": ("Thứ Tư, 8/5/2024", "Xa hơn"), "en": ("Wednesday, 8 May 2024", "Further ahead")}[lang]
        assert all(word in body for word in words)
    page.close()


@pytest.fixture
def server(settings, published_feeds, tmp_path):
    """The web service on loopback, with the key of the test messages."""
    from calendar_service.web import create_app

    app = create_app(
        settings(
            environ=SECRET, feeds_dir=published_feeds, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}"
        )
    )
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(5)


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_unsubscribe_page_asks_then_confirms(browser, mails, server, lang, width):
    """The link in the mail opens a page with a button; only the button unsubscribes."""
    run, to, subject = MESSAGES[("alert", lang)]
    link = mails.one(run, to, subject)["List-Unsubscribe"].split(",")[0].strip("<> ")
    url = server + link.split("127.0.0.1:8000", 1)[1]
    page, problems = look(browser, f"unsubscribe-{lang}", width, url=url)
    assert problems == []
    assert page.evaluate("document.documentElement.clientWidth") == WIDTHS[width][0]
    address = to + "example.org"
    question = {
        "vi": f"Ngừng gửi thư báo ngày kỷ niệm và bản tin hằng tuần tới {address}?",
        "en": f"Stop the anniversary alerts and the weekly digest for {address}?",
    }[lang]
    assert question in page.locator("main").inner_text()
    page.locator("form.unsubscribe button").click()
    page.wait_for_load_state()
    done = {
        "vi": f"{address} sẽ không nhận thư báo ngày kỷ niệm và bản tin hằng tuần nữa.",
        "en": f"{address} will receive no more anniversary alerts or weekly digests.",
    }[lang]
    assert done in page.locator("main").inner_text()
    w, _ = WIDTHS[width]
    page.screenshot(path=str(ARTIFACTS / f"unsubscribe-{lang}-done-{w}.png"), full_page=True)
    assert layout_problems(page) == []
    page.close()


def test_the_checker_sees_overflow_overlap_and_cut_text(browser):
    """The layout check itself: a page with each fault is reported, a plain one is not."""
    faulty = """<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1">
    <div style="width: 600px">a line wider than a phone</div>
    <p style="position: relative">first words<span style="position: absolute; left: 0; top: 0">second words</span></p>
    <p style="width: 80px; overflow: hidden; white-space: nowrap">a title cut off by its box</p>"""
    page, problems = look(browser, "layout-check-faulty", "phone", html=faulty)
    assert any(p.startswith("page is ") for p in problems)
    assert any(p.startswith("overlapping text") for p in problems)
    assert any(p.startswith("text cut off") for p in problems)
    page.close()
    page, problems = look(browser, "layout-check-plain", "phone", html="<!doctype html><p>plain words</p>")
    assert problems == []
    page.close()
