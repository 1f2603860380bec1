"""`calendar-service serve` as the person installing it sees it: the links on
the pages and in the feeds point where the service listens, the start-up
lines say where that is, and a port already in use is one clear sentence."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from paths import REAL_REGISTRY
from services import free_port

from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry

from .test_gunicorn import fetch, wait_for


def start(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALENDAR_")},
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'calendar.sqlite3'}",
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "calendar_service", "serve", "--workers", "1", *args],
        env=environ,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=60)[1]


def test_serve_on_another_port_links_to_that_port_everywhere(tmp_path):
    """`serve --port 9000` left every subscribe link, feed URL and mail link on port 8000."""
    # Feeds published earlier with the default links (port 8000) are republished.
    publish(
        load_registry(REAL_REGISTRY),
        load_settings(environ={}),
        dt.date.today(),
        dt.datetime.now(dt.UTC),
        tmp_path / "feeds",
    )
    port = free_port()
    process = start(tmp_path, "--port", str(port))
    try:
        status, _, body = wait_for(f"http://127.0.0.1:{port}/subscribe?lang=en")
        assert status == 200
        page = body.decode()
        assert f"http://127.0.0.1:{port}/feeds/en/all.ics" in page
        assert f'href="webcal://127.0.0.1:{port}/feeds/en/all.ics"' in page
        assert f"webcal%3A%2F%2F127.0.0.1%3A{port}%2Ffeeds%2Fen%2Fall.ics" in page
        assert ":8000" not in page and "%3A8000" not in page
        _, _, entry = fetch(f"http://127.0.0.1:{port}/api/entries/dien-bien-phu?lang=en")
        assert f'"url":"http://127.0.0.1:{port}/entries/dien-bien-phu?lang=en"' in entry.decode()
        _, _, feed = fetch(f"http://127.0.0.1:{port}/feeds/vi/all.ics")
        assert f"URL;VALUE=URI:http://127.0.0.1:{port}/entries/dien-bien-phu?lang=vi" in feed.decode()
    finally:
        err = stop(process)
    published = [p for p in (tmp_path / "feeds").rglob("*") if p.is_file() and p.suffix in (".ics", ".json")]
    assert published and not [p.name for p in published if b":8000" in p.read_bytes()]
    index = (tmp_path / "feeds" / "index.json").read_text(encoding="utf-8")
    assert f'"url": "http://127.0.0.1:{port}/feeds/vi/all.ics"' in index
    assert f"Đang phục vụ tại http://127.0.0.1:{port}/" in err.splitlines()


def test_listening_on_every_interface_says_the_links_are_loopback(tmp_path):
    port = free_port()
    process = start(tmp_path, "--host", "0.0.0.0", "--port", str(port), "--lang", "en")
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        err = stop(process)
    lines = err.splitlines()
    assert (
        f"Listening on 0.0.0.0:{port}; links in pages, feeds and mail use http://127.0.0.1:{port}/" in lines
    )
    assert (
        f"Links use http://127.0.0.1:{port}, which opens only on this machine, though the service listens "
        "on every interface: set CALENDAR_BASE_URL to the address readers use."
    ) in lines


def test_a_configured_base_url_is_kept(tmp_path):
    port = free_port()
    process = start(tmp_path, "--port", str(port), env={"CALENDAR_BASE_URL": "https://lich.example.org"})
    try:
        _, _, body = wait_for(f"http://127.0.0.1:{port}/subscribe?lang=en")
    finally:
        err = stop(process)
    assert 'href="webcal://lich.example.org/feeds/en/all.ics"' in body.decode()
    assert (
        f"Đang nhận kết nối trên 127.0.0.1:{port}; liên kết trong trang, lịch và thư dùng https://lich.example.org/"
        in err
    )
    assert "chỉ mở được trên chính máy này" not in err


def test_port_in_use_is_one_line_suggesting_port(tmp_path):
    """A port in use gave gunicorn's "Connection in use" five times, "Retrying in 1 second" and an exit."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for lang, expected in (
            (
                "en",
                f"port {port} on 127.0.0.1 is already in use: stop the program using it, "
                "or choose another port with --port",
            ),
            (
                "vi",
                f"cổng {port} trên 127.0.0.1 đang được dùng: hãy dừng chương trình đang dùng cổng này, "
                "hoặc chọn cổng khác bằng --port",
            ),
        ):
            began = time.monotonic()
            process = start(tmp_path, "--port", str(port), "--lang", lang)
            out, err = process.communicate(timeout=60)
            assert process.returncode == 1
            assert err.splitlines() == [expected] and out == ""
            assert time.monotonic() - began < 4, "no retries"
    assert not (tmp_path / "feeds").exists(), "nothing was published for a server that cannot start"
