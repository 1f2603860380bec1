"""Feeds over HTTP: headers, conditional requests, HEAD, 404s, filtered feeds."""

from __future__ import annotations

import email.utils
import os
import shutil
import time

import icalendar
import pytest
from conftest import BufferedClient
from paths import PUBLISHED_ON, REAL_REGISTRY, ROOT

from calendar_service.config import load_settings
from calendar_service.web import create_app

TODAY = PUBLISHED_ON


def test_feed_headers(client, published_feeds):
    response = client.get("/feeds/vi/all.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), "a strong ETag"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Content-Disposition" not in response.headers
    mtime = int(os.stat(published_feeds / "vi" / "all.ics").st_mtime)
    assert email.utils.parsedate_to_datetime(response.headers["Last-Modified"]).timestamp() == mtime
    assert response.data == (published_feeds / "vi" / "all.ics").read_bytes()


def test_if_none_match_gives_304(client):
    etag = client.get("/feeds/en/all.ics").headers["ETag"]
    again = client.get("/feeds/en/all.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get("/feeds/en/all.ics", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_if_modified_since(client):
    modified = client.get("/feeds/en/milestones.ics").headers["Last-Modified"]
    assert client.get("/feeds/en/milestones.ics", headers={"If-Modified-Since": modified}).status_code == 304
    older = email.utils.format_datetime(
        email.utils.parsedate_to_datetime(modified).replace(year=2000), usegmt=True
    )
    assert client.get("/feeds/en/milestones.ics", headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
    both = client.get(
        "/feeds/en/milestones.ics", headers={"If-Modified-Since": modified, "If-None-Match": '"x"'}
    )
    assert both.status_code == 200


def test_head(client):
    get = client.get("/feeds/vi/planning.ics")
    head = client.head("/feeds/vi/planning.ics")
    assert head.status_code == 200 and head.data == b""
    for name in ("ETag", "Last-Modified", "Content-Type", "Content-Length"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/vi/nothing.ics",
        "/feeds/../data/events.yaml",
        "/feeds/%2e%2e/%2e%2e/etc/passwd",
        "/feeds/vi/../../etc/passwd",
        "/feeds/.state.json",
        "/feeds/index.json",
        "/feeds//etc/passwd",
        "/feeds/vi/all.ics/",
        "/feeds/xx/all.ics",
        "/feeds/.lock",
    ],
)
def test_unknown_names_and_escapes_give_404(client, path):
    assert client.get(path, follow_redirects=True).status_code == 404


def test_filtered_feed_is_built_and_cached(client):
    response = client.get("/feeds/filtered.ics?country=se&lang=en")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.data)
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert summaries and all("Sweden" in s for s in summaries)
    assert any(s.startswith("55th anniversary of the establishment") for s in summaries)
    again = client.get(
        "/feeds/filtered.ics?country=se&lang=en", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    majors = icalendar.Calendar.from_ical(
        client.get("/feeds/filtered.ics?milestone=tron&category=historical").data
    )
    assert {str(e["UID"]).split("-2")[0] for e in majors.walk("VEVENT")} >= {"dien-bien-phu"}
    assert all("năm tròn" in str(e["CATEGORIES"].to_ical(), "utf-8") for e in majors.walk("VEVENT"))


def test_filtered_feeds_are_cached_per_app_and_registry_version(tmp_path, published_feeds, settings):
    """The cache was process-wide, keyed on the id() of a registry object, which a reload frees for reuse."""
    shutil.copytree(ROOT / "data" / "sources", tmp_path / "sources")
    registry = tmp_path / "events.yaml"
    shutil.copy(REAL_REGISTRY, registry)
    configured = settings(registry=registry, feeds_dir=published_feeds)
    app = create_app(configured)
    app.config["TODAY"] = PUBLISHED_ON
    state, client = app.extensions["calendar_state"], app.test_client()
    url = "/feeds/filtered.ics?country=se&lang=en"
    first = client.get(url).data
    assert client.get(url).data == first and len(state.filtered_feeds) == 1
    text = registry.read_text(encoding="utf-8").replace(
        "relations between Việt Nam and Sweden", "ties with Sweden"
    )
    registry.write_text(text, encoding="utf-8")
    os.utime(registry, (time.time() + 5, time.time() + 5))
    edited = client.get(url).data
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(edited).walk("VEVENT")]
    assert edited != first and any("ties with Sweden" in s for s in summaries)
    assert len(state.filtered_feeds) == 2
    assert len(create_app(configured).extensions["calendar_state"].filtered_feeds) == 0


@pytest.mark.parametrize("query", ["category=sport", "country=XX", "milestone=some", "lang=fr"])
def test_filtered_feed_bad_parameters_give_400(client, query):
    response = client.get(f"/feeds/filtered.ics?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "base_url, expected",
    [
        ("http://127.0.0.1:8000", "/feeds/vi/all.ics"),
        ("https://lich.example.org/newsroom/", "/newsroom/feeds/vi/all.ics"),
    ],
)
def test_redirect_location_never_comes_from_the_host_header(published_feeds, base_url, expected):
    """The 308 for /feeds//x built its Location from the Host header: an attacker chose the target."""
    settings = load_settings(
        environ={},
        overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds, "base_url": base_url},
    )
    app = create_app(settings)
    app.config["TODAY"] = TODAY
    app.test_client_class = BufferedClient
    client = app.test_client()
    for host in ("evil.example", "evil.example:8080", "127.0.0.1:8000"):
        response = client.get("/feeds//vi/all.ics?lang=vi", headers={"Host": host})
        assert response.status_code == 308
        assert response.headers["Location"] == expected + "?lang=vi", host
        assert "evil" not in response.get_data(as_text=True)
    followed = client.get("/feeds//vi//all.ics", follow_redirects=True)
    if expected.startswith("/feeds/"):
        assert followed.status_code == 200 and followed.data.startswith(b"BEGIN:VCALENDAR")
