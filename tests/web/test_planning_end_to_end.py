"""Issue #14's "done when", in a real browser (Debian's Chromium through
Playwright) on a fresh installation: an admin made by the command line signs
in and creates an editor and a reporter; the editor assigns the 70th
anniversary of Điện Biên Phủ (2024) to the reporter with an angle and a due
date; the planning view, the entry page, the agenda's .xlsx and the next
digest show it, the reporter gets the assignment mail, the history says who
did what, and a second browser saving an older version gets the conflict
page with both versions."""

from __future__ import annotations

import datetime as dt
import email
import io
import os
import subprocess
import sys
from email.policy import default

import openpyxl
from paths import REAL_REGISTRY, ROOT

from calendar_service.config import load_settings
from calendar_service.jobs import send_alerts, send_digest
from calendar_service.web import create_app

from .browsing import serving, shot

TODAY = dt.date(2024, 3, 1)
ADMIN_PASSWORD = "quan tri vien 2024"
EDITOR_PASSWORD = "bien tap vien 2024"
ANGLE = "Những người lính Điện Biên 70 năm sau"


def installation(tmp_path) -> dict[str, str]:
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n  - email: bbt@example.org\n    name: Ban Biên tập\n", encoding="utf-8"
    )
    return {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'calendar.sqlite3'}",
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
    }


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/login" not in page.url, page.inner_text("main")


def create_account(page, url: str, username: str, name: str, address: str, role: str, password: str):
    page.goto(f"{url}/admin?lang=en")
    form = page.locator("form[action^='/admin/users']").filter(has=page.locator("input[name=username]"))
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=display_name]").fill(name)
    form.locator("input[name=email]").fill(address)
    form.locator("select[name=role]").select_option(role)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert username in page.inner_text("main")


def messages(folder) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=default)  # type: ignore[misc]
        for path in sorted(folder.rglob("*.eml"))
    ]


def test_a_newsroom_plans_the_70th_dien_bien_phu_from_a_fresh_installation(browser, tmp_path):
    env = installation(tmp_path)
    made = subprocess.run(
        [sys.executable, "-m", "calendar_service", "users", "add", "admin", "--role", "admin"]
        + ["--name", "Quản trị viên", "--password-stdin", "--lang", "en"],
        input=ADMIN_PASSWORD + "\n",
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    settings = load_settings(environ=env)
    app = create_app(settings)
    app.config["TODAY"] = TODAY
    with serving(app) as url:
        admin = browser.new_context(viewport={"width": 1280, "height": 900})
        page = admin.new_page()
        sign_in(page, url, "admin", ADMIN_PASSWORD)
        create_account(page, url, "bien.tap", "Lê Biên Tập", "bientap@example.org", "editor", EDITOR_PASSWORD)
        create_account(page, url, "lan.nguyen", "Nguyễn Lan", "lan@example.org", "viewer", "phong vien 2024")
        shot(page, "e2e-admin-accounts-en-1280")
        admin.close()

        editor = browser.new_context(viewport={"width": 390, "height": 844})
        page = editor.new_page()
        sign_in(page, url, "bien.tap", EDITOR_PASSWORD)
        page.goto(f"{url}/entries/dien-bien-phu?lang=en")
        page.click("#plan-2024 details.coverage-new summary")
        form = page.locator("#plan-2024 details.coverage-new form")
        form.locator("input[name=desk]").fill("Thời sự")
        form.locator("select[name=assignees]").select_option("lan.nguyen")
        form.locator("select[name=format]").select_option("series")
        form.locator("select[name=status]").select_option("assigned")
        form.locator("input[name=due]").fill("2024-04-30")
        form.locator("textarea[name=angle]").fill(ANGLE)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        card = page.locator("#plan-2024 li.coverage-card").first
        text = card.inner_text()
        assert ANGLE in text and "Nguyễn Lan" in text and "Thời sự" in text and "assigned" in text
        assert "Lê Biên Tập" in text or "bien.tap" in text, text
        shot(page, "e2e-entry-coverage-en-390")
        coverage_id = card.get_attribute("id").removeprefix("coverage-")

        # The planning view: a badge with the status and the reporter on the anniversary.
        page.goto(f"{url}/?from=2024-05-01&lang=en")
        row = page.locator("li, tr").filter(has_text="Điện Biên Phủ").filter(has_text="Nguyễn Lan").first
        assert "assigned" in row.inner_text()
        shot(page, "e2e-planning-en-390")

        # The agenda of that week, as the meeting's spreadsheet.
        response = editor.request.get(f"{url}/agenda.xlsx?from=2024-05-06&to=2024-05-12&lang=en")
        assert response.status == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.body())).active
        header = [cell.value for cell in sheet[1]]
        assert header[0] == "Title"
        rows = [dict(zip(header, (c.value for c in row), strict=False)) for row in sheet.iter_rows(min_row=2)]
        [planned] = [r for r in rows if "Điện Biên Phủ" in str(r["Title"]) and r["Assignees"]]
        assert planned["Assignees"] == "Nguyễn Lan" and planned["Angle"] == ANGLE
        assert planned["Status"] == "assigned" and planned["Desk"] == "Thời sự"
        assert planned["Due"].date() == dt.date(2024, 4, 30) and planned["Date"].date() == dt.date(2024, 5, 7)

        # A second browser opens the coverage before the first one saves it again.
        other = browser.new_context(viewport={"width": 1280, "height": 900})
        late = other.new_page()
        sign_in(late, url, "admin", ADMIN_PASSWORD)  # another person
        late.goto(f"{url}/entries/dien-bien-phu?lang=en")
        page.goto(f"{url}/entries/dien-bien-phu?lang=en")
        page.click(f"#coverage-{coverage_id} details.coverage-edit summary")
        page.locator(f"#coverage-{coverage_id} form select[name=status]").select_option("in_progress")
        with page.expect_navigation():
            page.locator(f"#coverage-{coverage_id} form button[type=submit]").click()
        late.click(f"#coverage-{coverage_id} details.coverage-edit summary")
        late.locator(f"#coverage-{coverage_id} form textarea[name=angle]").fill("Hầm Đờ Cát hôm nay")
        with late.expect_navigation() as navigation:
            late.locator(f"#coverage-{coverage_id} form button[type=submit]").click()
        assert navigation.value.status == 409
        conflict = late.inner_text("main")
        assert "Someone else saved this coverage since you opened it" in conflict
        assert "Hầm Đờ Cát hôm nay" in conflict and ANGLE in conflict and "in progress" in conflict
        shot(late, "e2e-conflict-en-1280")
        other.close()

        # The history: who did what.
        page.goto(f"{url}/coverages/{coverage_id}/history?lang=en")
        history = page.inner_text("main")
        assert "bien.tap" in history or "Lê Biên Tập" in history
        assert "in progress" in history and ANGLE in history
        shot(page, "e2e-history-en-390")
        editor.close()

    # The next alerts run mails the reporter once; the next digest shows the plan.
    now = dt.datetime(2024, 3, 1, 0, 5, tzinfo=dt.UTC)
    send_alerts(settings, TODAY, now)
    send_alerts(settings, TODAY, now)
    assigned = [m for m in messages(tmp_path / "outbox") if m["To"] and "lan@example.org" in m["To"]]
    assert len(assigned) == 1, [m["Subject"] for m in assigned]
    body = assigned[0].get_body(("plain",)).get_content()
    assert "Điện Biên Phủ" in body and ANGLE in body
    before = {m["Message-ID"] for m in messages(tmp_path / "outbox")}
    monday = dt.date(2024, 4, 29)
    send_digest(settings, monday, dt.datetime(2024, 4, 29, 0, 5, tzinfo=dt.UTC))
    [digest] = [m for m in messages(tmp_path / "outbox") if m["Message-ID"] not in before]
    assert "bbt@example.org" in digest["To"]
    text = digest.get_body(("plain",)).get_content().replace("\r\n", "\n").splitlines()
    at = next(i for i, line in enumerate(text) if "70 năm Chiến thắng Điện Biên Phủ" in line)
    assert "Nguyễn Lan" in text[at + 1] and "Thời sự" in text[at + 1] and ANGLE in text[at + 1], text[
        at : at + 3
    ]
