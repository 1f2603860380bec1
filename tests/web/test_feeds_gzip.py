"""Feeds served as the web expects: the precompressed ``<feed>.ics.gz`` beside
each published feed for clients that accept gzip (q-values honoured), with
``Vary: Accept-Encoding`` on every feed response, one strong ETag per
representation, the right Content-Length, HEAD and 304 for both."""

from __future__ import annotations

import gzip
import os
import shutil

import pytest
from conftest import BufferedClient
from paths import PUBLISHED_ON as TODAY
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.web import create_app

PUBLISHED = "/feeds/vi/all.ics"
FILTERED = "/feeds/filtered.ics?category=historical&lang=vi"
GZIP_ASKS = ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*", "x-gzip", "GZIP;Q=0.5"]
IDENTITY_ASKS = [
    None,
    "identity",
    "gzip;q=0",
    "gzip;q=0, *",
    "br",
    "gzip;q=0.5, identity",
    "gzip;q=2",
    "deflate",
]


def ask(client, url, accept, method="get", **headers):
    if accept is not None:
        headers["Accept-Encoding"] = accept
    return getattr(client, method)(url, headers=headers)


@pytest.mark.parametrize("accept", GZIP_ASKS)
def test_published_feed_is_served_precompressed_to_clients_that_accept_gzip(client, published_feeds, accept):
    identity = ask(client, PUBLISHED, None)
    response = ask(client, PUBLISHED, accept)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.data == (published_feeds / "vi" / "all.ics.gz").read_bytes()
    assert gzip.decompress(response.data) == (published_feeds / "vi" / "all.ics").read_bytes()
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["ETag"] == identity.headers["ETag"][:-1] + '-gz"'
    assert response.headers["Last-Modified"] == identity.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == identity.headers["Cache-Control"]


@pytest.mark.parametrize("url", [PUBLISHED, FILTERED])
@pytest.mark.parametrize("accept", IDENTITY_ASKS)
def test_identity_responses_say_vary_accept_encoding(client, url, accept):
    response = ask(client, url, accept)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.data.startswith(b"BEGIN:VCALENDAR")
    assert response.headers["Content-Length"] == str(len(response.data))
    assert not response.headers["ETag"].endswith('-gz"')


@pytest.mark.parametrize("url", [PUBLISHED, FILTERED])
def test_each_representation_has_its_head_and_304(client, url):
    for accept in ("gzip", None):
        get = ask(client, url, accept)
        head = ask(client, url, accept, method="head")
        assert head.status_code == 200 and head.data == b""
        for name in ("ETag", "Content-Length", "Content-Type", "Vary", "Last-Modified"):
            assert head.headers[name] == get.headers[name], (accept, name)
        assert head.headers.get("Content-Encoding") == get.headers.get("Content-Encoding")
        again = ask(client, url, accept, **{"If-None-Match": get.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == get.headers["ETag"] and again.headers["Vary"] == "Accept-Encoding"
    gz = ask(client, url, "gzip").headers["ETag"]
    plain = ask(client, url, None).headers["ETag"]
    assert gz != plain
    # A validator of the other representation does not match this one.
    assert ask(client, url, None, **{"If-None-Match": gz}).status_code == 200
    assert ask(client, url, "gzip", **{"If-None-Match": plain}).status_code == 200
    assert ask(client, url, "gzip", **{"If-Match": plain}).status_code == 412


def test_filtered_feed_is_compressed_for_clients_that_accept_gzip(client):
    plain = ask(client, FILTERED, None)
    response = ask(client, FILTERED, "gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain.data
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'


@pytest.fixture
def copied_feeds(tmp_path, published_feeds):
    out = tmp_path / "feeds"
    shutil.copytree(published_feeds, out)
    app = create_app(load_settings(environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": out}))
    app.config["TODAY"] = TODAY
    app.test_client_class = BufferedClient
    return out, app.test_client()


def test_a_stale_or_broken_gzip_is_never_served(copied_feeds):
    out, client = copied_feeds
    feed, gz = out / "vi" / "all.ics", out / "vi" / "all.ics.gz"
    gz.write_bytes(gzip.compress(b"BEGIN:VCALENDAR\r\nan older feed\r\nEND:VCALENDAR\r\n"))
    response = ask(client, PUBLISHED, "gzip")
    assert "Content-Encoding" not in response.headers and response.data == feed.read_bytes()
    gz.write_bytes(b"not gzip at all")
    os.utime(gz, ns=(1, 1))
    response = ask(client, PUBLISHED, "gzip")
    assert "Content-Encoding" not in response.headers and response.data == feed.read_bytes()
    gz.unlink()
    response = ask(client, PUBLISHED, "gzip")
    assert response.status_code == 200 and response.data == feed.read_bytes()
    assert response.headers["Vary"] == "Accept-Encoding"


def test_a_gzip_next_to_an_unlisted_file_is_not_served(copied_feeds):
    out, client = copied_feeds
    (out / "vi" / "secret.ics.gz").write_bytes(gzip.compress(b"secret"))
    assert ask(client, "/feeds/vi/secret.ics", "gzip").status_code == 404
    assert ask(client, "/feeds/vi/all.ics.gz", "gzip").status_code == 404
