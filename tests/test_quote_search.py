"""Quotes are looked up in their documents in one pass (an index of word
starts) instead of one search of the whole text each; Python's ``in`` is the
oracle: the same quotes are found, whatever the text and the quotes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_service.registry.checks import _quotes_found, normalise

WORDS = st.sampled_from(
    ["Kỷ", "niệm", "70", "năm", "Điện", "Biên", "phủ", "(7/5/1954", "-", "7/5/2024)", "“về", "a"]
)
texts = st.lists(WORDS | st.text(max_size=6), max_size=60).map(lambda words: normalise(" ".join(words)))


@settings(max_examples=500, deadline=None)
@given(
    texts,
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 80)), max_size=8),
    st.lists(texts, max_size=3),
)
def test_quotes_found_as_python_finds_them(text, slices, others):
    quotes = {normalise(text[start : start + length]) for start, length in slices} | set(others)
    quotes.discard("")
    assert _quotes_found(text, quotes) == {quote for quote in quotes if quote in text}


def test_long_quotes_that_share_their_start_are_told_apart():
    text = normalise("Kỷ niệm sự kiện số 1 tại Huế (1/2/1950); Kỷ niệm sự kiện số 12 tại Huế (1/2/1950);")
    quotes = {
        "Kỷ niệm sự kiện số 1 tại Huế",
        "Kỷ niệm sự kiện số 12 tại Huế",
        "Kỷ niệm sự kiện số 13 tại Huế",
    }
    assert _quotes_found(text, quotes) == quotes - {"Kỷ niệm sự kiện số 13 tại Huế"}
