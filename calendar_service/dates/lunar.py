"""The Vietnamese lunisolar calendar (âm lịch), computed for UTC+7.

The Vietnamese calendar follows the same rules as the Chinese one but reckons
new moons and solar terms at the meridian of UTC+7 instead of UTC+8, so the two
differ in some years (Tết 1985 and 2007, for instance). This module implements
the astronomical method published by Hồ Ngọc Đức ("Thuật toán tính âm lịch"),
which is the reference used for Vietnamese calendar tables, with new moons and
solar longitudes from Jean Meeus, "Astronomical Algorithms". Results agree with
the Vietnamese tables of the ``holidays`` package for every year they cover
(tests/test_lunar.py checks 1901-2100).

Day numbers are Julian Day Numbers (integers, noon-based).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

TIMEZONE_HOURS = 7.0  # Asia/Ho_Chi_Minh, the meridian of the Vietnamese calendar

# Years for which the method is known to reproduce the official tables. Dates
# outside this range are still computed but flagged as estimated.
RELIABLE_YEARS = range(1900, 2101)

_SYNODIC_MONTH = 29.530588853
_JD_1900_NEW_MOON = 2415021.076998695
_ORDINAL_TO_JDN = 1721425  # date(1, 1, 1).toordinal() == 1 is JDN 1721426


@dataclass(frozen=True, order=True)
class LunarDate:
    """A day of the Vietnamese lunisolar calendar."""

    year: int
    month: int
    day: int
    leap: bool = False


def _jdn(day: dt.date) -> int:
    return day.toordinal() + _ORDINAL_TO_JDN


def _date(jdn: int) -> dt.date:
    return dt.date.fromordinal(jdn - _ORDINAL_TO_JDN)


def _new_moon(k: int) -> float:
    """Julian date (UT) of the k-th new moon after 1 January 1900 (Meeus ch. 49)."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 -= 0.4068 * math.sin(mpr * dr) - 0.0161 * math.sin(dr * 2 * mpr)
    c1 -= 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 -= 0.0074 * math.sin(dr * (m - mpr)) - 0.0004 * math.sin(dr * (2 * f + m))
    c1 -= 0.0004 * math.sin(dr * (2 * f - m)) + 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - delta_t


def _new_moon_day(k: int, tz: float) -> int:
    """Day number, in local time, of the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jd: float) -> float:
    """Apparent solar longitude in radians, 0..2π, at Julian date ``jd`` (UT)."""
    t = (jd - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    lon = (l0 + dl) * dr
    return lon - 2 * math.pi * math.floor(lon / (2 * math.pi))


def _sun_sector(day_number: int, tz: float) -> int:
    """Which of the 12 major solar terms (0..11) the sun is in at local midnight."""
    return math.floor(_sun_longitude(day_number - 0.5 - tz / 24) / math.pi * 6)


def _month11_start(year: int, tz: float) -> int:
    """Day number of the first day of the 11th lunar month (the winter-solstice month)."""
    offset = _jdn(dt.date(year, 12, 31)) - 2415021
    k = math.floor(offset / _SYNODIC_MONTH)
    start = _new_moon_day(k, tz)
    if _sun_sector(start, tz) >= 9:
        start = _new_moon_day(k - 1, tz)
    return start


def _leap_month_offset(a11: int, tz: float) -> int:
    """Offset, in months after month 11, of the month with no major solar term."""
    k = math.floor((a11 - _JD_1900_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _sun_sector(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            break
    return i - 1


def _leap_in_span(year: int, tz: float) -> int | None:
    """Leap month number between month 11 of ``year`` - 1 and month 11 of ``year``."""
    a11 = _month11_start(year - 1, tz)
    if _month11_start(year, tz) - a11 <= 365:
        return None
    return (_leap_month_offset(a11, tz) - 2) % 12 or 12


def leap_month(lunar_year: int, tz: float = TIMEZONE_HOURS) -> int | None:
    """The month number that is doubled in ``lunar_year`` (Tết to Tết), or None.

    A leap 11th or 12th month belongs to the year whose 11th month precedes it,
    as in 2033 (leap 11).
    """
    early = _leap_in_span(lunar_year, tz)
    if early is not None and early <= 10:
        return early
    late = _leap_in_span(lunar_year + 1, tz)
    if late is not None and late >= 11:
        return late
    return None


def to_solar(lunar: LunarDate, tz: float = TIMEZONE_HOURS) -> dt.date:
    """Gregorian date of a lunar date.

    Raises ValueError for a lunar date that does not exist (a leap month that the
    year does not have, or day 30 of a 29-day month).
    """
    if not 1 <= lunar.month <= 12 or not 1 <= lunar.day <= 30:
        raise ValueError(f"no lunar month {lunar.month} day {lunar.day}")
    if lunar.month < 11:
        a11 = _month11_start(lunar.year - 1, tz)
        b11 = _month11_start(lunar.year, tz)
    else:
        a11 = _month11_start(lunar.year, tz)
        b11 = _month11_start(lunar.year + 1, tz)
    k = math.floor(0.5 + (a11 - _JD_1900_NEW_MOON) / _SYNODIC_MONTH)
    off = (lunar.month - 11) % 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, tz)
        leap = (leap_off - 2) % 12 or 12
        if lunar.leap and lunar.month != leap:
            raise ValueError(f"lunar year {lunar.year} has no leap month {lunar.month}")
        if lunar.leap or off >= leap_off:
            off += 1
    elif lunar.leap:
        raise ValueError(f"lunar year {lunar.year} has no leap month")
    start = _new_moon_day(k + off, tz)
    if lunar.day == 30 and _new_moon_day(k + off + 1, tz) - start < 30:
        raise ValueError(f"lunar month {lunar.month} of {lunar.year} has 29 days")
    return _date(start + lunar.day - 1)


def from_solar(day: dt.date, tz: float = TIMEZONE_HOURS) -> LunarDate:
    """Lunar date of a Gregorian date."""
    day_number = _jdn(day)
    k = math.floor((day_number - _JD_1900_NEW_MOON) / _SYNODIC_MONTH) + 1
    month_start = _new_moon_day(k, tz)
    while month_start > day_number:  # the mean-month estimate can be ahead by a month
        k -= 1
        month_start = _new_moon_day(k, tz)
    a11 = _month11_start(day.year, tz)
    b11 = a11
    if a11 >= month_start:
        lunar_year = day.year
        a11 = _month11_start(day.year - 1, tz)
    else:
        lunar_year = day.year + 1
        b11 = _month11_start(day.year + 1, tz)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    is_leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            lunar_month = diff + 10
            is_leap = diff == leap_diff
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return LunarDate(lunar_year, lunar_month, lunar_day, is_leap)


def observed_solar(year: int, month: int, day: int) -> tuple[dt.date, bool]:
    """The Gregorian date on which a yearly lunar commemoration falls in ``year``.

    ``year`` is the lunar year. The regular (non-leap) month is used; day 30 of
    a month that has only 29 days that year is observed on day 29, as Vietnamese
    practice does for the last day of the year. Returns ``(date, estimated)``,
    like python-holidays: estimated is True outside the years the method is
    known to reproduce the official tables.
    """
    try:
        solar = to_solar(LunarDate(year, month, day))
    except ValueError:
        solar = to_solar(LunarDate(year, month, day - 1))
    return solar, year not in RELIABLE_YEARS
