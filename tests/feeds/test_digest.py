"""An entry's content digest: the stamps in every database were computed from
``json.dumps(core, ensure_ascii=False)``; the direct writer must give the very
same text, or every stamp would move (a new SEQUENCE for every event)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_service.feeds.entries import Entry, digest_text

# Any text: combining marks, emoji, quotes, backslashes, controls, lone surrogates.
_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))


@settings(max_examples=400)
@given(
    uid=_text,
    summary=_text,
    description=_text,
    categories=st.lists(_text, max_size=4).map(tuple),
    url=_text,
    start=st.dates(),
)
def test_digest_text_is_json_dumps(uid, summary, description, categories, url, start):
    core = [uid, start.isoformat(), summary, description, categories, url]
    assert digest_text(core) == json.dumps(core, ensure_ascii=False)


def test_digest_of_a_known_entry_is_unchanged():
    """The digest of one entry as the release before computed it (json.dumps)."""
    entry = Entry(
        "dien-bien-phu-2024.vi@lich.example.org",
        dt.date(2024, 5, 7),
        "70 năm Chiến thắng Điện Biên Phủ",
        'Dòng 1\n"trích" \\ ; , 🎉',
        ("Lịch sử", "Năm tròn"),
        "https://lich.example.org/entries/dien-bien-phu?lang=vi",
        ((30, "[Còn 30 ngày] …"),),
    )
    core = [entry.uid, "2024-05-07", entry.summary, entry.description, list(entry.categories), entry.url]
    expected = hashlib.sha256(json.dumps(core, ensure_ascii=False).encode()).hexdigest()
    assert entry.digest() == expected
