"""The entry page as a reader reads it: the anniversary its documents are
about, the next năm tròn and năm chẵn, headings that start a sentence, and
every text in the page's language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.dates.titles import capitalised
from calendar_service.web import create_app

from .test_pages import text


@pytest.fixture
def later(published_feeds):
    """The service two years on: its feeds' window starts in 2025."""
    app = create_app(
        load_settings(environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds})
    )
    app.config["TODAY"] = dt.date(2026, 6, 1)
    return app.test_client()


def section(page: str, heading: str, following: str) -> str:
    start = page.index(heading) + len(heading)
    return page[start : page.index(following, start)]


def test_entry_page_shows_the_anniversary_its_documents_are_about_outside_the_feed_window(later):
    """The page listed only the feeds' window, so from 2025 on Điện Biên Phủ's
    page no longer showed the 70th anniversary of 2024 that its documents cite."""
    page = text(later.get("/entries/dien-bien-phu?lang=en"))
    cited = section(page, "The anniversary the documents are about", "Next năm tròn and năm chẵn")
    assert "7 May 2024" in cited and "major anniversary (năm tròn)" in cited
    assert "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)" in cited
    assert "Named in 164-HD/BTGTU; 94-HD/BTGTU" in cited
    assert re.search(r"7 May 2024 (\d|,)+ days ago", cited)
    vietnamese = text(later.get("/entries/dien-bien-phu?lang=vi"))
    assert "Dịp kỷ niệm mà các văn bản đề cập 7/5/2024" in vietnamese
    assert "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)" in vietnamese
    assert "Được nêu trong 164-HD/BTGTU; 94-HD/BTGTU" in vietnamese


def test_entry_page_shows_the_next_nam_tron_and_nam_chan_beyond_the_window(later):
    """The next năm tròn of Điện Biên Phủ (the 80th, 2034) is past the feeds'
    window (to 2031): the page did not say when it comes."""
    page = text(later.get("/entries/dien-bien-phu?lang=en"))
    upcoming = section(
        page, "Next năm tròn and năm chẵn", "Anniversaries from 1 January 2025 to 31 December 2031"
    )
    assert (
        "7 May 2029 in 1,071 days half-decade anniversary (năm chẵn) 75th anniversary of the Điện Biên Phủ Victory"
        in upcoming
    )
    assert (
        "7 May 2034 in 2,897 days major anniversary (năm tròn) 80th anniversary of the Điện Biên Phủ Victory"
        in upcoming
    )
    assert upcoming.index("7 May 2029") < upcoming.index("7 May 2034")
    vietnamese = text(later.get("/entries/dien-bien-phu?lang=vi"))
    assert "7/5/2034 còn 2.897 ngày năm tròn Kỷ niệm 80 năm Chiến thắng Điện Biên Phủ" in vietnamese


def test_entry_page_for_a_date_known_only_to_the_year(later):
    page = text(later.get("/entries/quan-he-ngoai-giao-sudan?lang=en"))
    cited = section(page, "The anniversary the documents are about", "Next năm tròn and năm chẵn")
    assert cited.strip() == (
        "date to verify half-decade anniversary (năm chẵn) 55th anniversary of the establishment of "
        "diplomatic relations between Việt Nam and Sudan (1969 – 2024) Named in 164-HD/BTGTU"
    )
    upcoming = section(page, "Next năm tròn and năm chẵn", "Anniversaries from")
    assert (
        "60th anniversary of the establishment of diplomatic relations between Việt Nam and Sudan (1969 – 2029)"
        in upcoming
    )
    assert "65th anniversary" in upcoming


def test_english_headings_start_with_a_capital_letter(client):
    """English entry pages were headed "the establishment of diplomatic relations …"."""
    english = client.get("/entries/quan-he-ngoai-giao-sweden?lang=en").data.decode()
    assert "<h1>The establishment of diplomatic relations between Việt Nam and Sweden</h1>" in english
    assert "<title>The establishment of diplomatic relations between Việt Nam and Sweden</title>" in english
    vietnamese = client.get("/entries/dien-bien-phu?lang=vi").data.decode()
    assert '<p class="other-language" lang="en">The Điện Biên Phủ Victory</p>' in vietnamese


def test_capitalised_changes_only_the_first_letter():
    assert capitalised("the Điện Biên Phủ Victory") == "The Điện Biên Phủ Victory"
    assert capitalised("đường Trường Sơn") == "Đường Trường Sơn"
    assert capitalised("70th anniversary of the X") == "70th anniversary of the X"
    assert capitalised("") == ""


def test_document_date_note_is_in_the_language_of_the_page(client):
    """94-HD/BTGTU's date note ("Not printed; early 2024 …") was English on Vietnamese pages."""
    vietnamese = text(client.get("/entries/dien-bien-phu?lang=vi"))
    assert (
        "94-HD/BTGTU — Ban Tuyên giáo Tỉnh ủy Quảng Ngãi Văn bản không ghi ngày; ban hành đầu năm 2024 "
        "(văn bản dẫn Kế hoạch 254-KH/TU ngày 19/01/2024)."
    ) in vietnamese
    assert "Not printed" not in vietnamese
    english = text(client.get("/entries/dien-bien-phu?lang=en"))
    assert "Not printed; early 2024 (it cites Kế hoạch 254-KH/TU of 19/01/2024)." in english
