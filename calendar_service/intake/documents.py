"""Party and state documents a guidance cites with their date ("Kết luận số
57-KL/TW, ngày 15/6/2023 của Bộ Chính trị về …"): candidates for the
documents category, one per document however often it is cited."""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Observance, SolarDate
from . import phrases
from .items import Item, Kind
from .joining import Text

_KINDS = (
    r"Kết\s+luận|Nghị\s+quyết|Chỉ\s+thị|Quyết\s+định|Kế\s+hoạch|Hướng\s+dẫn|Công\s+văn|Thông\s+báo"
    r"|Quy\s+định|Nghị\s+định|Thông\s+tư|Đề\s+án|Luật"
)
_NUMBER = r"\d+(?:/\d{4})?(?:\s?-\s?|/)[A-ZĐ][A-Za-zĐđ0-9]*(?:[-/][A-Za-zĐđ0-9]+)*"
_CITED = re.compile(
    rf"(?<!\w)(?P<kind>{_KINDS})\s+(?:số\s+)?(?P<number>{_NUMBER})\s*,?\s*(?:ban\s+hành\s+)?ngày\s+"
    rf"(?P<date>{phrases.DATE})(?!\d)",
    re.I,
)
_END = re.compile(
    rf"[;()\[\]<]|\.(?:\s|$)|,?\s+v\.v\b|,\s+(?=(?:{_KINDS})\b)|\s+và\s+(?=(?:{_KINDS})\b)", re.I
)
_ISSUER = re.compile(r"\s*của\s+(.+?)(?=\s*,|\s+[“\"]?về\s|\s+và\s|$)", re.S)
_ISSUER_WORDS = 8  # "Ban Chấp hành Trung ương Đảng"; a longer one ran into other text
_SUBJECT = re.compile(r"\s*[“\"]?về\s", re.S)
_LONGEST = 300

Span = tuple[int, int]


def _rest(joined: str, start: int) -> int:
    """Where the issuer and subject after a cited document's date end."""
    limit = min(len(joined), start + _LONGEST)
    end = _END.search(joined, start, limit)
    stop = end.start() if end else max(joined.rfind(",", start, limit), start)
    rest = joined[start:stop]
    # A subject in quotation marks right after the issuer ends with them.
    opened = re.match(r"^\s*(?:của\s+(?:(?!\svề\s)[^“”])*?)?[“\"]về\s", rest)
    if opened:
        closing = rest.find("”", opened.end())
        if closing >= 0:
            return start + closing + 1
    return start + len(rest.rstrip(" ,"))


def _compact(number: str) -> str:
    return re.sub(r"\s+", "", number)


def _title(kind: str, number: str, rest: str) -> tuple[str, int]:
    """The document's title ("Kết luận số 57-KL/TW của Bộ Chính trị về …") from
    its kind, number and the words after its date, and how many of those words
    the title takes (the issuer and the subject; what follows "và" is not its)."""
    kind = " ".join(kind.split())
    parts = [f"{kind[:1].upper()}{kind[1:].lower()} số {_compact(number)}"]
    used = 0
    issuer = _ISSUER.match(rest)
    if issuer and len(issuer.group(1).split()) > _ISSUER_WORDS:
        return parts[0], 0
    if issuer:
        parts.append(f"của {issuer.group(1).strip()}")
        used = issuer.end()
    if _SUBJECT.match(rest, used):
        parts.append(rest[used:])
        used = len(rest)
    return re.sub(r"[*_“”\"]+", "", " ".join(" ".join(parts).split())), used


def find(text: Text, year: int | None) -> list[tuple[Item, Span]]:
    joined = text.joined
    best: dict[tuple, tuple[Item, Span]] = {}
    first: dict[tuple, int] = {}
    for match in re.finditer(rf"(?<!\w)(?:{_KINDS})", joined, re.I):
        cited = _CITED.match(joined, match.start())
        if not cited:
            continue
        origin = phrases.solar(cited.group("date"))
        if origin is None or not isinstance(origin, SolarDate):
            continue
        rest_end = _rest(joined, cited.end())
        title, used = _title(cited.group("kind"), cited.group("number"), joined[cited.end() : rest_end])
        end = cited.end() + used
        n = year - origin.year if year is not None and year > origin.year else None
        item = Item(
            Kind.DOCUMENT,
            text.quote(match.start(), end),
            title,
            origin,
            n,
            False,
            year if n is not None else None,
            "documents",
            Observance.MILESTONES,
            match.start(),
            number=_compact(cited.group("number")),
        )
        key = (
            " ".join(cited.group("kind").casefold().split()),
            re.sub(r"\D.*", "", cited.group("number")),
            origin,
        )
        # The first mention that gives the subject ("về …") is the document's title.
        first.setdefault(key, match.start())
        if key not in best or (" về " not in best[key][0].title and " về " in item.title):
            best[key] = (item, (match.start(), end))
    return [(replace(item, position=first[key]), span) for key, (item, span) in best.items()]
