"""gunicorn (the production server) starts the app and serves a feed."""

from __future__ import annotations

import gzip
import http.client
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from paths import REAL_REGISTRY
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


def raw_request(port, path, headers, method="GET"):
    """One request with the headers exactly as given (http.client adds only Host
    and Accept-Encoding: identity unless told otherwise)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def gunicorn_port(published_feeds):
    port = free_port()
    env = {**os.environ, "CALENDAR_REGISTRY": str(REAL_REGISTRY), "CALENDAR_FEEDS_DIR": str(published_feeds)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "calendar_service.web:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        yield port
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=30)
        assert b"Traceback" not in errors, errors.decode(errors="replace")


FEED = "/feeds/vi/milestones.ics"


def test_gunicorn_if_modified_since_with_an_enormous_year_is_not_a_500(gunicorn_port, published_feeds):
    """An If-Modified-Since with a ten-digit year overflowed in Werkzeug's date parser: a 500."""
    for value in ("Sun, 06 Nov 9999999999 08:49:37 GMT", "Sun, 06 Nov 99999999999999999999999 08:49:37 GMT"):
        status, _headers, body = raw_request(gunicorn_port, FEED, {"If-Modified-Since": value})
        assert status == 200 and body == (published_feeds / "vi" / "milestones.ics").read_bytes()


def test_gunicorn_failed_preconditions_give_412_with_an_empty_body(gunicorn_port):
    """A failed If-Match answered 412 with the whole feed; If-Unmodified-Since in the past was ignored."""
    for headers in ({"If-Match": '"nope"'}, {"If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"}):
        status, response_headers, body = raw_request(gunicorn_port, FEED, headers)
        assert status == 412 and body == b"" and response_headers["Content-Length"] == "0", headers


def test_gunicorn_serves_gzip_with_its_own_etag_head_and_304(gunicorn_port, published_feeds):
    plain = (published_feeds / "vi" / "milestones.ics").read_bytes()
    status, headers, body = raw_request(gunicorn_port, FEED, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain and headers["Content-Length"] == str(len(body))
    assert headers["ETag"].endswith('-gz"')
    status, head_headers, head_body = raw_request(gunicorn_port, FEED, {"Accept-Encoding": "gzip"}, "HEAD")
    assert status == 200 and head_body == b"" and head_headers["Content-Length"] == str(len(body))
    assert head_headers["ETag"] == headers["ETag"]
    status, again, body = raw_request(
        gunicorn_port, FEED, {"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}
    )
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    assert again["Vary"] == "Accept-Encoding" and again["Cache-Control"] == headers["Cache-Control"]
    status, identity, body = raw_request(gunicorn_port, FEED, {"Accept-Encoding": "gzip;q=0"})
    assert status == 200 and "Content-Encoding" not in identity and body == plain
    assert identity["Vary"] == "Accept-Encoding" and identity["ETag"] != headers["ETag"]
    status, identity_304, body = raw_request(gunicorn_port, FEED, {"If-None-Match": identity["ETag"]})
    assert status == 304 and identity_304["Vary"] == "Accept-Encoding"


def test_gunicorn_redirect_location_never_comes_from_the_host_header(gunicorn_port):
    """The 308 for /feeds//x built its Location from the Host header: an attacker chose the target."""
    status, headers, _body = raw_request(gunicorn_port, "/feeds//vi/all.ics", {"Host": "evil.example"})
    assert status == 308 and headers["Location"] == "/feeds/vi/all.ics"
