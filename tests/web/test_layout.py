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
from sqlalchemy import insert

from calendar_service.config import load_settings
from calendar_service.db.schema import alerts
from calendar_service.planning.accounts import Role, TokenKind
from calendar_service.web import create_app
from calendar_service.web.auth import stores

from .browsing import serving, shot

LAYOUT_JS = (Path(__file__).parent / "layout.js").read_text(encoding="utf-8")
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800)}

# name: (path, HTTP status, print media)
PAGES = {
    "planning-weeks": ("/?from=2024-04-01", 200, False),
    # Two years: three pages, the middle one with both steps, the numbers and "showing x–y of z".
    "planning-weeks-paged": ("/?from=2024-01-01&weeks=104&page=2", 200, False),
    "planning-month": ("/?from=2024-05-01&view=month", 200, False),
    "planning-month-december": ("/?from=2024-12-01&view=month", 200, False),
    "planning-year": ("/?from=2024-01-01&view=year", 200, False),
    "entry-dien-bien-phu": ("/entries/dien-bien-phu", 200, False),
    "entry-diplomatic-sweden": ("/entries/quan-he-ngoai-giao-sweden", 200, False),
    "subscribe": ("/subscribe", 200, False),
    "print-weeks": ("/?from=2024-04-01", 200, True),
    "print-weeks-paged": ("/?from=2024-01-01&weeks=104&page=2", 200, True),
    "print-month": ("/?from=2024-05-01&view=month", 200, True),
    "print-year": ("/?from=2024-01-01&view=year", 200, True),
    "print-entry": ("/entries/dien-bien-phu", 200, True),
    "agenda": ("/agenda?from=2024-04-15&to=2024-05-12", 200, False),
    "print-agenda": ("/agenda?from=2024-04-15&to=2024-05-12", 200, True),
    "error-404": ("/entries/no-such-entry", 404, False),
    "error-400": ("/?from=2024-02-31", 400, False),
    "login": ("/login", 200, False),
    "account": ("/account", 200, False),
    "admin": ("/admin", 200, False),
}
# Pages seen signed in: page -> the account (made by the site fixture) whose
# session cookie the browser carries.
AS_USER = {"account": "admin", "admin": "admin"}
# Pages an editor sees (signed in, every <details> opened so that the forms
# are measured too): name: (path, HTTP status). The coverage of Điện Biên Phủ
# 2024 is number 1 (fixture site); "coverage-conflict" saves a stale version of
# it from the history page's form.
EDITOR_PAGES = {
    "entry-coverage-forms": ("/entries/dien-bien-phu", 200),
    "planning-weeks-editor": ("/?from=2024-04-01&mine=1", 200),
    "coverage-history": ("/coverages/1/history", 200),
    "coverage-history-orphaned": ("/coverages/3/history", 200),
    "coverage-conflict": ("/coverages/1/history", 409),
}
# Pages known to fail, with the reason; strict, so a fix shows up as XPASS.
KNOWN: dict[tuple[str, str], str] = {}  # (page, device) -> why it is known to fail


@pytest.fixture(scope="module")
def planned(published_feeds, tmp_path_factory):
    """The app, with coverages (long names, several on one anniversary, one
    whose entry left the registry) so that badges, cards and forms are measured."""
    database = f"sqlite:///{tmp_path_factory.mktemp('layout') / 'calendar.sqlite3'}"
    app = create_app(
        load_settings(
            environ={},
            overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds, "database_url": database},
        )
    )
    app.config["TODAY"] = dt.date(2024, 3, 1)
    now = dt.datetime(2024, 3, 1, 2, 0, tzinfo=dt.UTC)
    with app.app_context():
        accounts, coverages = stores().accounts, stores().coverages
        accounts.add("thao", "correct horse battery", Role.EDITOR, now, display_name="Nguyễn Thị Phương Thảo")
        accounts.add("minh", "correct horse battery", Role.VIEWER, now, display_name="Trần Quang Minh")
        first = {"desk": "Ban Thời sự – Chính trị", "assignees": ["minh", "thao"], "format": "series"}
        first |= {"angle": "Những người lính Điện Biên 70 năm sau: ký ức và hiện tại", "due": "2024-04-07"}
        first |= {"notes": "Hai bài phỏng vấn.\nMột bài ảnh tư liệu."}
        done = coverages.create("dien-bien-phu", 2024, first, "thao", now)
        coverages.update(done.id, 1, {"status": "in_progress", "due": "2024-04-10"}, "thao", now)
        coverages.create("dien-bien-phu", 2024, {"desk": "Ảnh", "format": "photo"}, "thao", now)
        coverages.create("removed-entry", 2024, {"angle": "Kế hoạch cũ", "assignees": ["minh"]}, "thao", now)
    return app, accounts.get("thao").id


@pytest.fixture(scope="module")
def site(planned):
    app = planned[0]
    cookies = signed_in(app)
    with serving(app) as url:
        yield url, cookies


def editor_cookie(app, user_id: int) -> dict:
    """The session cookie of a signed-in account, as the sign-in form sets it."""
    with app.test_request_context():
        app.preprocess_request()  # reads the session key
        value = app.session_interface.get_signing_serializer(app).dumps({"uid": user_id, "_permanent": True})
    return {"name": "calendar_session", "value": value, "domain": "127.0.0.1", "path": "/"}


def signed_in(app) -> dict[str, str]:
    """Accounts, tokens and ledger rows for the account pages to show, and a
    session cookie for each account in AS_USER (signed in through /login)."""
    from .people import NOW, add_user, sign_in

    add_user(app, "admin", Role.ADMIN, display_name="Phạm Quốc Hùng", email="hung.pham@example.org")
    add_user(app, "tuan.tran", Role.EDITOR, display_name="Trần Minh Tuấn", email="tuan.tran@example.org")
    reader = add_user(app, "bandoc", Role.VIEWER, display_name="Ban Đọc")
    with app.app_context():
        from calendar_service.web.auth import stores

        accounts = stores().accounts
        admin = accounts.get("admin")
        accounts.issue_token(admin, TokenKind.API, NOW, label="Bảng kế hoạch của ban Thời sự")
        accounts.issue_token(admin, TokenKind.FEED, NOW, label="Lịch điện thoại")
        accounts.change(reader.username, NOW, active=False)
        with accounts.engine.begin() as connection:
            connection.execute(
                insert(alerts).values(
                    kind="alert",
                    subscriber="phong.vien.thoi.su@example.org",
                    occurrence="dien-bien-phu-2024",
                    lead_days=30,
                    due=dt.date(2024, 4, 7),
                    state="failed",
                    late=False,
                    attempts=2,
                    last_error="421 4.7.0 mail.example.org: too many connections from your address, try later",
                    next_attempt_at=NOW,
                    updated_at=NOW,
                )
            )
    cookies = {}
    for username in set(AS_USER.values()):
        client = app.test_client()
        assert sign_in(client, username).status_code == 303
        cookie = client.get_cookie("calendar_session")
        assert cookie is not None
        cookies[username] = cookie.value
    return cookies


def look(
    browser, url: str, width: int, height: int, media: str, status: int, name: str, session: str | None = None
) -> list[str]:
    """Open the page, measure what a reader would see as broken, keep a
    screenshot. ``session``: a session cookie to carry (a signed-in page)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    if session is not None:
        context.add_cookies([{"name": "calendar_session", "value": session, "url": url}])
    page = context.new_page()
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
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_layout(request, browser, site, name, device, lang):
    if (name, device) in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name, device], strict=True))
    path, status, printed = PAGES[name]
    width, height = WIDTHS[device]
    separator = "&" if "?" in path else "?"
    base, cookies = site
    url = f"{base}{path}{separator}lang={lang}"
    session = cookies[AS_USER[name]] if name in AS_USER else None
    problems = look(
        browser,
        url,
        width,
        height,
        "print" if printed else "screen",
        status,
        f"layout-{name}-{lang}-{width}",
        session,
    )
    assert problems == [], f"{url} at {width}px:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("name", list(EDITOR_PAGES))
def test_editor_page_layout(browser, planned, site, name, device, lang):
    app, user_id = planned
    path, status = EDITOR_PAGES[name]
    width, height = WIDTHS[device]
    separator = "&" if "?" in path else "?"
    url = f"{site[0]}{path}{separator}lang={lang}"
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([editor_cookie(app, user_id)])
    page = context.new_page()
    try:
        response = page.goto(url)
        if name == "coverage-conflict":
            assert response is not None and response.status == 200
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            page.fill("form.coverage-form textarea[name=angle]", "Hầm Đờ Cát hôm nay: một góc nhìn khác")
            page.evaluate("document.querySelector('form.coverage-form input[name=version]').value = '1'")
            with page.expect_navigation() as navigation:
                page.click("form.coverage-form button[type=submit]")
            response = navigation.value
        assert response is not None and response.status == status, (
            f"{url}: HTTP {response and response.status}"
        )
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        full = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": max(height, min(full, 16000))})
        problems = page.evaluate(LAYOUT_JS)
        page.set_viewport_size({"width": width, "height": height})
        shot(page, f"layout-{name}-{lang}-{width}")
    finally:
        context.close()
    assert problems == [], f"{url} at {width}px:\n  " + "\n  ".join(problems)
