"""Assignees hear of their coverage by mail: one message when assigned, one
reminder two days before the due date, each once however often the alerts
run (the ledger's claim-send-record), sent through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from calendar_service import jobs
from calendar_service.alerts.ledger import Ledger
from calendar_service.planning.accounts import Accounts, Role
from calendar_service.planning.coverage import CoverageStore

NOW = dt.datetime(2024, 4, 10, 1, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def newsroom(settings, smtp, tmp_path):
    """A database with three reporters (one without an address), a subscribers
    file that gives Minh English, and settings that send through ``smtp``."""
    url = f"sqlite:///{tmp_path / 'newsroom.sqlite3'}"
    ledger = Ledger(url)
    accounts = Accounts(ledger.engine)
    accounts.add("lan", PASSWORD, Role.EDITOR, NOW, display_name="Nguyễn Lan", email="lan@toasoan.example")
    accounts.add("minh", PASSWORD, Role.EDITOR, NOW, display_name="Trần Minh", email="minh@toasoan.example")
    accounts.add("bao", PASSWORD, Role.EDITOR, NOW, display_name="Lê Bảo")
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        "subscribers:\n  - email: minh@toasoan.example\n    language: en\n    categories: [people]\n",
        encoding="utf-8",
    )
    config = settings(
        environ=smtp.env(CALENDAR_DATABASE_URL=url, CALENDAR_SUBSCRIBERS=str(subscribers)),
        smtp_retries=1,
    )
    yield config, CoverageStore(ledger.engine), ledger
    ledger.dispose()


def planned(store: CoverageStore, **values) -> int:
    fields = {
        "assignees": ["lan", "minh", "bao"],
        "desk": "Thời sự",
        "format": "series",
        "angle": "Những người lính cuối cùng",
        "due": "2024-05-03",
        **values,
    }
    return store.create("dien-bien-phu", 2024, fields, "editor", NOW).id


def coverage_mail(smtp, kind: str) -> list:
    return [m for m in smtp.messages if m["Message-ID"].startswith(f"<{kind}.")]


def run(config, day: dt.date) -> jobs.MailRun:
    now = dt.datetime.combine(day, dt.time(1, 0), dt.UTC)
    return jobs.send_alerts(config, day, now)


def test_an_assignee_gets_one_mail_and_one_reminder(newsroom, smtp, caplog):
    config, store, ledger = newsroom
    coverage = planned(store)
    with caplog.at_level(logging.WARNING, logger="calendar_service.alerts"):
        first = run(config, dt.date(2024, 4, 10))
    assert first.report.no_address == ["bao"]
    assert "assignment mail to bao skipped: the account has no email address" in caplog.text
    run(config, dt.date(2024, 4, 10))  # the scheduler runs again: nothing new
    run(config, dt.date(2024, 4, 11))
    mails = coverage_mail(smtp, "assignment")
    assert sorted(m["To"] for m in mails) == [
        "Nguyễn Lan <lan@toasoan.example>",
        "Trần Minh <minh@toasoan.example>",
    ], "once each, whatever the number of runs"
    lan = next(m for m in mails if "lan@" in m["To"])
    assert lan["Subject"] == "Bạn được giao: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"
    assert lan["Content-Language"] == "vi" and lan["Auto-Submitted"] == "auto-generated"
    assert lan["List-Unsubscribe"] is None, "a work message, not a subscription"
    text = lan.get_body(("plain",)).get_content()
    lines = text.splitlines()
    assert lines[0] == "Kính gửi Nguyễn Lan,"
    assert "Bạn được giao đưa tin: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)" in lines
    for line in (
        "Ngày kỷ niệm: Thứ Ba, 7/5/2024",
        "Trạng thái: đã giao",
        "Ban: Thời sự",
        "Hình thức: loạt bài",
        "Góc tiếp cận: Những người lính cuối cùng",
        "Hạn: Thứ Sáu, 3/5/2024",
        "Cùng với: Trần Minh, Lê Bảo",
        "Thư nhắc việc sẽ được gửi vào 1/5/2024, 2 ngày trước hạn.",
        "Chi tiết và kế hoạch đưa tin: http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi",
    ):
        assert line in lines, line
    html = lan.get_body(("html",)).get_content()
    assert 'href="http://127.0.0.1:8000/entries/dien-bien-phu?lang=vi"' in html and "Hủy đăng ký" not in html
    minh = next(m for m in mails if "minh@" in m["To"])
    assert minh["Subject"] == "You are assigned: 70th anniversary of the Điện Biên Phủ Victory (7 May 2024)"
    english = minh.get_body(("plain",)).get_content()
    assert (
        "Anniversary date: Tuesday, 7 May 2024" in english
        and "Due: Friday, 3 May 2024" in english
        and "With: Nguyễn Lan, Lê Bảo" in english
    )
    assert "A reminder follows on 1 May 2024, 2 days before the due date." in english
    assert coverage_mail(smtp, "reminder") == [], "not before 1 May"

    run(config, dt.date(2024, 5, 1))
    run(config, dt.date(2024, 5, 1))
    run(config, dt.date(2024, 5, 2))
    reminders = coverage_mail(smtp, "reminder")
    assert len(reminders) == 2, "one reminder each"
    lan_reminder = next(m for m in reminders if "lan@" in m["To"])
    assert (
        lan_reminder["Subject"] == "Còn 2 ngày đến hạn: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"
    )
    assert (
        "Nhắc việc: kế hoạch đưa tin Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024) của bạn "
        "đến hạn vào Thứ Sáu, 3/5/2024."
    ) in lan_reminder.get_body(("plain",)).get_content()
    rows = {(r["kind"], r["subscriber"], r["occurrence"], r["lead_days"], r["state"]) for r in ledger.rows()}
    for user in ("lan", "minh"):
        assert ("assignment", user, f"coverage:{coverage}", 0, "sent") in rows
        assert ("reminder", user, f"coverage:{coverage}", 2, "sent") in rows


def test_dropped_and_published_coverages_get_no_reminder(newsroom, smtp):
    config, store, _ledger = newsroom
    dropped = planned(store, assignees=["lan"])
    published = planned(store, assignees=["minh"])
    run(config, dt.date(2024, 4, 10))
    assert len(coverage_mail(smtp, "assignment")) == 2
    store.update(dropped, 1, {"status": "dropped"}, "editor", NOW)
    store.update(
        published, 1, {"status": "published", "published_url": "https://example.org/a"}, "editor", NOW
    )
    run(config, dt.date(2024, 5, 2))
    assert coverage_mail(smtp, "reminder") == []


def test_assigned_within_two_days_of_the_due_date_gets_the_assignment_only(newsroom, smtp):
    config, store, ledger = newsroom
    coverage = planned(store, assignees=["lan"], due="2024-05-03")
    run(config, dt.date(2024, 5, 2))
    run(config, dt.date(2024, 5, 3))
    assert len(coverage_mail(smtp, "assignment")) == 1 and coverage_mail(smtp, "reminder") == []
    states = {(r["kind"], r["state"]) for r in ledger.rows() if r["occurrence"] == f"coverage:{coverage}"}
    assert states == {("assignment", "sent"), ("reminder", "superseded")}


def test_a_dry_run_sends_and_records_nothing(newsroom, smtp):
    config, store, ledger = newsroom
    planned(store, assignees=["lan"])
    done = jobs.send_alerts(config, dt.date(2024, 4, 10), NOW, dry_run=True)
    assert any(o.message_id.startswith("<assignment.") for o in done.report.planned)
    assert smtp.messages == [] and [r for r in ledger.rows() if r["kind"] == "assignment"] == []
