"""The anniversaries a document names in words: "Kỷ niệm 70 năm Chiến thắng
Điện Biên Phủ (7/5/1954 - 7/5/2024)", "45 năm cuộc chiến đấu bảo vệ biên giới
phía Bắc", "120 năm Ngày sinh đồng chí Trần Phú (01/5/1904 – 01/5/2024)"; a
name with an anniversary range and no "N năm"; a name with a lunar date
("Giỗ Tổ Hùng Vương (mùng 10 tháng 3 âm lịch)")."""

from __future__ import annotations

import re

from ..model import LunarRule, SolarDate
from . import countries, guess, phrases
from .items import Item, Kind
from .joining import Text

_ANCHOR = re.compile(r"(?<![\w/.,-])(?:kỷ\s+niệm\s+)?(\d{1,3})\s+năm\s+(?=\w)", re.I)
# Words just before or after "N năm" that make it a duration, not an
# anniversary ("gần 40 năm Đổi mới", "trong 5 năm qua", "kế hoạch 5 năm 2021-2025").
_NOT_BEFORE = {
    "gần", "hơn", "trên", "khoảng", "sau", "trong", "suốt", "qua", "mỗi", "hàng", "từ", "chừng",
    "ngót", "vòng", "thêm", "hạn", "đây", "thời", "hoạch", "kỳ", "dưới", "tới", "cả", "những",
}  # fmt: skip
_NOT_AFTER = {
    "qua", "tới", "trước", "sau", "nữa", "gần", "liền", "liên", "một", "rồi", "nay", "đầu", "cuối", "tuổi",
}  # fmt: skip
# Where a name ends: a clause mark, a bracket, an ellipsis, a comma, "v.v.", a
# bullet, a bold mark.
_STOP = re.compile(r"[;:()\[\]<>…]|\.(?:\s|$|\.)|,\s|\s+v\.v\b|\s\+\s|\*\*")
_CONNECTORS = re.compile(r"(?:\s*(?:,|và|các sự kiện|cùng|kỷ niệm)\s*)+$", re.I)
_LEADING = re.compile(r"^(?:\s*(?:kỷ niệm|và|các sự kiện|[-+*•])\s+)+", re.I)
_INLINE = re.compile(rf"(?:,\s*)?(?:(?:vào\s+)?ngày\s+)?({phrases.LUNAR}|{phrases.DATE})(?!\d)", re.I)
_TRAILING = re.compile(
    rf"\s*(?:\(\s*(?:ngày\s+)?(?P<a>{phrases.LUNAR}|{phrases.DATE}|{phrases.YEAR})"
    rf"(?:{phrases.DASH}(?P<b>{phrases.DATE}|{phrases.YEAR}))?\s*\)"
    rf"|,\s*(?:vào\s+)?ngày\s+(?P<c>{phrases.LUNAR}|{phrases.DATE}))",
    re.I,
)
_RANGE = re.compile(rf"\(\s*(?:ngày\s+)?({phrases.DATE}){phrases.DASH}({phrases.DATE})\s*\)", re.I)
_LUNAR = re.compile(rf"(?<!\w){phrases.LUNAR}", re.I)
_LEADING_MARKS = re.compile(r"^(?:\s*(?:và|các sự kiện|[-+*•])(?=\s))*\s*", re.I)
_MOST_WORDS = 30
_BACK = 200  # characters looked at before a date for the name it belongs to

Span = tuple[int, int]


def _origin(text: str | None) -> SolarDate | LunarRule | None:
    if not text:
        return None
    if re.search(r"âm\s+lịch|âl\b", text, re.I):
        return phrases.lunar(text)
    return phrases.solar(text)


def _clean(title: str) -> str:
    title = re.sub(r"[*_]+", "", title)
    title = _LEADING.sub("", title)
    title = _CONNECTORS.sub("", title)
    return " ".join(title.split()).strip(" ,.-–")


def _is_duration(joined: str, match: re.Match) -> bool:
    before = re.search(r"(\w+)\s+$", joined[max(0, match.start() - 20) : match.start()])
    after = joined[match.end() : match.end() + 20]
    following = re.match(r"\w+", after)
    if before and before.group(1).casefold() in _NOT_BEFORE:
        return True
    if following is None:
        return False
    return following.group().casefold() in _NOT_AFTER or re.match(r"\d{4}\b", after) is not None


def _item(text: Text, span: Span, title: str, origin, n, n_stated, year, kind=Kind.ANNIVERSARY) -> Item:
    category = guess.category(title)
    country = countries.named_in(title) if category == "diplomatic" else None
    return Item(
        kind,
        text.quote(*span),
        title,
        origin,
        n,
        n_stated,
        year,
        category,
        guess.observance(title, category),
        span[0],
        country=country,
    )


def _anchored(text: Text, year: int | None) -> list[tuple[Item, Span]]:
    joined = text.joined
    anchors = [m for m in _ANCHOR.finditer(joined) if not _is_duration(joined, m) and int(m.group(1)) > 0]
    found = []
    for index, anchor in enumerate(anchors):
        limit = anchors[index + 1].start() if index + 1 < len(anchors) else len(joined)
        stop = _STOP.search(joined, anchor.end(), limit)
        region_end = stop.start() if stop else limit
        region = joined[anchor.end() : region_end]
        end, first, last = anchor.end() + len(_CONNECTORS.sub("", region.rstrip())), None, None
        inline = _INLINE.search(region)
        if inline:
            region, first = region[: inline.start()], inline.group(1)
            end = anchor.end() + inline.end()
        else:
            trailing = _TRAILING.match(joined, region_end)
            if trailing:
                first, last = trailing.group("a") or trailing.group("c"), trailing.group("b")
                end = trailing.end()
        title = _clean(region)
        if not re.search(r"[^\W\d_]", title) or len(title.split()) > _MOST_WORDS:
            continue
        n = int(anchor.group(1))
        origin = _origin(first)
        if isinstance(origin, LunarRule):
            when = year
        elif origin is not None:
            when = origin.year + n
        else:
            ending = phrases.solar(last) if last else None
            when = ending.year if ending else year
        found.append(
            (_item(text, (anchor.start(), end), title, origin, n, True, when), (anchor.start(), end))
        )
    return found


def _name_before(joined: str, position: int) -> tuple[int, str] | None:
    """Where the name just before ``position`` starts (a bullet or "và" left
    out), and the name."""
    start = max(0, position - _BACK)
    stops = list(_STOP.finditer(joined, start, position))
    if stops:
        start = stops[-1].end()
    raw = joined[start:position]
    start += len(raw) - len(_LEADING_MARKS.sub("", raw))
    name = _clean(joined[start:position])
    if not re.search(r"[^\W\d_]", name) or len(name.split()) > _MOST_WORDS:
        return None
    return start, name


def _free(span: Span, taken: list[Span]) -> bool:
    return all(span[1] <= a or span[0] >= b for a, b in taken)


def _ranges(text: Text, taken: list[Span]) -> list[tuple[Item, Span]]:
    """A range of the same day and month, "Chiến thắng Điện Biên Phủ (7/5/1954 -
    7/5/2024)", is an anniversary even without "N năm"."""
    found = []
    for match in _RANGE.finditer(text.joined):
        origin, ending = phrases.solar(match.group(1)), phrases.solar(match.group(2))
        if not origin or not ending or ending.year <= origin.year:
            continue
        if (origin.month, origin.day) != (ending.month, ending.day) or not _free(match.span(), taken):
            continue
        named = _name_before(text.joined, match.start())
        if named is None:
            continue
        start, title = named
        span = (start, match.end())
        n = ending.year - origin.year
        found.append((_item(text, span, title, origin, n, True, ending.year), span))
    return found


def _lunar(text: Text, taken: list[Span]) -> list[tuple[Item, Span]]:
    found = []
    for match in _LUNAR.finditer(text.joined):
        rule = phrases.lunar(match.group())
        if rule is None or not _free(match.span(), taken):
            continue
        head = text.joined[max(0, match.start() - 10) : match.start()]
        bracket = len(head) - len(re.sub(r"\(?\s*$", "", head))  # a "(" and spaces before the date
        named = _name_before(text.joined, match.start() - bracket)
        if named is None:
            continue
        start, title = named
        title = re.sub(r"\s*(?:,|\(|vào|ngày|mùng|mồng)\s*$", "", title, flags=re.I).strip()
        if len(title.split()) < 2:
            continue
        end = match.end()
        if text.joined[match.start() - 1 : match.start()] == "(" and text.joined[end : end + 1] == ")":
            end += 1
        span = (start, end)
        found.append((_item(text, span, title, rule, None, False, None), span))
    return found


def find(text: Text, year: int | None) -> list[tuple[Item, Span]]:
    """Every anniversary named in words, with the span of its quote in ``text.joined``."""
    found = _anchored(text, year)
    taken = [span for _, span in found]
    found += _ranges(text, taken)
    taken = [span for _, span in found]
    found += _lunar(text, taken)
    return found
