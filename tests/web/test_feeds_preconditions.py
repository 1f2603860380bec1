"""Conditional requests on feeds as RFC 9110 (§13.1.1–13.1.4, §13.2.2) says:
If-Match, then If-Unmodified-Since (without If-Match), then If-None-Match,
then If-Modified-Since (GET/HEAD, without If-None-Match); an invalid
HTTP-date is ignored; a failed precondition is a 412 with an empty body; a 304
keeps the validators and caching headers. Raw header values, as clients send
them, through the Flask client (and through gunicorn in test_gunicorn.py)."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_service.web.conditional import EntityTag, accepts_gzip, evaluate, parse_http_date, range_applies

PUBLISHED = "/feeds/en/milestones.ics"
FILTERED = "/feeds/filtered.ics?country=se&lang=en"
FEEDS = pytest.mark.parametrize("url", [PUBLISHED, FILTERED])
PAST = "Sun, 06 Nov 1994 08:49:37 GMT"
FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"
ENORMOUS_YEARS = [
    "Sun, 06 Nov 9999999999 08:49:37 GMT",
    "Sun, 06 Nov 99999999999999999999999 08:49:37 GMT",
    "Sun, 06 Nov 10000 08:49:37 GMT",
]
INVALID_DATES = [
    *ENORMOUS_YEARS,
    "yesterday",
    "",
    "Mon, 31 Feb 2025 08:49:37 GMT",
    "Sun, 06 Nov 1994 25:49:37 GMT",
    "Sun, 06 Nov 0000 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 +0000 junk",
    "2024-01-01T00:00:00Z",
    "Sun, 06 Nov 1994 08:49:37 GMT\x00",
]


def fresh(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


@FEEDS
@pytest.mark.parametrize("value", ENORMOUS_YEARS)
def test_if_modified_since_with_an_enormous_year_is_not_a_500(client, url, value):
    """An If-Modified-Since with a ten-digit year overflowed in Werkzeug's date parser: a 500."""
    full = fresh(client, url)
    response = client.get(url, headers={"If-Modified-Since": value})
    assert response.status_code == 200 and response.data == full.data


@FEEDS
@pytest.mark.parametrize("name", ["If-Modified-Since", "If-Unmodified-Since", "If-Range"])
@pytest.mark.parametrize("value", INVALID_DATES)
def test_invalid_http_dates_are_ignored(client, url, name, value):
    full = fresh(client, url)
    response = client.get(url, headers={name: value, "Range": "bytes=0-9"})
    # If-Range with an invalid validator never matches: the whole feed, not the range.
    expected = 206 if name != "If-Range" else 200
    assert response.status_code == expected
    assert response.data == (full.data[:10] if expected == 206 else full.data)


@FEEDS
def test_failed_if_match_gives_412_with_an_empty_body(client, url):
    """A failed If-Match answered 412 with the whole feed as its body."""
    etag = fresh(client, url).headers["ETag"]
    for value in ['"nope"', f"W/{etag}", '"a", "b"']:
        response = client.get(url, headers={"If-Match": value})
        assert response.status_code == 412, value
        assert response.data == b"" and response.headers["Content-Length"] == "0"
        assert "Accept-Encoding" in response.headers["Vary"]
    head = client.head(url, headers={"If-Match": '"nope"'})
    assert head.status_code == 412 and head.headers["Content-Length"] == "0"


@FEEDS
def test_if_match_that_matches_serves_the_feed(client, url):
    full = fresh(client, url)
    for value in [full.headers["ETag"], f'"other", {full.headers["ETag"]}', "*"]:
        response = client.get(url, headers={"If-Match": value})
        assert response.status_code == 200 and response.data == full.data, value


@FEEDS
def test_if_unmodified_since_in_the_past_gives_412(client, url):
    """If-Unmodified-Since earlier than Last-Modified was ignored: the feed was served."""
    full = fresh(client, url)
    response = client.get(url, headers={"If-Unmodified-Since": PAST})
    assert response.status_code == 412 and response.data == b""
    later = client.get(url, headers={"If-Unmodified-Since": full.headers["Last-Modified"]})
    assert later.status_code == 200 and later.data == full.data
    assert client.get(url, headers={"If-Unmodified-Since": FUTURE}).status_code == 200


@FEEDS
def test_if_match_takes_precedence_over_if_unmodified_since(client, url):
    etag = fresh(client, url).headers["ETag"]
    both = client.get(url, headers={"If-Match": etag, "If-Unmodified-Since": PAST})
    assert both.status_code == 200, "If-Unmodified-Since is ignored when If-Match is present"


@FEEDS
def test_failed_if_match_wins_over_a_matching_if_none_match(client, url):
    etag = fresh(client, url).headers["ETag"]
    response = client.get(url, headers={"If-Match": '"nope"', "If-None-Match": etag})
    assert response.status_code == 412


@FEEDS
def test_if_none_match_takes_precedence_over_if_modified_since(client, url):
    full = fresh(client, url)
    etag, modified = full.headers["ETag"], full.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag, "If-Modified-Since": PAST}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"x"', "If-Modified-Since": modified}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304, "weak comparison"
    assert client.get(url, headers={"If-None-Match": f'"a", {etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304


@FEEDS
def test_if_modified_since(client, url):
    full = fresh(client, url)
    modified = email.utils.parsedate_to_datetime(full.headers["Last-Modified"])
    assert client.get(url, headers={"If-Modified-Since": full.headers["Last-Modified"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": FUTURE}).status_code == 304
    earlier = email.utils.format_datetime(modified.replace(year=modified.year - 1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # The two obsolete forms every recipient must accept (RFC 9110 §5.6.7).
    asctime = f"{modified:%a %b} {modified.day:2d} {modified:%H:%M:%S %Y}"
    rfc850 = modified.strftime("%A, %d-%b-%y %H:%M:%S GMT")
    for value in (asctime, rfc850):
        assert client.get(url, headers={"If-Modified-Since": value}).status_code == 304, value


@FEEDS
@pytest.mark.parametrize("method", ["get", "head"])
def test_304_keeps_validators_and_caching_headers(client, url, method):
    full = fresh(client, url)
    response = getattr(client, method)(url, headers={"If-None-Match": full.headers["ETag"]})
    assert response.status_code == 304 and response.data == b""
    for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        assert response.headers[name] == full.headers[name], name
    assert "Content-Length" not in response.headers or response.headers["Content-Length"] == str(
        len(full.data)
    )


@FEEDS
def test_range_is_served_and_if_range_must_match(client, url):
    full = fresh(client, url)
    part = client.get(url, headers={"Range": "bytes=5-14", "If-Range": full.headers["ETag"]})
    assert part.status_code == 206 and part.data == full.data[5:15]
    other = client.get(url, headers={"Range": "bytes=5-14", "If-Range": '"old"'})
    assert other.status_code == 200 and other.data == full.data
    assert client.get(url, headers={"Range": "bytes=999999999-"}).status_code == 416


HEADER_TEXT = st.text(alphabet=st.characters(max_codepoint=255), max_size=80) | st.sampled_from(
    [*INVALID_DATES, PAST, FUTURE, "*", '"a"', 'W/"a"', '"a", W/"b"', "gzip;q=0.5", "*;q=0"]
)
NAMES = [
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "If-Range",
    "Accept-Encoding",
]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), HEADER_TEXT), st.sampled_from(["GET", "HEAD"]))
def test_any_header_values_give_a_decision_never_an_error(headers, method):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    modified = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert evaluate(headers, method, EntityTag("a"), modified, now) in (None, 304, 412)
    assert range_applies(headers, EntityTag("a"), modified, now) in (True, False)
    assert accepts_gzip(headers.get("Accept-Encoding")) in (True, False)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC)),
        ("Sun Nov  6 08:49:37 1994", dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC)),
        # A two-digit year more than 50 years ahead is in the past century (RFC 9110 §5.6.7).
        ("Thursday, 01-Jan-76 00:00:00 GMT", dt.datetime(2076, 1, 1, tzinfo=dt.UTC)),
        ("Friday, 01-Jan-77 00:00:00 GMT", dt.datetime(1977, 1, 1, tzinfo=dt.UTC)),
        (" Sun, 06 Nov 1994 08:49:37 GMT\t", dt.datetime(1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC)),
        ("Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", None),
        ("Sun, 06 Nov 1994 08:49:37 +0000", None),
        ("Sun, 6 Nov 1994 08:49:37 GMT", None),
        ("sun, 06 nov 1994 08:49:37 gmt", None),
    ],
)
def test_http_date_forms(value, expected):
    assert parse_http_date(value, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == expected
