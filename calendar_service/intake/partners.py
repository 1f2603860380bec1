"""Diplomatic partners with a date ("Vương quốc Thụy Điển (11/1/1969)") and the
counts documents declare ("kỷ niệm ngày thiết lập quan hệ ngoại giao với 26
quốc gia"), read only in paragraphs about diplomatic relations."""

from __future__ import annotations

import re

from ..model import Observance
from . import countries, phrases
from .items import Item, Kind
from .joining import Text

_DATED = re.compile(rf"\(\s*(?:ngày\s+)?({phrases.DATE})\s*\)", re.I)
_COUNT = re.compile(r"\b(?:với|của|cùng)\s+(\d{1,3})\s+(?:quốc\s+gia|nước|đối\s+tác)\b", re.I)
_CLAUSE = re.compile(r"[;:.,]\s|[;:]|\*\*|>")
_CONTEXT = 700  # characters before a date searched for the start of its sentence
_SENTENCE = re.compile(r"(?<!v\.v)[.!?…](?=\s)|\s[-+•]\s(?=[A-ZĐ])|<sup>|\*\*")
_DIPLOMATIC = ("ngoại giao", "đối tác")

Span = tuple[int, int]


def _diplomatic(joined: str, position: int) -> bool:
    """Whether the sentence (or list item) ``position`` is in speaks of
    diplomatic relations or partners."""
    start = max(0, position - _CONTEXT)
    breaks = list(_SENTENCE.finditer(joined, start, position))
    if breaks:
        start = breaks[-1].end()
    limit = min(len(joined), position + _CONTEXT)
    end = _SENTENCE.search(joined, position, limit)
    context = joined[start : end.start() if end else limit].casefold()
    return any(word in context for word in _DIPLOMATIC)


def _free(span: Span, taken: list[Span]) -> bool:
    return all(span[1] <= a or span[0] >= b for a, b in taken)


def partners(text: Text, year: int | None, taken: list[Span]) -> list[tuple[Item, Span]]:
    joined = text.joined
    found = []
    for match in _DATED.finditer(joined):
        origin = phrases.solar(match.group(1))
        if origin is None or not _free(match.span(), taken) or not _diplomatic(joined, match.start()):
            continue
        words = list(re.finditer(r"\S+", joined[max(0, match.start() - 120) : match.start()]))
        named = countries.before([w.group() for w in words])
        if named is None:
            continue
        code, size = named
        start = max(0, match.start() - 120) + words[-size].start()
        n = year - origin.year if year is not None and year > origin.year else None
        title = f"Ngày thiết lập quan hệ ngoại giao Việt Nam – {countries.vietnamese_name(code)}"
        span = (start, match.end())
        item = Item(
            Kind.PARTNER,
            text.quote(*span),
            title,
            origin,
            n,
            False,
            year if n is not None else None,
            "diplomatic",
            Observance.MILESTONES,
            start,
            country=code,
        )
        found.append((item, span))
    return found


def counts(text: Text, year: int | None) -> list[tuple[Item, Span]]:
    joined = text.joined
    found = []
    for match in _COUNT.finditer(joined):
        clauses = list(_CLAUSE.finditer(joined, max(0, match.start() - 300), match.start()))
        start = clauses[-1].end() if clauses else max(0, match.start() - 300)
        if not _diplomatic(joined, match.start()):
            continue
        span = (start, match.end())
        quote = text.quote(*span)
        item = Item(
            Kind.COUNT,
            quote,
            quote,
            None,
            None,
            False,
            year,
            "diplomatic",
            Observance.MILESTONES,
            start,
            count=int(match.group(1)),
        )
        found.append((item, span))
    return found
