"""gunicorn (the production server) starts the app and serves a feed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from services import free_port


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return fetch(url)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_gunicorn_serves_a_feed_with_304(environment, published_feeds):
    port = free_port()
    env = {**os.environ, **environment(CALENDAR_FEEDS_DIR=str(published_feeds))}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "calendar_service.web:create_app()"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        status, headers, body = wait_for(f"http://127.0.0.1:{port}/feeds/vi/all.ics")
        assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert body == (published_feeds / "vi" / "all.ics").read_bytes()
        assert headers["Server"].startswith("gunicorn")
        again = fetch(f"http://127.0.0.1:{port}/feeds/vi/all.ics", {"If-None-Match": headers["ETag"]})
        assert again[0] == 304
        assert fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)
