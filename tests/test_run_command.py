"""`calendar-service run`: the web service and the scheduler together, with the
scheduler in a process of its own (never threads in a process that forks
gunicorn's workers), and both stopped by one SIGTERM."""

from __future__ import annotations

import datetime as dt
import email
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zoneinfo
from email.policy import default
from pathlib import Path

from services import free_port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_run_serves_sends_alerts_and_stops_with_the_scheduler_outside_the_workers(write_registry, tmp_path):
    """`run` started the scheduler's threads in gunicorn's master, which forks workers;
    and with --port its scheduler still mailed links to port 8000."""
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")).date()
    if (today.month, today.day) == (2, 29):
        today = today.replace(day=28)
    registry = write_registry(
        f"""\
        - id: gac-ma
          title: {{vi: Hải chiến Gạc Ma, en: the Gạc Ma naval battle}}
          date: 1988-{today.month:02d}-{today.day:02d}
          category: borders-seas
          observance: yearly
          sources:
            - document: doc
              quote: 36 năm Gạc Ma
        """
    )
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text("subscribers:\n  - email: editor@example.org\n", encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "CALENDAR_REGISTRY": str(registry),
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'calendar.sqlite3'}",
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "calendar_service", "run", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait(lambda: _answers(f"http://127.0.0.1:{port}/healthz")), "the web service answers"
        assert _wait(lambda: any((tmp_path / "outbox").glob("*.eml"))), "the alert due today was sent"
        children = _children(process.pid)
        schedulers = [pid for pid in children if " scheduler" in _cmdline(pid)]
        assert len(schedulers) == 1, [_cmdline(pid) for pid in children]
        assert len(children) == 3, "two workers and the scheduler"
        threads = len(list((Path("/proc") / str(process.pid) / "task").iterdir()))
        assert threads == 1, "the process that forks workers runs no scheduler threads"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert not any(_alive(pid) for pid in schedulers), "the scheduler stopped with the service"
    assert "scheduler started" in err
    assert f"Đang phục vụ tại http://127.0.0.1:{port}/" in err.splitlines()
    # The scheduler's mail links where this server listens, not to the default port.
    sent = email.message_from_bytes(next((tmp_path / "outbox").glob("*.eml")).read_bytes(), policy=default)
    body = sent.get_body(("plain",)).get_content()
    assert f"http://127.0.0.1:{port}/entries/gac-ma?lang=vi" in body and ":8000" not in body
