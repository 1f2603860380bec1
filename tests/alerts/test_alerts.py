"""Lead-time alerts: which are due, the ledger (SQLite and PostgreSQL), the mail
a real SMTP server receives, the outbox, retries, and the command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import re
import subprocess
import sys
from email.policy import default

import icalendar
import pytest
from paths import TESTS

from calendar_service.alerts.delivery import Outbox, Smtp
from calendar_service.alerts.ledger import FAILED, SENT, SUPERSEDED, Ledger
from calendar_service.alerts.run import due_alerts, run_alerts
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.cli import main
from calendar_service.model import MilestoneFilter

NOW = dt.datetime(2024, 4, 7, 0, 5, tzinfo=dt.UTC)
EVERYTHING = Subscriber(
    "editor@example.org", "Ban Biên tập", unsubscribe="https://example.org/unsubscribe?u=1"
)
ENGLISH = Subscriber(
    "desk@example.org",
    language="en",
    categories=frozenset({"diplomatic"}),
    milestones=MilestoneFilter.MILESTONES,
)


SENDERS = []


def smtp_sender(smtp_settings, **kwargs):
    sender = Smtp(smtp_settings, **kwargs)
    SENDERS.append(sender)
    return sender


@pytest.fixture(autouse=True)
def _close_senders():
    yield
    while SENDERS:
        SENDERS.pop().close()


def keyed(alerts):
    return {(a.occurrence.event.id, a.lead): a for a in alerts}


def test_dien_bien_phu_30_day_alert_is_due_on_7_april(real_registry):
    due = keyed(due_alerts(real_registry, [EVERYTHING], dt.date(2024, 4, 7)))
    alert = due[("dien-bien-phu", 30)]
    assert (alert.due, alert.overdue, alert.superseded) == (dt.date(2024, 4, 7), False, (90,))
    assert ("dien-bien-phu", 90) not in due


def test_a_missed_day_is_caught_up_late_until_the_anniversary(real_registry):
    due = keyed(due_alerts(real_registry, [EVERYTHING], dt.date(2024, 4, 9)))
    brazil = due[("quan-he-ngoai-giao-brazil", 30)]
    assert brazil.due == dt.date(2024, 4, 8) and brazil.overdue
    assert not keyed(due_alerts(real_registry, [EVERYTHING], dt.date(2024, 5, 9))).get(
        ("quan-he-ngoai-giao-brazil", 1)
    )
    on_the_day = keyed(due_alerts(real_registry, [EVERYTHING], dt.date(2024, 5, 8)))[
        ("quan-he-ngoai-giao-brazil", 1)
    ]
    assert on_the_day.overdue and on_the_day.due == dt.date(2024, 5, 7)


def test_interests_filter_due_alerts(real_registry):
    due = due_alerts(real_registry, [ENGLISH], dt.date(2024, 4, 7))
    assert {a.occurrence.event.category for a in due} == {"diplomatic"}
    assert all(a.occurrence.milestone for a in due)


@pytest.fixture
def run(real_registry, settings):
    """Runs the real registry's alerts with the test settings."""

    def run(ledger, transport, today, now=NOW, subscribers=(EVERYTHING,), config=None, **kwargs):
        return run_alerts(
            real_registry, list(subscribers), config or settings(), ledger, transport, today, now, **kwargs
        )

    return run


def test_each_alert_is_sent_once_and_recorded(run, database_url, smtp, settings):
    ledger = Ledger(database_url)
    sender = smtp_sender(settings(environ=smtp.env()), retries=1)
    first = run(ledger, sender, dt.date(2024, 4, 7))
    assert len(first.sent) == len(smtp.messages) >= 4
    subjects = [m["Subject"] for m in smtp.messages]
    assert "[Còn 30 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)" in subjects
    again = run(ledger, sender, dt.date(2024, 4, 7))
    assert again.sent == [] and again.skipped == len(first.sent) and len(smtp.messages) == len(first.sent)
    later = run(ledger, sender, dt.date(2024, 4, 9), NOW + dt.timedelta(days=2))
    new = [m["Subject"] for m in smtp.messages[len(first.sent) :]]
    assert (
        "[Còn 29 ngày · gửi muộn] Kỷ niệm 35 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Brazil (8/5/2024)"
        in new
    )
    assert later.late >= 1 and not any("Điện Biên Phủ" in s for s in new)
    rows = {(r["occurrence"], r["lead_days"]): r for r in ledger.rows()}
    assert rows[("dien-bien-phu-2024", 30)]["state"] == SENT
    assert rows[("dien-bien-phu-2024", 90)]["state"] == SUPERSEDED
    assert rows[("quan-he-ngoai-giao-brazil-2024", 30)]["late"] is True
    assert (
        rows[("dien-bien-phu-2024", 30)]["message_id"]
        == smtp.messages[subjects.index("[Còn 30 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)")][
            "Message-ID"
        ]
    )
    ledger.dispose()


def dbp_message(messages):
    (message,) = [m for m in messages if "Điện Biên Phủ" in m["Subject"]]
    return message


def test_the_mail_a_real_smtp_server_receives(run, tmp_path, smtp, settings):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    config = settings(environ=smtp.env())
    run(
        ledger,
        smtp_sender(config, retries=1),
        dt.date(2024, 4, 7),
        subscribers=(EVERYTHING, ENGLISH),
        config=config,
    )
    message = dbp_message([m for m in smtp.messages if m["To"].addresses[0].username == "editor"])
    assert message["From"] == "Lịch kỷ niệm <lich@toasoan.example>"
    assert message["To"] == "Ban Biên tập <editor@example.org>"
    assert re.fullmatch(
        r"<http://127\.0\.0\.1:8000/unsubscribe/[\w.-]+\?lang=vi>, <https://example\.org/unsubscribe\?u=1>",
        message["List-Unsubscribe"],
    ), "the signed one-click link, then the subscriber's own"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<alert\.[0-9a-f]{32}@toasoan\.example>", message["Message-ID"]), (
        "the sender's domain"
    )
    assert email.utils.parsedate_to_datetime(message["Date"]) == NOW
    assert message["Content-Language"] == "vi"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Kính gửi Ban Biên tập," in plain
    assert "Còn 30 ngày: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)" in plain
    assert ["Thứ Ba, 7/5/2024", "năm tròn · lịch sử"] == plain.splitlines()[3:5]
    assert "“Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024)”" in plain
    assert "Hủy đăng ký: http://127.0.0.1:8000/unsubscribe/" in plain
    assert "Cách hủy đăng ký khác: https://example.org/unsubscribe?u=1" in plain
    assert ">Còn 30 ngày: Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)</h1>" in html
    (attachment,) = list(message.iter_attachments())
    assert (
        attachment.get_content_type() == "text/calendar"
        and attachment.get_filename() == "dien-bien-phu-2024.ics"
    )
    assert attachment.get_param("charset") == "utf-8" and attachment.get_param("method") == "PUBLISH"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == dt.date(2024, 5, 7) and event.decoded("DTEND") == dt.date(2024, 5, 8)
    assert str(event["UID"]) == "dien-bien-phu-2024.vi@calendar.example.org"
    english = [m for m in smtp.messages if m["To"].addresses[0].username == "desk"]
    assert english and all(m["Content-Language"] == "en" for m in english)
    assert not any("Điện Biên Phủ" in m["Subject"] for m in english), "diplomatic only"
    assert "[30 days to go] 35th anniversary" not in " ".join(m["Subject"] for m in english)
    assert any(
        m["Subject"].startswith("[61 days to go] 30th anniversary of the establishment") for m in english
    )
    ledger.dispose()


def test_same_alert_has_the_same_message_id_everywhere(run, tmp_path):
    ids = []
    for name in ("a", "b"):
        ledger = Ledger(f"sqlite:///{tmp_path / name}.sqlite3")
        outbox = tmp_path / f"outbox-{name}"
        run(ledger, Outbox(outbox), dt.date(2024, 4, 7))
        ids.append(
            sorted(
                email.message_from_bytes(p.read_bytes(), policy=default)["Message-ID"]
                for p in outbox.glob("*.eml")
            )
        )
        ledger.dispose()
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0])


def test_outbox_without_smtp(run, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    report = run(ledger, Outbox(tmp_path / "outbox"), dt.date(2024, 4, 7))
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == len(report.sent) >= 4
    message = dbp_message([email.message_from_bytes(p.read_bytes(), policy=default) for p in files])
    assert message.get_body(("plain",)).get_content().startswith("Kính gửi Ban Biên tập,")
    ledger.dispose()


def test_refusing_server_then_recovery(run, database_url, smtp, settings):
    ledger = Ledger(database_url)
    sender = smtp_sender(settings(environ=smtp.env()), retries=2, backoff=0.01)
    smtp.recorder.refuse = 100
    failed = run(ledger, sender, dt.date(2024, 4, 7))
    assert failed.sent == [] and len(failed.failed) >= 4
    assert "451" in failed.failed[0]
    rows = [r for r in ledger.rows() if r["state"] == FAILED]
    assert len(rows) == len(failed.failed) and all(r["attempts"] == 1 for r in rows)
    assert all("Mailbox busy" in r["last_error"] for r in rows)
    smtp.recorder.refuse = 0
    too_soon = run(ledger, sender, dt.date(2024, 4, 7), NOW + dt.timedelta(minutes=1))
    assert too_soon.sent == [], "back-off: not retried a minute later"
    recovered = run(ledger, sender, dt.date(2024, 4, 7), NOW + dt.timedelta(minutes=11))
    assert len(recovered.sent) == len(failed.failed) == len(smtp.messages)
    assert all(r["state"] in (SENT, SUPERSEDED) for r in ledger.rows())
    ledger.dispose()


def test_dry_run_sends_and_records_nothing(run, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    report = run(ledger, Outbox(tmp_path / "outbox"), dt.date(2024, 4, 7), dry_run=True)
    assert len(report.planned) >= 4 and report.sent == []
    assert ledger.rows() == [] and not (tmp_path / "outbox").exists()
    ledger.dispose()


def test_cli_acceptance_with_a_real_smtp_server(runner, smtp, environment):
    env = environment(**smtp.env())
    first = runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env)
    assert first.exit_code == 0, first.output
    assert (
        "editor@example.org: [Còn 30 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"
        in first.output
    )
    count = len(smtp.messages)
    again = runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env)
    assert again.output.strip().splitlines()[-1] == f"Đã gửi 0 thư; {count} đã xử lý trước."
    assert len(smtp.messages) == count
    gap = runner.invoke(main, ["alerts", "--today", "2024-04-09", "--lang", "en"], env=env)
    assert (
        "[Còn 29 ngày · gửi muộn] Kỷ niệm 35 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Brazil (8/5/2024)"
        in gap.output
    )
    assert gap.output.strip().splitlines()[-1] == f"1 message sent (1 of them late); {count} already done."


def test_cli_dry_run_and_outbox(runner, tmp_path, environment):
    env = environment()
    dry = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--dry-run", "--lang", "en"], env=env)
    assert dry.exit_code == 0
    assert (
        "editor@example.org\t[Còn 30 ngày] Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)" in dry.output
    )
    assert "nothing was sent or recorded" in dry.output and not (tmp_path / "outbox").exists()
    sent = runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env)
    assert sent.exit_code == 0 and len(list((tmp_path / "outbox").glob("*.eml"))) >= 4


def test_cli_reports_delivery_failures_and_exits_1(runner, smtp, environment):
    smtp.recorder.refuse = 1000
    env = environment(**smtp.env(), CALENDAR_SMTP_RETRIES="1", CALENDAR_LANGUAGE="en")
    result = runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env)
    assert result.exit_code == 1
    assert "failed, will retry: editor@example.org: [Còn 30 ngày]" in result.output


def test_cli_bad_subscribers_file_is_one_line(runner, tmp_path, environment):
    (tmp_path / "subscribers.yaml").write_text("subscribers:\n  - email: nope\n", encoding="utf-8")
    result = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=environment())
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"{tmp_path / 'subscribers.yaml'}:2:12: field 'email': 'nope' is not an email address"
    )


@contextlib.contextmanager
def tls_server(mode, certificate, folder, *credentials):
    cert, key = certificate
    folder.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            str(TESTS / "smtp_tls_server.py"),
            mode,
            str(cert),
            str(key),
            str(folder),
            *credentials,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=TESTS,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("ready "), line
        yield int(line.split()[1])
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def received(folder):
    return [email.message_from_bytes(p.read_bytes(), policy=default) for p in folder.glob("*.eml")]


def test_starttls_with_authentication(run, tmp_path, certificate, settings):
    with tls_server("starttls", certificate, tmp_path / "mail", "user", "s3cret") as port:
        env = {
            "CALENDAR_SMTP_HOST": "127.0.0.1",
            "CALENDAR_MAIL_FROM": "lich@toasoan.example",
            "CALENDAR_SMTP_PORT": str(port),
            "CALENDAR_SMTP_SECURITY": "starttls",
            "CALENDAR_SMTP_USER": "user",
            "CALENDAR_SMTP_PASSWORD": "s3cret",
            "CALENDAR_SMTP_CA_FILE": str(certificate[0]),
        }
        ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
        report = run(ledger, smtp_sender(settings(environ=env), retries=1), dt.date(2024, 4, 7))
        assert report.failed == [] and len(received(tmp_path / "mail")) == len(report.sent) >= 4
        assert "Điện Biên Phủ" in " ".join(m["Subject"] for m in received(tmp_path / "mail"))
        wrong = dict(env, CALENDAR_SMTP_PASSWORD="wrong")
        ledger2 = Ledger(f"sqlite:///{tmp_path / 'l2.sqlite3'}")
        refused = run(ledger2, smtp_sender(settings(environ=wrong), retries=1), dt.date(2024, 4, 7))
        assert refused.sent == [] and "535 5.7.8 Authentication credentials invalid" in refused.failed[0]
        plain = dict(env, CALENDAR_SMTP_CA_FILE="")
        ledger3 = Ledger(f"sqlite:///{tmp_path / 'l3.sqlite3'}")
        untrusted = run(ledger3, smtp_sender(settings(environ=plain), retries=1), dt.date(2024, 4, 7))
        assert untrusted.sent == [] and "CERTIFICATE_VERIFY_FAILED" in untrusted.failed[0]
        for one in (ledger, ledger2, ledger3):
            one.dispose()


def test_implicit_tls(run, tmp_path, certificate, settings):
    with tls_server("ssl", certificate, tmp_path / "mail") as port:
        env = {
            "CALENDAR_SMTP_HOST": "127.0.0.1",
            "CALENDAR_MAIL_FROM": "lich@toasoan.example",
            "CALENDAR_SMTP_PORT": str(port),
            "CALENDAR_SMTP_SECURITY": "ssl",
            "CALENDAR_SMTP_CA_FILE": str(certificate[0]),
        }
        ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
        report = run(ledger, smtp_sender(settings(environ=env), retries=1), dt.date(2024, 4, 7))
        assert report.failed == [] and len(received(tmp_path / "mail")) == len(report.sent) >= 4
        ledger.dispose()


def test_database_unavailable_is_one_clear_line(runner, tmp_path, environment):
    from services import free_port

    env = environment(
        CALENDAR_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere",
        CALENDAR_LANGUAGE="en",
    )
    result = runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("database postgresql://postgres@127.0.0.1:") and "nowhere" in line
    assert not (tmp_path / "outbox").exists(), "nothing sent without a ledger"
