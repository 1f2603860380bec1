"""Guesses an editor reviews: a category and an observance from the words of a
title, the year a document is about, and an id for a new entry."""

from __future__ import annotations

import re
from collections import Counter

from ..dates.anniversaries import fold
from ..model import Observance
from . import phrases

PEOPLE = "people"  # birth anniversaries of leaders ("Ngày sinh đồng chí …")

# Phrases (accent-folded) that decide a category, first rule first.
_CATEGORY_RULES = (
    (PEOPLE, ("ngay sinh", "sinh nhat", "nam sinh")),
    ("diplomatic", ("quan he ngoai giao", "thiet lap quan he")),
    (
        "borders-seas",
        ("bien gioi", "bien dao", "hoang sa", "truong sa", "gac ma", "hai chien", "phan gioi", "cam moc"),
    ),
    (
        "armed-forces",
        ("quan doi", "quoc phong", "hai quan", "bo doi", "cong an", "vu trang", "bien phong", "khong quan"),
    ),
    ("documents", ("nghi quyet", "chi thi", "ket luan", "quyet dinh", "hien phap", "cuong linh", "di chuc")),
    (
        "holiday",
        ("quoc khanh", "tet", "quoc te lao dong", "giai phong mien nam", "thanh lap dang", "gio to"),
    ),
)
# Named days marked every year ("Ngày Giải phóng Thủ đô"), unlike signings and births.
_NOT_YEARLY_DAYS = {"ky", "thiet", "sinh"}
_SLUG_SKIP = {"cua", "va", "ve", "o", "cac", "nhung", "voi", "trong", "tren", "ky", "niem"}


def words(text: str) -> list[str]:
    """Accent-folded words ("Điện Biên phủ" -> dien, bien, phu)."""
    return re.findall(r"\w+", fold(text).replace("_", " "))


def category(title: str) -> str:
    padded = " " + " ".join(words(title)) + " "
    for name, phrases_ in _CATEGORY_RULES:
        if any(f" {phrase} " in padded for phrase in phrases_):
            return name
    return "historical"


def observance(title: str, category_: str) -> Observance:
    """National days are marked every year; relations, documents, births and
    most events on their milestones (the registry's own practice)."""
    if category_ == "holiday":
        return Observance.YEARLY
    folded = words(title)
    if (
        category_ in ("historical", "armed-forces")
        and len(folded) > 1
        and folded[0] == "ngay"
        and folded[1] not in _NOT_YEARLY_DAYS
    ):
        return Observance.YEARLY
    return Observance.MILESTONES


def slug(title: str, most: int = 6) -> str:
    found = words(title)
    if len(found) > 2 and found[0] == "ngay":
        found = found[1:]
    kept = [w for w in found if w not in _SLUG_SKIP][:most]
    return "-".join(kept) or "entry"


_RANGE = re.compile(
    rf"\(\s*({phrases.DATE}|{phrases.YEAR}){phrases.DASH}({phrases.DATE}|{phrases.YEAR})\s*\)", re.I
)
_HEADING_YEAR = re.compile(r"(?<!tháng \d )(?<!tháng \d\d )\bnăm\s+(\d{4})\b", re.I)
_ISSUED = re.compile(r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+(\d{4})", re.I)


def document_year(joined: str) -> tuple[int | None, str]:
    """The year a guidance document is about, and how it was found: the year
    its anniversary ranges end in ("(7/5/1954 - 7/5/2024)"), else the year of
    its heading ("… năm 2024"), else the year it was issued."""
    ends: Counter[int] = Counter()
    for match in _RANGE.finditer(joined):
        start, end = phrases.solar(match.group(1)), phrases.solar(match.group(2))
        if start and end and end.year > start.year:
            ends[end.year] += 1
    if ends:
        return ends.most_common(1)[0][0], "ranges"
    head = joined[:800]
    heading = _HEADING_YEAR.search(head)
    if heading:
        return int(heading.group(1)), "heading"
    issued = _ISSUED.search(head)
    if issued:
        return int(issued.group(1)), "issued"
    return None, "unknown"
