"""Titles in the documents' form, localised through Babel and the catalogs."""

from __future__ import annotations

import datetime as dt

import pytest

from calendar_service.dates.titles import day, full_day, occurrence_title, ordinal, unverified_title
from calendar_service.model import (
    Bilingual,
    Event,
    LunarRule,
    Milestone,
    Observance,
    Occurrence,
    SolarDate,
    Unverified,
)

DBP = Event(
    "dien-bien-phu",
    Bilingual("Chiến thắng Điện Biên Phủ", "the Điện Biên Phủ Victory"),
    "historical",
    SolarDate(1954, 5, 7),
    Observance.YEARLY,
    (),
)


def test_vietnamese_title_follows_the_documents():
    occurrence = Occurrence(DBP, dt.date(2024, 5, 7), 70, Milestone.TRON)
    assert (
        occurrence_title(occurrence, "vi") == "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)"
    )


def test_english_title():
    occurrence = Occurrence(DBP, dt.date(2024, 5, 7), 70, Milestone.TRON)
    assert occurrence_title(occurrence, "en") == (
        "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)"
    )


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (111, "111th"),
        (112, "112th"),
        (123, "123rd"),
    ],
)
def test_english_ordinals_follow_cldr(n, text):
    """khal's hand-made suffixes say "111st"; CLDR's ordinal rules do not."""
    assert ordinal(n, "en") == text


def test_lunar_titles():
    gio_to = Event(
        "gio-to",
        Bilingual("Giỗ Tổ Hùng Vương", "the Hùng Kings' Commemoration Day"),
        "holiday",
        LunarRule(3, 10),
        Observance.YEARLY,
        (),
    )
    occurrence = Occurrence(gio_to, dt.date(2024, 4, 18), None, None)
    assert occurrence_title(occurrence, "vi") == "Giỗ Tổ Hùng Vương (10/3 âm lịch, 18/4/2024)"
    assert occurrence_title(occurrence, "en") == (
        "The Hùng Kings' Commemoration Day (10th day of the 3rd lunar month, 18 April 2024)"
    )


def test_year_only_title_for_dates_to_verify():
    sudan = Event(
        "sudan",
        Bilingual(
            "Thiết lập quan hệ ngoại giao Việt Nam – Sudan",
            "the establishment of diplomatic relations between Việt Nam and Sudan",
        ),
        "diplomatic",
        SolarDate(1969),
        Observance.MILESTONES,
        (),
        "SD",
    )
    item = Unverified(sudan, 2024, 55, Milestone.CHAN)
    assert (
        unverified_title(item, "vi")
        == "Kỷ niệm 55 năm Thiết lập quan hệ ngoại giao Việt Nam – Sudan (1969 – 2024)"
    )
    assert unverified_title(item, "en").startswith("55th anniversary of the establishment")


def test_dates_are_written_by_babel():
    assert day(dt.date(2024, 5, 7), "vi") == "7/5/2024"
    assert day(dt.date(2024, 5, 7), "en") == "7 May 2024"
    assert full_day(dt.date(2024, 5, 7), "vi") == "Thứ Ba, 7 tháng 5, 2024"


def test_a_yearly_day_without_origin_has_no_n_and_one_with_an_origin_year_counts_from_it():
    from calendar_service.model import YearlyRule

    new_year = Event(
        "tet",
        Bilingual("Tết Dương lịch", "New Year's Day"),
        "holiday",
        YearlyRule(1, 1),
        Observance.YEARLY,
        (),
    )
    occurrence = Occurrence(new_year, dt.date(2027, 1, 1), None, None)
    assert occurrence_title(occurrence, "vi") == "Tết Dương lịch (1/1/2027)"
    assert occurrence_title(occurrence, "en") == "New Year's Day (1 January 2027)"
    women = Event(
        "women",
        Bilingual("Ngày Quốc tế Phụ nữ", "International Women's Day"),
        "holiday",
        YearlyRule(3, 8, 1910),
        Observance.YEARLY,
        (),
    )
    occurrence = Occurrence(women, dt.date(2026, 3, 8), 116, None)
    assert occurrence_title(occurrence, "vi") == "Kỷ niệm 116 năm Ngày Quốc tế Phụ nữ (1910 – 8/3/2026)"
    assert (
        occurrence_title(occurrence, "en")
        == "116th anniversary of International Women's Day (1910 – 8 March 2026)"
    )
