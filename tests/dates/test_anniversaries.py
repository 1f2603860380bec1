"""The engine: n, milestones, observance, 29 February, precision, lunar dates, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import FACTS_2024

from calendar_service.dates.anniversaries import (
    Query,
    anniversary_date,
    fold,
    occurrences,
    unverified,
    upcoming,
)
from calendar_service.model import (
    Bilingual,
    Event,
    LunarRule,
    Milestone,
    MilestoneFilter,
    Observance,
    SolarDate,
)

DBP_DATE = SolarDate(1954, 5, 7)
TITLE = Bilingual("Sự kiện", "the event")


def event(
    ident="e",
    date=DBP_DATE,
    observance=Observance.YEARLY,
    category="historical",
    country=None,
    title=TITLE,
):
    return Event(ident, title, category, date, observance, (), country)


def by_id(found):
    return {(o.event.id, o.date.year): o for o in found}


@pytest.mark.parametrize(
    ("event_id", "day", "n", "milestone"),
    FACTS_2024,
)
def test_real_registry_2024(real_registry, event_id, day, n, milestone):
    found = by_id(upcoming(real_registry, dt.date(2024, 1, 1), 366))
    occurrence = found[(event_id, 2024)]
    assert occurrence.date == dt.date.fromisoformat(day)
    assert occurrence.n == n
    assert (occurrence.milestone.value if occurrence.milestone else None) == milestone


def test_gio_to_2025(real_registry):
    found = by_id(upcoming(real_registry, dt.date(2025, 1, 1), 365))
    assert found[("gio-to-hung-vuong", 2025)].date == dt.date(2025, 4, 7)


@pytest.mark.parametrize(
    ("n", "level"),
    [
        (70, Milestone.TRON),
        (35, Milestone.CHAN),
        (36, None),
        (5, Milestone.CHAN),
        (10, Milestone.TRON),
        (1, None),
        (0, None),
    ],
)
def test_milestone_levels(n, level):
    assert Milestone.of(n) is level


def test_milestones_only_observance_skips_other_years():
    diplomatic = event(observance=Observance.MILESTONES, date=SolarDate(1969, 1, 11))
    found = occurrences([diplomatic], dt.date(2020, 1, 1), dt.date(2030, 12, 31))
    assert [(o.date.year, o.n) for o in found] == [(2024, 55), (2029, 60)]


def test_yearly_observance_every_year_from_the_first_anniversary():
    gac_ma = event(date=SolarDate(1988, 3, 14))
    found = occurrences([gac_ma], dt.date(1988, 1, 1), dt.date(1990, 12, 31))
    assert [(o.date, o.n) for o in found] == [(dt.date(1989, 3, 14), 1), (dt.date(1990, 3, 14), 2)]


def test_29_february_is_observed_on_28_february_in_common_years():
    leap_day = event(date=SolarDate(2000, 2, 29))
    found = occurrences([leap_day], dt.date(2001, 1, 1), dt.date(2004, 12, 31))
    assert [o.date for o in found] == [
        dt.date(2001, 2, 28),
        dt.date(2002, 2, 28),
        dt.date(2003, 2, 28),
        dt.date(2004, 2, 29),
    ]


def test_imprecise_dates_are_not_dated_but_listed_to_verify():
    sudan = event("sudan", SolarDate(1969), Observance.MILESTONES, "diplomatic", "SD")
    month_only = event("month", SolarDate(1990, 6), Observance.YEARLY)
    assert occurrences([sudan, month_only], dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == []
    listed = unverified([sudan, month_only], 2024, 2025)
    assert [(u.event.id, u.year, u.n) for u in listed] == [
        ("month", 2024, 34),
        ("sudan", 2024, 55),
        ("month", 2025, 35),
    ]


def test_lunar_rule_with_origin_year_has_n():
    rule = event(date=LunarRule(3, 10, origin_year=2000))
    found = occurrences([rule], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert [(o.date, o.n, o.milestone) for o in found] == [(dt.date(2024, 4, 18), 24, None)]


def test_lunar_dates_early_in_the_year_belong_to_the_previous_lunar_year():
    """25/12 âm lịch of lunar 2024 is 24 January 2025: a 2025 window must include it."""
    rule = event(date=LunarRule(12, 25))
    found = occurrences([rule], dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert [o.date for o in found] == [dt.date(2025, 1, 24)]


def test_window_is_inclusive_and_sorted_with_major_first():
    a = event("a", SolarDate(1989, 12, 22))  # 35 in 2024
    b = event("b", SolarDate(1944, 12, 22))  # 80 in 2024
    found = occurrences([a, b], dt.date(2024, 12, 22), dt.date(2024, 12, 22))
    assert [o.event.id for o in found] == ["b", "a"]


@pytest.mark.parametrize(
    ("chosen", "accepted"),
    [
        (MilestoneFilter.ALL, {Milestone.TRON, Milestone.CHAN, None}),
        (MilestoneFilter.MILESTONES, {Milestone.TRON, Milestone.CHAN}),
        (MilestoneFilter.TRON, {Milestone.TRON}),
    ],
)
def test_milestone_filters(chosen, accepted):
    assert {m for m in (Milestone.TRON, Milestone.CHAN, None) if chosen.accepts(m)} == accepted


def test_queries_filter_by_category_country_milestone_and_text(real_registry):
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    sweden = occurrences(real_registry, start, end, Query(countries=frozenset({"SE"})))
    assert [o.event.id for o in sweden] == ["quan-he-ngoai-giao-sweden"]
    borders = occurrences(real_registry, start, end, Query(categories=frozenset({"borders-seas"})))
    assert {o.event.category for o in borders} == {"borders-seas"} and len(borders) == 6
    majors = occurrences(real_registry, start, end, Query(milestones=MilestoneFilter.MILESTONES))
    assert all(o.milestone for o in majors) and "hai-chien-gac-ma" not in {o.event.id for o in majors}
    trons = occurrences(real_registry, start, end, Query(milestones=MilestoneFilter.TRON))
    assert trons and {o.milestone for o in trons} == {Milestone.TRON}
    text = occurrences(real_registry, start, end, Query(text="dien bien phu"))
    assert [o.event.id for o in text] == ["dien-bien-phu", "ha-noi-dien-bien-phu-tren-khong"]
    local = occurrences(real_registry, start, end, Query(scopes=frozenset({"lam-dong"})))
    assert {(o.event.id, o.event.scope) for o in local} == {("ke-hoach-90-kh-tu-lam-dong", "lam-dong")}
    national = occurrences(real_registry, start, end, Query(scopes=frozenset({"national"})))
    assert len(national) == len(occurrences(real_registry, start, end)) - len(local)


def test_fold_removes_vietnamese_accents():
    assert fold("Điện Biên Phủ") == "dien bien phu"


@given(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 31), st.integers(1, 9999))
def test_anniversary_date_is_the_same_day_or_28_february(year, month, day, target):
    try:
        origin = dt.date(year, month, day)
    except ValueError:
        return
    observed = anniversary_date(SolarDate(year, month, day), target)
    assert observed.year == target
    if (month, day) == (2, 29) and observed.day != 29:
        assert (observed.month, observed.day) == (2, 28)
    else:
        assert (observed.month, observed.day) == (origin.month, origin.day)


@given(st.integers(1000, 2100), st.integers(1, 12), st.integers(1, 28), st.integers(1, 200))
def test_n_is_year_difference_and_milestones_follow(year, month, day, n):
    origin = SolarDate(year, month, day)
    found = occurrences(
        [event(date=origin, observance=Observance.MILESTONES)],
        dt.date(year + n, 1, 1),
        dt.date(year + n, 12, 31),
    )
    if n % 5:
        assert found == []
    else:
        (only,) = found
        assert only.n == n
        assert only.milestone is (Milestone.TRON if n % 10 == 0 else Milestone.CHAN)


def test_tet_2027_is_6_february_as_the_lunar_tables_say(real_registry):
    """The registry's Tết rule gives the day the project's lunar calendar and holidays' table give."""
    import holidays

    from calendar_service.dates import lunar

    tet = real_registry.event("tet-nguyen-dan")
    found = occurrences([tet], dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert [(o.date, o.n, o.estimated) for o in found] == [(dt.date(2027, 2, 6), None, False)]
    assert lunar.to_solar(lunar.LunarDate(2027, 1, 1)) == dt.date(2027, 2, 6)
    assert holidays.VN(years=2027).get(dt.date(2027, 2, 6)) == "Lunar New Year"
    mid_autumn = occurrences(
        [real_registry.event("tet-trung-thu")], dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    )
    assert [o.date for o in mid_autumn] == [lunar.to_solar(lunar.LunarDate(2027, 8, 15))]


def test_the_public_holidays_are_the_labour_codes(real_registry):
    """Labour Code 2019, Art. 112; not 24/11, which Resolution 80-NQ/TW only plans."""
    assert {e.id for e in real_registry.events if e.holiday} == {
        "tet-duong-lich",
        "tet-nguyen-dan",
        "gio-to-hung-vuong",
        "giai-phong-mien-nam",
        "quoc-te-lao-dong",
        "quoc-khanh",
    }
    culture = real_registry.event("van-hoa-viet-nam")
    assert not culture.holiday and "not yet a public holiday in law" in culture.note.en
