"""The filtered feed (/feeds/filtered.ics?…) as a calendar client and a shared
cache see it: its own address as SOURCE, a name saying what it holds, and a
language that follows Accept-Language only with Vary saying so."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from feedparsers import PARSERS

QUERY = "/feeds/filtered.ics?milestone=tron&country=se&category=diplomatic"


def fetch(client, url, tmp_path, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    path = tmp_path / f"feed-{len(list(tmp_path.iterdir()))}.ics"
    path.write_bytes(response.data)
    return response, path


def source_of(data: bytes) -> str:
    import icalendar

    return str(icalendar.Calendar.from_ical(data)["SOURCE"])


def test_filtered_feed_source_is_its_own_address(client, tmp_path):
    """SOURCE pointed at /feeds/<lang>/filtered.ics, a 404."""
    vi = client.get(QUERY, headers={"Accept-Language": "vi"})
    assert source_of(vi.data).endswith("milestone=tron&lang=vi"), "the language it was built in"
    response, _ = fetch(client, QUERY + "&lang=en", tmp_path)
    source = source_of(response.data)
    assert source == (
        "http://127.0.0.1:8000/feeds/filtered.ics?category=diplomatic&country=SE&milestone=tron&lang=en"
    )
    again = client.get(urlsplit(source)._replace(scheme="", netloc="").geturl())
    assert again.status_code == 200 and again.data == response.data


@pytest.mark.parametrize("parser", sorted(PARSERS))
def test_filtered_feed_is_named_by_its_filters(parser, client, tmp_path):
    """Every selection was called "Anniversaries – selection"."""
    _, en = fetch(client, QUERY + "&lang=en", tmp_path)
    _, vi = fetch(client, QUERY + "&lang=vi", tmp_path)
    _, search = fetch(client, "/feeds/filtered.ics?q=Điện Biên; Phủ&milestone=milestones&lang=en", tmp_path)
    results = PARSERS[parser]([en, vi, search])
    assert results[str(en)]["name"] == "Anniversaries – diplomatic relations, Sweden, năm tròn"
    assert results[str(vi)]["name"] == "Lịch kỷ niệm – quan hệ ngoại giao, Thụy Điển, năm tròn"
    assert results[str(search)]["name"] == "Anniversaries – năm tròn and năm chẵn, matching “Điện Biên; Phủ”"
    assert results[str(en)]["caldesc"] == (
        "Anniversaries chosen by the feed's address: diplomatic relations, Sweden, năm tròn."
    )


def test_filtered_feed_without_lang_varies_on_accept_language(client):
    """Without lang= the language followed Accept-Language under Cache-Control:
    public, with no Vary: a shared cache could hand Vietnamese to English readers."""
    vi = client.get(QUERY, headers={"Accept-Language": "vi"})
    en = client.get(QUERY, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "public" in vi.headers["Cache-Control"]
    assert b"X-WR-CALNAME;VALUE=TEXT:L\xe1\xbb\x8bch k\xe1\xbb\xb7 ni\xe1\xbb\x87m" in vi.data
    assert b"X-WR-CALNAME;VALUE=TEXT:Anniversaries" in en.data
    for response in (vi, en):
        assert "Accept-Language" in response.vary
    revalidated = client.get(QUERY, headers={"Accept-Language": "en", "If-None-Match": en.headers["ETag"]})
    assert revalidated.status_code == 304 and "Accept-Language" in revalidated.vary
    fixed = client.get(QUERY + "&lang=en", headers={"Accept-Language": "vi"})
    assert b"Anniversaries" in fixed.data and "Accept-Language" not in fixed.vary
