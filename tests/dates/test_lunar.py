"""The Vietnamese lunisolar calendar against python-holidays' Vietnamese tables."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from holidays.calendars.chinese import CHINESE_CALENDAR, VIETNAMESE_CALENDAR, _ChineseLunisolar
from hypothesis import given
from hypothesis import strategies as st

from calendar_service.dates.lunar import LunarDate, from_solar, leap_month, observed_solar, to_solar

VIETNAMESE = _ChineseLunisolar(VIETNAMESE_CALENDAR)
TABLE_YEARS = range(1901, 2101)


@pytest.mark.parametrize("year", TABLE_YEARS)
def test_tet_matches_holidays_vietnamese_table(year):
    expected, _ = VIETNAMESE.lunar_new_year_date(year)
    if expected is None:
        pytest.skip(f"holidays has no Tết for {year}")
    assert to_solar(LunarDate(year, 1, 1)) == expected


@pytest.mark.parametrize("year", TABLE_YEARS)
def test_hung_kings_matches_holidays_vietnamese_table(year):
    expected, _ = VIETNAMESE.hung_kings_date(year)
    if expected is None:
        pytest.skip(f"holidays has no Hùng Kings day for {year}")
    assert to_solar(LunarDate(year, 3, 10)) == expected


def test_public_vietnam_holidays_agree():
    """The public holidays.VN calendar names the same Tết and Giỗ Tổ days."""
    for year in (2007, 2024, 2025, 2030):
        vn = holidays.VN(years=year, language="en_US")
        by_name = {name: day for day, name in vn.items()}
        assert by_name["Hung Kings' Commemoration Day"] == to_solar(LunarDate(year, 3, 10))
        assert by_name["Lunar New Year"] == to_solar(LunarDate(year, 1, 1))


@pytest.mark.parametrize(
    ("year", "vietnamese", "chinese"),
    [(1985, dt.date(1985, 1, 21), dt.date(1985, 2, 20)), (2007, dt.date(2007, 2, 17), dt.date(2007, 2, 18))],
)
def test_tet_where_the_vietnamese_and_chinese_calendars_differ(year, vietnamese, chinese):
    """Tết 1985 and 2007: a Chinese-calendar (UTC+8) computation is a month or a day off."""
    assert to_solar(LunarDate(year, 1, 1)) == vietnamese
    assert _ChineseLunisolar(CHINESE_CALENDAR).lunar_new_year_date(year)[0] == chinese


def test_registry_examples():
    assert to_solar(LunarDate(2024, 3, 10)) == dt.date(2024, 4, 18)
    assert to_solar(LunarDate(2025, 3, 10)) == dt.date(2025, 4, 7)


@pytest.mark.parametrize(
    ("year", "month"), [(2020, 4), (2023, 2), (2025, 6), (2024, None), (2028, 5), (2033, 11)]
)
def test_leap_months(year, month):
    assert leap_month(year) == month


def test_leap_month_dates_convert_both_ways():
    leap = LunarDate(2025, 6, 1, leap=True)
    assert to_solar(leap) == dt.date(2025, 7, 25)
    assert from_solar(dt.date(2025, 7, 25)) == leap


def test_nonexistent_lunar_dates_are_refused():
    with pytest.raises(ValueError):
        to_solar(LunarDate(2024, 6, 1, leap=True))
    with pytest.raises(ValueError):
        to_solar(LunarDate(2024, 13, 1))


def test_day_30_of_a_short_month_is_observed_on_day_29():
    """Lunar 12/2024 has 29 days: 30 tháng Chạp falls back to the 29th (Tết eve)."""
    last = to_solar(LunarDate(2025, 1, 1)) - dt.timedelta(days=1)
    with pytest.raises(ValueError):
        to_solar(LunarDate(2024, 12, 30))
    assert observed_solar(2024, 12, 30) == (last, False)


days = st.dates(min_value=dt.date(1900, 2, 1), max_value=dt.date(2100, 12, 31))


@given(days)
def test_solar_lunar_solar_round_trip(day):
    assert to_solar(from_solar(day)) == day


@given(days)
def test_lunar_days_are_in_range_and_consecutive(day):
    today, tomorrow = from_solar(day), from_solar(day + dt.timedelta(days=1))
    assert 1 <= today.day <= 30 and 1 <= today.month <= 12
    if tomorrow.day != 1:
        assert (tomorrow.year, tomorrow.month, tomorrow.leap, tomorrow.day) == (
            today.year,
            today.month,
            today.leap,
            today.day + 1,
        )
    else:
        assert today.day in (29, 30)


@given(st.integers(1901, 2099), st.integers(1, 12), st.integers(1, 29))
def test_lunar_solar_lunar_round_trip(year, month, day):
    assert from_solar(to_solar(LunarDate(year, month, day))) == LunarDate(year, month, day)


@given(st.integers(1901, 2099))
def test_a_lunar_year_has_12_or_13_months_of_29_or_30_days(year):
    length = (to_solar(LunarDate(year + 1, 1, 1)) - to_solar(LunarDate(year, 1, 1))).days
    if leap_month(year) is None:
        assert 353 <= length <= 355
    else:
        assert 383 <= length <= 385


def test_estimated_outside_reliable_years():
    assert observed_solar(2024, 3, 10)[1] is False
    assert observed_solar(2150, 3, 10)[1] is True


def test_leap_eleventh_month_of_2033_belongs_to_2033():
    """The "2033 problem": the leap month comes after month 11, so it is leap 11 of 2033."""
    assert to_solar(LunarDate(2033, 11, 1, leap=True)) == dt.date(2033, 12, 22)
    assert from_solar(dt.date(2033, 12, 22)) == LunarDate(2033, 11, 1, leap=True)
