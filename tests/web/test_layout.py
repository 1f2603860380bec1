"""Every page as a person sees it: rendered by a real Chromium at a phone's
width (390 px) and a laptop's (1280 px), in Vietnamese and English, on screen
and in print. The page fails when two pieces of text overlap, when anything is
wider than the viewport, when text runs out of its box, or when text is cut
off (tests/web/layout.js says exactly how each is measured). Full-page
screenshots go to test-artifacts/layout-<page>-<lang>-<width>.png: look at
them after changing a page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.web import create_app

from .browsing import serving, shot

LAYOUT_JS = (Path(__file__).parent / "layout.js").read_text(encoding="utf-8")
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800)}

# name: (path, HTTP status, print media)
PAGES = {
    "planning-weeks": ("/?from=2024-04-01", 200, False),
    "planning-month": ("/?from=2024-05-01&view=month", 200, False),
    "planning-month-december": ("/?from=2024-12-01&view=month", 200, False),
    "planning-year": ("/?from=2024-01-01&view=year", 200, False),
    "entry-dien-bien-phu": ("/entries/dien-bien-phu", 200, False),
    "entry-diplomatic-sweden": ("/entries/quan-he-ngoai-giao-sweden", 200, False),
    "subscribe": ("/subscribe", 200, False),
    "print-weeks": ("/?from=2024-04-01", 200, True),
    "print-month": ("/?from=2024-05-01&view=month", 200, True),
    "print-year": ("/?from=2024-01-01&view=year", 200, True),
    "print-entry": ("/entries/dien-bien-phu", 200, True),
    "agenda": ("/agenda?from=2024-04-15&to=2024-05-12", 200, False),
    "print-agenda": ("/agenda?from=2024-04-15&to=2024-05-12", 200, True),
    "error-404": ("/entries/no-such-entry", 404, False),
    "error-400": ("/?from=2024-02-31", 400, False),
}
# Pages known to fail, with the reason; strict, so a fix shows up as XPASS.
KNOWN: dict[tuple[str, str], str] = {}  # (page, device) -> why it is known to fail


@pytest.fixture(scope="module")
def site(published_feeds):
    app = create_app(
        load_settings(environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds})
    )
    app.config["TODAY"] = dt.date(2024, 3, 1)
    with serving(app) as url:
        yield url


def look(browser, url: str, width: int, height: int, media: str, status: int, name: str) -> list[str]:
    """Open the page, measure what a reader would see as broken, keep a screenshot."""
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.emulate_media(media=media)
        response = page.goto(url)
        assert response is not None and response.status == status, (
            f"{url}: HTTP {response and response.status}"
        )
        # As tall as the page, so that every piece of text can be hit-tested.
        full = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": max(height, min(full, 16000))})
        problems = page.evaluate(LAYOUT_JS)
        page.set_viewport_size({"width": width, "height": height})
        shot(page, name)
        return problems
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_layout(request, browser, site, name, device, lang):
    if (name, device) in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name, device], strict=True))
    path, status, printed = PAGES[name]
    width, height = WIDTHS[device]
    separator = "&" if "?" in path else "?"
    url = f"{site}{path}{separator}lang={lang}"
    problems = look(
        browser, url, width, height, "print" if printed else "screen", status, f"layout-{name}-{lang}-{width}"
    )
    assert problems == [], f"{url} at {width}px:\n  " + "\n  ".join(problems)
