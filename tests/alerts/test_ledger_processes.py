"""The no-duplicate guarantee with real processes: two `alerts` runs at the same
moment, and a run killed halfway through a batch, on SQLite and PostgreSQL."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

from calendar_service.alerts.ledger import SENT, SUPERSEDED, Ledger

SUBSCRIBERS = """\
subscribers:
  - email: one@example.org
  - email: two@example.org
    language: en
  - email: three@example.org
    categories: [diplomatic, historical]
"""


def command(tmp_path, environment, database_url, smtp):
    (tmp_path / "subscribers.yaml").write_text(SUBSCRIBERS, encoding="utf-8")
    env = {
        **os.environ,
        **environment(CALENDAR_DATABASE_URL=database_url, CALENDAR_SMTP_RETRIES="1", **smtp.env()),
    }
    return [sys.executable, "-m", "calendar_service", "alerts", "--today", "2024-04-07"], env


def message_ids(smtp):
    return collections.Counter(m["Message-ID"] for m in smtp.messages)


def test_two_processes_at_the_same_moment_send_each_alert_once(tmp_path, environment, database_url, smtp):
    smtp.recorder.delay = 0.05
    args, env = command(tmp_path, environment, database_url, smtp)
    runs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    counts = message_ids(smtp)
    assert len(counts) >= 10 and max(counts.values()) == 1, "no alert twice"
    ledger = Ledger(database_url)
    sent = [r for r in ledger.rows() if r["state"] == SENT]
    assert len(sent) == len(counts) and {r["message_id"] for r in sent} == set(counts)
    ledger.dispose()


def test_a_process_killed_halfway_loses_nothing(tmp_path, environment, database_url, smtp):
    smtp.recorder.delay = 0.3
    args, env = command(tmp_path, environment, database_url, smtp)
    victim = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert smtp.recorder.wait_for(3, timeout=60)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    before = len(smtp.messages)
    ledger = Ledger(database_url)
    assert any(r["state"] == SENT for r in ledger.rows())
    smtp.recorder.delay = 0
    # A claim left by the dead process is taken over once its lease has run out
    # (the shortest lease the settings accept: one attempt of 4 × 0.5 s, plus 2 s).
    time.sleep(4.1)
    short = {
        "CALENDAR_CLAIM_LEASE_SECONDS": "4",
        "CALENDAR_SMTP_TIMEOUT_SECONDS": "0.5",
        "CALENDAR_SMTP_RETRIES": "1",
    }
    rerun = subprocess.run(args, env={**env, **short}, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert len(smtp.messages) > before
    rows = ledger.rows()
    assert all(r["state"] in (SENT, SUPERSEDED) for r in rows), "every alert sent or superseded"
    counts = message_ids(smtp)
    assert {r["message_id"] for r in rows if r["state"] == SENT} == set(counts)
    duplicates = [mid for mid, n in counts.items() if n > 1]
    assert len(duplicates) <= 1, "only the message in flight at the kill may repeat, with the same Message-ID"
    ledger.dispose()
