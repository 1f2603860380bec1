"""An entry's content digest: the stamps in every database were computed from
``json.dumps(core, ensure_ascii=False)``; the text Entry.digest writes directly
must be the very same, or every stamp would move (a new SEQUENCE for every
event of every feed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_service.feeds.entries import Entry

# Any text: combining marks, emoji, quotes, backslashes, control characters.
_text = st.text(st.characters(codec="utf-8"))


def _oracle(entry: Entry) -> str:
    core = [entry.uid, entry.start.isoformat(), entry.summary, entry.description, entry.categories, entry.url]
    return hashlib.sha256(json.dumps(core, ensure_ascii=False).encode()).hexdigest()


@settings(max_examples=400)
@given(
    uid=_text,
    summary=_text,
    description=_text,
    categories=st.lists(_text, max_size=4).map(tuple),
    url=_text,
    start=st.dates(),
)
def test_digest_is_that_of_json_dumps(uid, summary, description, categories, url, start):
    entry = Entry(uid, start, summary, description, categories, url)
    assert entry.digest() == _oracle(entry)


def test_digest_of_a_known_entry_is_unchanged():
    """The digest of one entry, as the release before computed it."""
    entry = Entry(
        "dien-bien-phu-2024.vi@lich.example.org",
        dt.date(2024, 5, 7),
        "70 năm Chiến thắng Điện Biên Phủ",
        'Dòng 1\n"trích" \\ ; , 🎉\x07',
        ("Lịch sử", "Năm tròn"),
        "https://lich.example.org/entries/dien-bien-phu?lang=vi",
        ((30, "[Còn 30 ngày] …"),),
    )
    assert entry.digest() == _oracle(entry)
    assert entry.digest() == "85f10fbf34b72e2b2470cac44548676a39fdbec0fba7e613c99cb304b0b6f74f"
