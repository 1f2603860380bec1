"""Dates as the guidance documents write them, and their parsing.

Solar dates: 7/5/1954, 07-5-1954, 7.5.1954, "ngày 7 tháng 5 năm 1954", to the
month (5/1954, "tháng 5 năm 1954") and, inside a range only, to the year
("(1904 - 2024)"). Lunar dates: "mùng 10 tháng 3 âm lịch", "10/3 âm lịch",
"rằm tháng Giêng âm lịch". The patterns are strings to embed in larger ones;
``solar`` and ``lunar`` parse what they matched.
"""

from __future__ import annotations

import datetime as dt
import re

from ..model import LunarRule, SolarDate

_D = r"\d{1,2}"
_Y = r"\d{4}"
# A date to the day or the month, in any of the documents' forms.
DATE = (
    rf"(?:{_D}/{_D}/{_Y}|{_D}-{_D}-{_Y}|{_D}\.{_D}\.{_Y}"
    rf"|(?:ngày\s+)?{_D}\s+tháng\s+{_D}\s*(?:năm\s+|,\s*)?{_Y}"
    rf"|tháng\s+{_D}\s*(?:năm\s+|/\s*){_Y}|{_D}/{_Y})"
)
# A year alone: only inside a range in brackets, "(1904 - 2024)".
YEAR = rf"(?:{_Y})"
_MONTH_WORDS = r"\d{1,2}|giêng|chạp"
LUNAR = (
    rf"(?:(?:ngày|mùng|mồng)\s+)?(?:{_D}|rằm)\s*(?:tháng\s+(?:{_MONTH_WORDS})|/\s*{_D})"
    rf"(?:\s+năm\s+\w+\s+\w+)?\s*\(?\s*(?:âm\s+lịch|âl)\b\s*\)?"
)
DASH = r"\s*[-–—]\s*"

_NUMBERS = re.compile(r"\d+")
_LUNAR_MONTHS = {"giêng": 1, "chạp": 12}


def _real(year: int, month: int | None, day: int | None) -> SolarDate | None:
    if not 1000 <= year <= 2999:
        return None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return SolarDate(year, month, day)


def solar(text: str) -> SolarDate | None:
    """The date a DATE or YEAR match names, or None when it is not a real date."""
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if len(numbers) == 3:
        return _real(numbers[2], numbers[1], numbers[0])
    if len(numbers) == 2:
        return _real(numbers[1], numbers[0], None)
    if len(numbers) == 1:
        return _real(numbers[0], None, None)
    return None


def lunar(text: str) -> LunarRule | None:
    """The lunar day and month a LUNAR match names."""
    lowered = text.casefold()
    day_match = re.search(r"\d{1,2}|rằm", lowered)
    month_match = re.search(rf"(?:tháng\s+|/\s*)({_MONTH_WORDS})", lowered)
    if not day_match or not month_match:
        return None
    day = 15 if day_match.group() == "rằm" else int(day_match.group())
    word = month_match.group(1)
    month = _LUNAR_MONTHS[word] if word in _LUNAR_MONTHS else int(word)
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    return LunarRule(month, day)
