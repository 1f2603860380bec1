"""The web service reloads the registry when its file changes and keeps the last
good one when the new file cannot be used, whatever is wrong with it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REAL_REGISTRY, ROOT

from calendar_service.config import load_settings
from calendar_service.web import create_app
from calendar_service.web import state as web_state

TODAY = dt.date(2024, 3, 1)


@pytest.fixture
def registry_copy(tmp_path):
    shutil.copytree(ROOT / "data" / "sources", tmp_path / "sources")
    path = tmp_path / "events.yaml"
    shutil.copy(REAL_REGISTRY, path)
    return path


@pytest.fixture
def reloading_client(registry_copy, published_feeds):
    app = create_app(
        load_settings(environ={}, overrides={"registry": registry_copy, "feeds_dir": published_feeds})
    )
    app.config["TODAY"] = TODAY
    return app.test_client()


def replace(path, text: str) -> None:
    """Write a new version of the file with a modification time the reloader sees."""
    path.write_text(text, encoding="utf-8")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))


def test_deeply_nested_registry_edit_dropped_the_last_good_registry(reloading_client, registry_copy):
    """An edit with 1 000 nested levels gave 500s (RecursionError) instead of the last good registry."""
    assert "Điện Biên Phủ" in reloading_client.get("/?from=2024-05-01&weeks=1").text
    replace(registry_copy, "[" * 1000 + "]" * 1000)
    page = reloading_client.get("/?from=2024-05-01&weeks=1")
    assert page.status_code == 200 and "Điện Biên Phủ" in page.text
    health = reloading_client.get("/healthz")
    assert health.status_code == 200
    assert health.json["status"] == "degraded"
    assert health.json["registry"]["error"] == f"{registry_copy}:1:65: YAML nested more than 64 levels deep"
    assert reloading_client.get("/api/entries/dien-bien-phu").status_code == 200


def test_unexpected_error_while_reloading_dropped_the_last_good_registry(
    reloading_client, registry_copy, monkeypatch
):
    """Any error other than a data error while reloading the registry gave 500s on every page."""
    assert reloading_client.get("/api/entries/dien-bien-phu").status_code == 200

    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(web_state, "check", broken)
    replace(registry_copy, registry_copy.read_text(encoding="utf-8") + "\n")
    assert reloading_client.get("/api/entries/dien-bien-phu").status_code == 200
    health = reloading_client.get("/healthz").json
    assert health["status"] == "degraded"
    assert health["registry"]["error"] == f"{registry_copy}: the registry could not be loaded (MemoryError)"


def test_hostile_registry_edits_hung_or_broke_gunicorn_workers(registry_copy, published_feeds):
    """Under gunicorn, a deeply nested registry gave 500s and an alias bomb hung the worker
    (killed by gunicorn's timeout); the last good registry must keep being served by the same worker."""
    from services import free_port

    from .test_gunicorn import fetch, wait_for

    port = free_port()
    env = {**os.environ, "CALENDAR_REGISTRY": str(registry_copy), "CALENDAR_FEEDS_DIR": str(published_feeds)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "calendar_service.web:create_app()"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(f"{base}/api/entries/dien-bien-phu")[0] == 200
        bomb = "version: 1\n" + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10 if p else ['x'] * 10)}]\n"
            for p, n in zip([None, *"abcde"], "abcdef", strict=True)
        )
        for text in ("[" * 1000 + "]" * 1000, "[" * 30_000, bomb):
            replace(registry_copy, text)
            status, _headers, body = fetch(f"{base}/api/entries/dien-bien-phu")
            assert status == 200, body[:300]
            health = json.loads(fetch(f"{base}/healthz")[2])
            assert health["status"] == "degraded" and health["registry"]["error"].startswith(
                f"{registry_copy}:"
            )
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert err.decode().count("Booting worker") == 1, err.decode()[-2000:]
