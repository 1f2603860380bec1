"""Exactly once: what a hostile-input and fault review found about sending the
same alert twice or losing track of one, each pinned by a regression test."""

from __future__ import annotations

import collections
import datetime as dt
import os
import subprocess
import sys
import time

import pytest

from calendar_service.alerts.delivery import Smtp
from calendar_service.alerts.ledger import REJECTED, SENT, SUPERSEDED, UNCERTAIN, Ledger
from calendar_service.alerts.run import run_alerts
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.cli import main
from calendar_service.config import load_settings
from calendar_service.errors import ConfigError

T0 = dt.datetime(2024, 4, 7, 0, 5, tzinfo=dt.UTC)
APRIL_7 = dt.date(2024, 4, 7)
EDITORS = [Subscriber(f"editor{n}@example.org") for n in range(3)]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Recording:
    """A transport that takes ``seconds`` per message on the test's clock."""

    def __init__(self, clock: Clock, seconds: float = 0.0, during=None):
        self.clock, self.seconds, self.during = clock, seconds, during
        self.delivered: list[str] = []

    def send(self, outgoing, keep=lambda: None):
        keep()
        self.clock.advance(self.seconds)
        if self.during:
            self.during(len(self.delivered) + 1)
        self.delivered.append(outgoing.message_id)

    def close(self):
        pass


def test_a_later_run_does_not_take_over_an_alert_an_earlier_run_is_still_sending(
    real_registry, settings, tmp_path
):
    """Claims were stamped with the run's start time, so a run started a lease later took over an alert still being sent."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    clock = Clock(T0)
    first, second = Ledger(url, lease_seconds=60), Ledger(url, lease_seconds=60)
    second.me = "another-host:1"
    later = Recording(clock)

    def meanwhile(number: int) -> None:
        if number == 3:  # 75 s after the first run started, a second one starts
            run_alerts(real_registry, EDITORS, settings(), second, later, APRIL_7, clock(), clock=clock)

    slow = Recording(clock, seconds=25, during=meanwhile)
    run_alerts(real_registry, EDITORS, settings(), first, slow, APRIL_7, T0, clock=clock)
    counts = collections.Counter(slow.delivered + later.delivered)
    assert len(counts) >= 6 and max(counts.values()) == 1, "no alert twice"
    assert {r["state"] for r in first.rows()} <= {SENT, SUPERSEDED}
    first.dispose()
    second.dispose()


def test_a_lease_shorter_than_a_delivery_attempt_is_refused():
    """CALENDAR_CLAIM_LEASE_SECONDS=0 was accepted, and duplicated 16 of 20 alerts."""
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"CALENDAR_CLAIM_LEASE_SECONDS": "0"})
    text = raised.value.render("en")
    assert (
        text.startswith("$CALENDAR_CLAIM_LEASE_SECONDS: ")
        and "a lease of 0 s is shorter than one delivery attempt can take (126 s)" in text
    )
    assert load_settings(environ={"CALENDAR_CLAIM_LEASE_SECONDS": "126"}).claim_lease_seconds == 126
    quick = {"CALENDAR_SMTP_TIMEOUT_SECONDS": "1", "CALENDAR_SMTP_RETRIES": "1"}
    assert load_settings(environ={**quick, "CALENDAR_CLAIM_LEASE_SECONDS": "6"}).claim_lease_seconds == 6


def _smtp_run(
    real_registry, settings, smtp, ledger, today=APRIL_7, now=T0, subscribers=EDITORS[:1], retries=3
):
    with Smtp(settings(environ=smtp.env()), retries=retries, sleep=lambda _s: None) as sender:
        return run_alerts(real_registry, list(subscribers), settings(), ledger, sender, today, now)


def test_a_message_stored_before_the_connection_dropped_is_not_resent(
    real_registry, settings, smtp, tmp_path
):
    """The server stored the message but the connection dropped before its reply: it was resent three times, and again by the next run."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    smtp.recorder.drop_after_data = 1
    report = _smtp_run(real_registry, settings, smtp, ledger)
    counts = collections.Counter(m["Message-ID"] for m in smtp.messages)
    assert max(counts.values()) == 1, "stored once, never resent"
    assert len(report.uncertain) == 1 and "SMTPServerDisconnected" in report.uncertain[0]
    assert len(report.sent) == len(smtp.messages) - 1 and not report.ok
    (row,) = [r for r in ledger.rows() if r["state"] == UNCERTAIN]
    assert row["message_id"] is None and row["attempts"] == 1
    again = _smtp_run(real_registry, settings, smtp, ledger, now=T0 + dt.timedelta(days=1))
    assert again.sent == [] and len(smtp.messages) == sum(counts.values()), "the next run resends nothing"
    assert [r["id"] for r in again.outstanding] == [row["id"]]
    ledger.dispose()


def test_a_permanent_rejection_is_recorded_with_the_reply_and_not_retried(
    real_registry, settings, smtp, tmp_path
):
    """A 5xx rejection was retried like a temporary failure, in the run and by every later run."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    smtp.recorder.reject = 1
    report = _smtp_run(real_registry, settings, smtp, ledger)
    assert len(report.rejected) == 1 and report.rejected[0].endswith("550 5.1.1 No such mailbox here")
    (row,) = [r for r in ledger.rows() if r["state"] == REJECTED]
    assert row["attempts"] == 1 and row["last_error"] == "550 5.1.1 No such mailbox here"
    delivered = len(smtp.messages)
    again = _smtp_run(real_registry, settings, smtp, ledger, now=T0 + dt.timedelta(days=1))
    assert again.sent == [] and len(smtp.messages) == delivered
    assert [r["id"] for r in again.outstanding] == [row["id"]]
    ledger.dispose()


def test_a_failed_alert_stays_visible_until_delivered_or_dismissed(runner, environment, smtp):
    """A rerun within the retry delay printed "0 failed" and exited 0, hiding the alert that was never delivered."""
    env = environment(CALENDAR_SMTP_RETRIES="1", **smtp.env())
    smtp.recorder.refuse = 1
    first = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert first.exit_code == 1
    assert (
        "failed, will retry: editor@example.org: " in first.output
        and "451 4.3.0 Mailbox busy" in first.output
    )
    rerun = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert rerun.exit_code == 1, "still not delivered: still reported"
    lines = rerun.output.splitlines()
    assert lines[-2].startswith("1 message needs attention (resend: calendar-service ledger resend NUMBER;")
    number = int(lines[-1].split()[0].lstrip("#"))
    assert "failed, waiting for a retry: 451 4.3.0 Mailbox busy, try again later" in lines[-1]
    listed = runner.invoke(main, ["ledger", "list", "--lang", "vi"], env=env)
    assert listed.exit_code == 1 and "1 thư cần xử lý" in listed.output
    dismissed = runner.invoke(main, ["ledger", "dismiss", str(number), "--lang", "en"], env=env)
    assert dismissed.exit_code == 0 and dismissed.output == f"Message {number} dismissed.\n"
    quiet = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert quiet.exit_code == 0 and "needs attention" not in quiet.output
    assert (
        runner.invoke(main, ["ledger", "list", "--lang", "en"], env=env).output
        == "Nothing needs attention.\n"
    )


def test_an_operator_resends_an_uncertain_message_with_one_command(runner, environment, smtp):
    """An uncertain delivery had no way back: an operator could neither see it nor send it again."""
    env = environment(**smtp.env())
    smtp.recorder.drop_after_data = 1
    first = runner.invoke(main, ["alerts", "--today", "2024-04-07", "--lang", "en"], env=env)
    assert first.exit_code == 1 and "delivery uncertain (the server may have it), not resent:" in first.output
    row = [line for line in first.output.splitlines() if "delivery uncertain:" in line][0]
    number, message_id = row.split()[0].lstrip("#"), smtp.messages[0]["Message-ID"]
    resent = runner.invoke(main, ["ledger", "resend", number, "--lang", "en"], env=env)
    assert resent.exit_code == 0, resent.output
    assert [m["Message-ID"] for m in smtp.messages].count(message_id) == 2, "the same Message-ID, by hand"
    assert runner.invoke(main, ["ledger", "list"], env=env).exit_code == 0
    again = runner.invoke(main, ["ledger", "resend", number, "--lang", "en"], env=env)
    assert again.exit_code == 1 and f"no failed or uncertain message with number {number}" in again.output


def test_a_new_subscriber_gets_the_nearest_alert_without_the_late_mark(
    real_registry, settings, smtp, tmp_path
):
    """A new subscriber (or a new database) got "sent late" alerts: late must mean the service missed the day."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    _smtp_run(real_registry, settings, smtp, ledger, today=dt.date(2024, 4, 9))
    subjects = [m["Subject"] for m in smtp.messages]
    brazil = [s for s in subjects if "Brazil" in s]
    assert brazil == [
        "[Còn 29 ngày] Kỷ niệm 35 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Brazil (8/5/2024)"
    ]
    assert not any("gửi muộn" in s for s in subjects)
    ledger.dispose()


def test_the_summary_never_counts_late_alerts_that_were_not_sent(runner, environment, smtp):
    """The summary said "0 sent (5 late)": late alerts were counted when claimed, not when sent."""
    env = environment(CALENDAR_SMTP_RETRIES="1", **smtp.env())
    assert runner.invoke(main, ["alerts", "--today", "2024-04-07"], env=env).exit_code == 0
    smtp.recorder.refuse = 100
    gap = runner.invoke(main, ["alerts", "--today", "2024-04-09", "--lang", "en"], env=env)
    summary = [line for line in gap.output.splitlines() if "already done" in line][0]
    assert summary.startswith("0 messages sent; ") and "late" not in summary and "1 failed" in summary


def test_soak_two_runs_against_a_slow_server_that_drops_after_data(tmp_path, environment, database_url, smtp):
    """Two runs, a slow server, the shortest lease allowed and dropped replies: no duplicate, nothing lost."""
    (tmp_path / "subscribers.yaml").write_text(
        "subscribers:\n" + "".join(f"  - email: soak{n}@example.org\n" for n in range(5)), encoding="utf-8"
    )
    smtp.recorder.delay = 0.3
    smtp.recorder.drop_after_data = 2
    quick = {
        "CALENDAR_SMTP_TIMEOUT_SECONDS": "1",
        "CALENDAR_SMTP_RETRIES": "2",
        "CALENDAR_SMTP_BACKOFF_SECONDS": "0.1",
    }
    env = {
        **os.environ,
        **environment(
            CALENDAR_DATABASE_URL=database_url, CALENDAR_CLAIM_LEASE_SECONDS="7", **quick, **smtp.env()
        ),
    }
    args = [sys.executable, "-m", "calendar_service", "alerts", "--today", "2024-04-07"]
    deadline = time.monotonic() + 180
    runs = []
    for _ in range(2):
        runs.append(
            subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
        time.sleep(1.0)
    outputs = [run.communicate(timeout=max(deadline - time.monotonic(), 1)) for run in runs]
    assert {run.returncode for run in runs} == {1}, "uncertain deliveries are reported: exit 1"
    counts = collections.Counter(m["Message-ID"] for m in smtp.messages)
    assert max(counts.values()) == 1, f"duplicates: {[k for k, n in counts.items() if n > 1]}"
    ledger = Ledger(database_url)
    rows = [r for r in ledger.rows() if r["kind"] == "alert"]
    assert {r["state"] for r in rows} <= {SENT, SUPERSEDED, UNCERTAIN}, outputs
    sent = {r["message_id"] for r in rows if r["state"] == SENT}
    uncertain = [r for r in rows if r["state"] == UNCERTAIN]
    assert len(uncertain) == 2 and len(sent) == len(counts) - 2, "every stored message is accounted for"
    assert sent < set(counts) and len(rows) >= 20
    ledger.dispose()
