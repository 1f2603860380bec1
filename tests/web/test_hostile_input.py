"""Hostile input to the web service: random query strings and paths never give
a 500 or a file outside the feeds; registry text is escaped in HTML."""

from __future__ import annotations

import string
from urllib.parse import quote

from hostile import FUZZ
from hypothesis import given
from hypothesis import strategies as st

PARAMS = st.sampled_from(
    ["from", "weeks", "days", "category", "country", "milestone", "milestones", "q", "lang", "view", "text"]
)
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "2024-02-31",
            "-3",
            "0",
            "1e9",
            "vi",
            "en",
            "tron",
            "month",
            "year",
            "SE",
            "%00",
            "../..",
            "<script>",
        ]
    ),
)


@FUZZ
@given(
    st.sampled_from(
        [
            "/",
            "/export.csv",
            "/api/occurrences",
            "/feeds/filtered.ics",
            "/subscribe",
            "/healthz",
            "/api/entries",
            "/entries/dien-bien-phu",
        ]
    ),
    st.lists(st.tuples(PARAMS, VALUES), max_size=5),
)
def test_random_query_strings_never_give_a_500(client, path, params):
    query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params)
    response = client.get(f"{path}?{query}", buffered=True)
    assert response.status_code in (200, 400), (path, query, response.status_code)


@FUZZ
@given(st.text(alphabet=string.printable + "%.éĐ/\\", max_size=60))
def test_random_paths_never_give_a_500_or_a_file_outside_feeds(client, tail):
    response = client.get("/feeds/" + quote(tail, safe="/%."), buffered=True, follow_redirects=True)
    assert response.status_code in (200, 304, 400, 404, 405)
    if response.status_code == 200:
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert response.data.startswith(b"BEGIN:VCALENDAR")


def test_nasty_text_is_escaped_in_html(nasty, settings, tmp_path):
    from calendar_service.web import create_app

    client = create_app(settings(registry=nasty, feeds_dir=tmp_path)).test_client()
    for url in (
        "/?from=2024-05-01&weeks=2",
        "/entries/nasty",
        "/?from=2024-05-01&weeks=2&lang=en",
        "/entries/nasty?lang=en",
    ):
        html = client.get(url).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in client.get("/entries/nasty").data.decode()
