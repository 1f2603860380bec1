"""The planning meeting's agenda: the period's anniversaries by week with their
coverages, as the page, the .xlsx and CSV exports and the printed pages show
them; a wrong period is a 400 naming the parameter."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

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
    page_text,
    print_to_pdf,
    save_pages,
    words,
)

NOW = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
PERIOD = "from=2024-04-29&to=2024-05-19"  # weeks 18 to 20: Điện Biên Phủ on Tuesday 7 May


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


@pytest.fixture
def planned_app(settings, published_feeds, tmp_path):
    app = create_app(
        settings(feeds_dir=published_feeds, database_url=f"sqlite:///{tmp_path / 'plans.sqlite3'}")
    )
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    with app.app_context():
        from calendar_service.web.auth import stores

        _plan(stores().accounts.engine)
    return app


@pytest.fixture
def planned(planned_app):
    return planned_app.test_client()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_agenda_lists_the_weeks_with_lunar_dates_and_coverages(planned):
    page = planned.get(f"/agenda?{PERIOD}&lang=en")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Meeting agenda: 29 April 2024 – 19 May 2024" in text
    assert "Week 18: 29 April 2024 – 5 May 2024" in text and "Week 20: 13 May 2024 – 19 May 2024" in text
    print(text)
