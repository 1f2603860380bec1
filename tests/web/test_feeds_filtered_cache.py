"""The filtered-feed cache: one entry per selection however the query writes
it, unknown parameters refused, the work per request and the memory bounded."""

from __future__ import annotations

import html

import pytest
from conftest import BufferedClient
from paths import PUBLISHED_ON as TODAY
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.web import create_app
from calendar_service.web.state import LruCache, filtered_feed_cache

SAME_SELECTION = [
    "category=historical&category=diplomatic&country=se&lang=en",
    "country=se&category=diplomatic&category=historical&lang=en",
    "category=diplomatic&category=historical&category=historical&country=SE&country=se&lang=en",
    "lang=en&country=Se&category=historical&category=diplomatic&category=diplomatic",
    "category=historical&category=&category=diplomatic&country=se&lang=en&milestone=all",
]


@pytest.fixture
def make_client(published_feeds):
    def make(**limits):
        settings = load_settings(
            environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds}
        )
        app = create_app(settings)
        app.config["TODAY"] = TODAY
        app.test_client_class = BufferedClient
        state = app.extensions["calendar_state"]
        if limits:
            state.filtered_feeds = filtered_feed_cache(**limits)
        return state, app.test_client()

    return make


def test_reordered_and_duplicated_queries_share_one_cache_entry(make_client):
    """The cache keyed on the raw query: duplicates and another order were new entries, each a new build."""
    state, client = make_client()
    responses = [client.get(f"/feeds/filtered.ics?{query}") for query in SAME_SELECTION]
    assert all(r.status_code == 200 for r in responses)
    assert len({r.headers["ETag"] for r in responses}) == 1
    assert len({r.data for r in responses}) == 1
    assert len(state.filtered_feeds) == 1
    assert state.filtered_feeds.misses == 1 and state.filtered_feeds.hits == len(SAME_SELECTION) - 1


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("catgory=historical", "catgory"),
        ("category=historical&from=2024-01-01", "from"),
        ("country=se&days=99999", "days"),
        ("category=" + "&category=".join(["historical"] * 51), "category"),
        ("country=" + "&country=".join(["se"] * 51), "country"),
        ("milestone=tron&milestone=chan", "milestone"),
        ("lang=vi&lang=en", "lang"),
        ("q=a&q=b", "q"),
    ],
)
def test_filtered_feed_refuses_unknown_and_excess_parameters(make_client, query, parameter):
    """Any parameter was accepted and keyed on, and a value could be repeated without limit."""
    state, client = make_client()
    response = client.get(
        f"/feeds/filtered.ics?{query}&lang=en" if "lang=" not in query else f"/feeds/filtered.ics?{query}"
    )
    assert response.status_code == 400
    assert f"'{parameter}'" in html.unescape(response.get_data(as_text=True))
    assert len(state.filtered_feeds) == 0, "nothing was built"


def test_filtered_feed_error_is_translated(make_client):
    _state, client = make_client()
    response = client.get("/feeds/filtered.ics?foo=1", headers={"Accept-Language": "vi"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "Tham số 'foo': không có tham số này" in page


COUNTRIES = ("se", "br", "mn", "sn", "mt", "co", "gd", "sc", "ni", "ve")


@pytest.mark.parametrize("size, max_bytes", [(4, 10**9), (64, 20_000)])
def test_filtered_feed_cache_stays_bounded_under_many_distinct_queries(make_client, size, max_bytes):
    """The filtered-feed cache was bounded in entries only: large feeds could fill the memory."""
    state, client = make_client(size=size, max_bytes=max_bytes)
    cache = state.filtered_feeds
    queries = [f"country={code}&lang=vi" for code in COUNTRIES] + ["lang=en", "q=a&lang=en"]
    for query in queries:
        for accept in ("gzip", "identity"):
            response = client.get(f"/feeds/filtered.ics?{query}", headers={"Accept-Encoding": accept})
            assert response.status_code == 200 and response.data, query
        assert len(cache) <= size and cache.total_bytes <= max_bytes, query
    assert 0 < len(cache) < len(COUNTRIES) and cache.total_bytes > 0
    # Each selection is built once, the second request is a hit; except, under a
    # small byte limit, the two feeds larger than the whole cache: built each time.
    assert cache.misses == len(queries) + (2 if max_bytes < 100_000 else 0)
    # The most recently kept feed is served from the cache.
    hits = cache.hits
    client.get("/feeds/filtered.ics?country=ve&lang=vi")
    assert cache.hits == hits + 1


def test_lru_cache_evicts_by_entries_and_bytes():
    cache = LruCache(size=3, max_bytes=10, weigh=len)
    for key in "abc":
        cache.get(key, lambda key=key: key * 3)
    assert len(cache) == 3 and cache.total_bytes == 9
    cache.get("d", lambda: "dddd")
    assert len(cache) == 3 and cache.total_bytes == 10 and "a" not in cache, "a went first"
    cache.get("e", lambda: "e")
    assert len(cache) == 3 and "b" not in cache, "then b, for the number of entries"
    assert cache.get("c", lambda: "new") == "ccc" and cache.hits == 1
    assert cache.get("big", lambda: "x" * 11) == "x" * 11, "too large to keep, still returned"
    assert "big" not in cache and cache.total_bytes <= 10


def test_lru_cache_computes_a_missing_key_once_for_concurrent_requests():
    import threading
    import time

    cache = LruCache(size=4)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["value"] * 5 and len(calls) == 1
