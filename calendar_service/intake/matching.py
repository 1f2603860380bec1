"""Whether the registry already has what a document names.

An entry is the same anniversary when it has the same origin date (and the
titles share words), the same partner country, the same document number, or
a close title: accent-folded words, one title inside the other or a Dice
coefficient of at least 0.6 against the entry's Vietnamese title or the words
it already quotes. A match by anything but the date whose date disagrees with
the document's is a conflict, as validation reports one (Sweden: 11/1/1969 in
164-HD/BTGTU, 11/6/1969 in 94-HD/BTGTU).
"""

from __future__ import annotations

import re

from ..model import Event, LunarRule, Registry, SolarDate, YearlyRule
from . import guess
from .items import Item, Kind, Match, Status

TITLE_MATCH = 0.6  # a close title
SAME_DATE_FLOOR = 0.2  # the same date and some words in common
_IGNORED = {"ngay", "cua", "va", "ve", "o", "cac", "nhung", "voi", "la", "niem"}
_QUOTE_NOISE = re.compile(r"(?:kỷ\s+niệm\s+)?\d{1,3}\s+năm\s+|\([^)]*\)", re.I)


def _tokens(text: str) -> list[str]:
    """Folded words that tell titles apart (not "ngày", "của", "Việt Nam" …)."""
    folded = " ".join(guess.words(text)).replace("viet nam", " ")
    return [w for w in folded.split() if w not in _IGNORED]


def _contains(long: list[str], short: list[str]) -> bool:
    return len(short) >= 2 and f" {' '.join(short)} " in f" {' '.join(long)} "


def similarity(a: str, b: str) -> float:
    """1.0 when one title holds the other's words in order; else the Dice
    coefficient of their accent-folded words."""
    first, second = _tokens(a), _tokens(b)
    if not first or not second:
        return 0.0
    if _contains(first, second) or _contains(second, first):
        return 1.0
    common = len(set(first) & set(second))
    return 2 * common / (len(set(first)) + len(set(second)))


def _score(item: Item, event: Event) -> float:
    texts = [event.title.vi] + [_QUOTE_NOISE.sub(" ", c.quote) for c in event.sources if c.quote]
    return max(similarity(item.title, text) for text in texts)


def _compatible(mine: SolarDate, theirs: SolarDate | YearlyRule) -> bool:
    """The same date at the precision both know (1969 agrees with 11/1/1969)."""
    pairs = ((mine.year, theirs.year), (mine.month, theirs.month), (mine.day, theirs.day))
    return all(a == b for a, b in pairs if a is not None and b is not None)


def _verdict(item: Item, event: Event, by: str, document: str | None) -> Match:
    cited = document is not None and any(c.document == document for c in event.sources)
    known = Match(Status.KNOWN, event.id, by, cited=cited)
    theirs = event.origin
    if isinstance(theirs, LunarRule) or isinstance(item.origin, LunarRule):
        if isinstance(theirs, LunarRule) and isinstance(item.origin, LunarRule):
            if (theirs.month, theirs.day) != (item.origin.month, item.origin.day):
                return Match(
                    Status.CONFLICT,
                    event.id,
                    by,
                    f"{theirs.day}/{theirs.month}",
                    f"{item.origin.day}/{item.origin.month}",
                    event.resolution,
                    cited,
                )
        return known
    if isinstance(item.origin, SolarDate):
        if _compatible(item.origin, theirs):
            return known
        mine = item.origin.iso()
    else:
        implied = item.origin_year
        if implied is None or implied == theirs.year:
            return known
        mine = str(implied)
    return Match(Status.CONFLICT, event.id, by, theirs.iso(), mine, event.resolution, cited)


def _count(item: Item, registry: Registry) -> Match:
    for count in registry.declared_counts:
        if count.category == item.category and count.year == item.year:
            if count.count == item.count:
                return Match(Status.KNOWN, count.id, "count")
            return Match(Status.CONFLICT, count.id, "count", str(count.count), str(item.count))
    return Match(Status.NEW)


def _best(item: Item, events: list[Event], floor: float) -> Event | None:
    """The closest title among ``events`` (ties: the year implied agrees, then
    the category), if it is at least ``floor``."""
    ranked = []
    for event in events:
        score = _score(item, event)
        if score >= floor:
            agrees = item.origin_year is not None and event.origin.year == item.origin_year
            ranked.append((score, agrees, event.category == item.category, event))
    if not ranked:
        return None
    return max(ranked, key=lambda entry: entry[:3])[3]


def _compact(text: str) -> str:
    return re.sub(r"\W", "", " ".join(guess.words(text)))


def _same_number(item: Item, event: Event) -> bool:
    """The entry's title starts with the cited document's kind and number
    ("Kết luận số 57-KL/TW …"), however they are spaced."""
    head = item.title.split(item.number or "\0", 1)[0] + (item.number or "")
    return bool(item.number) and _compact(event.title.vi).startswith(_compact(head))


def _document(item: Item, events: list[Event], document: str | None) -> Match:
    """A cited document is an entry with its number, or with its date and a
    close title; documents with other numbers are other documents."""
    same = [e for e in events if _same_number(item, e)]
    if same:
        return _verdict(item, same[0], "number", document)
    dated = [e for e in events if isinstance(e.origin, SolarDate) and e.origin == item.origin]
    found = _best(item, dated, TITLE_MATCH)
    return _verdict(item, found, "date", document) if found else Match(Status.NEW)


def match(item: Item, registry: Registry, document: str | None) -> Match:
    """What the registry says about ``item`` (``document``: the registry
    document the item comes from, if the file is one)."""
    if item.kind is Kind.COUNT:
        return _count(item, registry)
    events = list(registry.events)
    if item.kind is Kind.DOCUMENT:
        return _document(item, events, document)
    if isinstance(item.origin, SolarDate) and item.origin.month is not None:
        same = [e for e in events if isinstance(e.origin, SolarDate) and e.origin == item.origin]
        found = _best(item, same, SAME_DATE_FLOOR)
        if found:
            return _verdict(item, found, "date", document)
    if isinstance(item.origin, LunarRule):
        same = [
            e
            for e in events
            if isinstance(e.origin, LunarRule)
            and (e.origin.month, e.origin.day) == (item.origin.month, item.origin.day)
        ]
        found = _best(item, same, SAME_DATE_FLOOR)
        if found:
            return _verdict(item, found, "lunar", document)
    if item.country is not None:
        same = [e for e in events if e.country == item.country and e.category == item.category]
        if same:
            return _verdict(item, same[0], "country", document)
        if item.kind is Kind.PARTNER:
            return Match(Status.NEW)
        # Relations with another country are another anniversary, however alike the titles.
        events = [e for e in events if e.country in (None, item.country)]
    found = _best(item, events, TITLE_MATCH)
    if found:
        return _verdict(item, found, "title", document)
    return Match(Status.NEW)
