"""Display text for occurrences, one function per kind, localised with Babel.

Titles follow the documents' own form:
"Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)" and
"70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)".
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_date

from ..i18n import N_, Language, gettext
from ..model import (
    CATEGORY_NAMES,
    HOLIDAY_LABEL,
    NATIONAL,
    NATIONAL_NAME,
    Event,
    LunarRule,
    Milestone,
    Occurrence,
    Precision,
    Registry,
    SolarDate,
    Unverified,
    YearlyRule,
)

# CLDR patterns: the documents write 7/5/1954; English prose writes 7 May 1954.
_DAY_PATTERN = {Language.VI: "d/M/y", Language.EN: "d MMMM y"}
_MONTH_PATTERN = {Language.VI: "M/y", Language.EN: "MMMM y"}
_DAY_OF_YEAR_PATTERN = {Language.VI: "d/M", Language.EN: "d MMMM"}

# English ordinal suffixes by CLDR ordinal plural category; other languages
# translate them (Vietnamese: "thứ {n}").
_ORDINALS = {
    "one": N_("{n}st"),
    "two": N_("{n}nd"),
    "few": N_("{n}rd"),
    "other": N_("{n}th"),
}

MILESTONE_NAMES = {
    Milestone.TRON: N_("major anniversary (năm tròn)"),
    Milestone.CHAN: N_("half-decade anniversary (năm chẵn)"),
}


def capitalised(text: str) -> str:
    """The text with its first letter in upper case, for where it starts a
    heading or a sentence: English titles are written to follow "of"
    ("the establishment of …") and would otherwise start in lower case."""
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=8)
def _locale(lang: Language) -> Locale:
    return Locale.parse(lang)


@functools.lru_cache(maxsize=4096)
def ordinal(n: int, lang: Language) -> str:
    category = _locale(lang).ordinal_form(n)
    return gettext(_ORDINALS.get(category, _ORDINALS["other"]), lang).format(n=n)


@functools.lru_cache(maxsize=65536)
def day(value: dt.date, lang: Language) -> str:
    """A date as the documents write it (vi: 7/5/2024; en: 7 May 2024)."""
    return format_date(value, _DAY_PATTERN.get(lang, _DAY_PATTERN[Language.EN]), locale=_locale(lang))


@functools.lru_cache(maxsize=8192)
def day_with_weekday(value: dt.date, lang: Language) -> str:
    """A date as ``day`` writes it, after its weekday (vi: Thứ Ba, 7/5/2024;
    en: Tuesday, 7 May 2024): one date style per language on a page."""
    pattern = "EEEE, " + _DAY_PATTERN.get(lang, _DAY_PATTERN[Language.EN])
    return capitalised(format_date(value, pattern, locale=_locale(lang)))


@functools.lru_cache(maxsize=8192)
def full_day(value: dt.date, lang: Language) -> str:
    """A date with its weekday ("Thứ Ba, 7 tháng 5, 2024")."""
    return format_date(value, "full", locale=_locale(lang))


def solar(origin: SolarDate, lang: Language) -> str:
    """An origin date at its precision: 7/5/1954, 5/1954 or 1954."""
    if origin.precision is Precision.DAY:
        return day(origin.as_date(), lang)
    if origin.precision is Precision.MONTH:
        return format_date(dt.date(origin.year, origin.month, 1), _MONTH_PATTERN[lang], locale=_locale(lang))
    return str(origin.year)


# A month as a heading: the documents' "Tháng 4/2024"; English "April 2024".
_MONTH_HEADING = {"vi": "'Tháng' M/y", "en": "LLLL y"}


def month_heading(year: int, month: int, lang: str) -> str:
    """A month as the planning view's headings name it (vi: Tháng 4/2024; en: April 2024)."""
    pattern = _MONTH_HEADING.get(lang, _MONTH_HEADING["en"])
    return format_date(dt.date(year, month, 1), pattern, locale=_locale(lang))


def lunar_rule(rule: LunarRule, lang: Language) -> str:
    return gettext("{day_ordinal} day of the {month_ordinal} lunar month", lang).format(
        day=rule.day,
        month=rule.month,
        day_ordinal=ordinal(rule.day, lang),
        month_ordinal=ordinal(rule.month, lang),
    )


def yearly_rule(rule: YearlyRule, lang: Language) -> str:
    """A solar day of every year: "1/1 hằng năm", "8 March every year, since 1910"."""
    when = format_date(dt.date(2000, rule.month, rule.day), _DAY_OF_YEAR_PATTERN[lang], locale=_locale(lang))
    if rule.origin_year is None:
        return gettext("{date} every year", lang).format(date=when)
    return gettext("{date} every year, since {year}", lang).format(date=when, year=rule.origin_year)


def origin_text(event: Event, lang: Language) -> str:
    """An entry's origin as its page and feeds state it: a date, a lunar or a yearly day."""
    origin = event.origin
    if isinstance(origin, LunarRule):
        return lunar_rule(origin, lang)
    if isinstance(origin, YearlyRule):
        return yearly_rule(origin, lang)
    return solar(origin, lang)


def anniversary_title(event: Event, n: int, origin: str, when: str, lang: Language) -> str:
    return gettext("{ordinal} anniversary of {title} ({origin} – {date})", lang).format(
        ordinal=ordinal(n, lang), n=n, title=event.title.get(lang), origin=origin, date=when
    )


def occurrence_title(occurrence: Occurrence, lang: Language) -> str:
    event = occurrence.event
    when = day(occurrence.date, lang)
    if isinstance(event.origin, LunarRule):
        if occurrence.n is None:
            text = gettext("{title} ({lunar}, {date})", lang).format(
                title=event.title.get(lang), lunar=lunar_rule(event.origin, lang), date=when
            )
            return capitalised(text)
        origin = gettext("{year}, {lunar}", lang).format(
            year=event.origin.origin_year, lunar=lunar_rule(event.origin, lang)
        )
        return anniversary_title(event, occurrence.n, origin, when, lang)
    if isinstance(event.origin, YearlyRule):
        if occurrence.n is None:
            text = gettext("{title} ({date})", lang).format(title=event.title.get(lang), date=when)
            return text[:1].upper() + text[1:]
        return anniversary_title(event, occurrence.n, str(event.origin.origin_year), when, lang)
    return anniversary_title(event, occurrence.n, solar(event.origin, lang), when, lang)


def anniversary_short_title(occurrence: Occurrence, lang: Language) -> str:
    """The title with only the anniversary's date, for mail subjects:
    "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/2024)"."""
    event = occurrence.event
    if occurrence.n is None:
        text = gettext("{title} ({date})", lang).format(
            title=event.title.get(lang), date=day(occurrence.date, lang)
        )
        return capitalised(text)
    return gettext("{ordinal} anniversary of {title} ({date})", lang).format(
        ordinal=ordinal(occurrence.n, lang),
        n=occurrence.n,
        title=event.title.get(lang),
        date=day(occurrence.date, lang),
    )


def unverified_title(item: Unverified, lang: Language) -> str:
    return anniversary_title(item.event, item.n, solar(item.event.origin, lang), str(item.year), lang)


def milestone_name(milestone: Milestone | None, lang: Language) -> str:
    return gettext(MILESTONE_NAMES[milestone], lang) if milestone else ""


def category_name(category: str, lang: Language) -> str:
    return gettext(CATEGORY_NAMES.get(category, category), lang)


def scope_name(scope: str, registry: Registry | None, lang: Language) -> str:
    """A scope's name: "toàn quốc"/"national", or the name the registry declares."""
    if scope == NATIONAL:
        return gettext(NATIONAL_NAME, lang)
    name = registry.scope_name(scope) if registry is not None else None
    return name.get(lang) if name else scope


def holiday_label(lang: Language) -> str:
    """The badge of a paid public holiday: "Nghỉ lễ", "Public holiday"."""
    return gettext(HOLIDAY_LABEL, lang)


def country_name(code: str | None, lang: Language) -> str:
    if not code:
        return ""
    return _locale(lang).territories.get(code, code)
