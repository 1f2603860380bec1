"""Query parameters of the web pages and the API: parsed once, with a 400 that
says which parameter is wrong and why."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from werkzeug.exceptions import BadRequest

from ..dates.anniversaries import Query
from ..dates.bounds import FIRST_DAY, LAST_DAY, covered, parse_count, parse_date
from ..errors import ParameterError
from ..i18n import LANGUAGES, N_, Language
from ..model import CATEGORIES, MilestoneFilter
from ..planning.coverage import Status
from ..planning.plans import CoverageFilter
from ..registry.fields import COUNTRIES

MAX_WEEKS = 104
MAX_DAYS = 3660
VIEWS = ("list", "month", "year")


class BadParameter(ParameterError, BadRequest):
    """A ParameterError that is also werkzeug's 400, so that Flask answers it
    with the app's error page (errors.py imports nothing from the web stage)."""


def language(args: Mapping[str, str]) -> Language | None:
    value = args.get("lang")
    if value is None:
        return None
    if value not in LANGUAGES:
        raise BadParameter("lang", N_("unknown language '{value}' (known: vi, en)"), "vi", value=value)
    return Language(value)


def date(args: Mapping[str, str], name: str, default: dt.date, lang: str) -> dt.date:
    """A date parameter: YYYY-MM-DD in ASCII digits, from 1900-01-01 to 2200-12-31."""
    value = args.get(name)
    if value in (None, ""):
        return default
    day = parse_date(value)
    if day is None:
        raise BadParameter(name, N_("'{value}' is not a real date in the form YYYY-MM-DD"), lang, value=value)
    if not covered(day):
        raise BadParameter(
            name,
            N_("{value} is outside the dates this service covers ({first} to {last})"),
            lang,
            value=value,
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return day


def number(args: Mapping[str, str], name: str, default: int, low: int, high: int, lang: str) -> int:
    """A whole number parameter in ASCII digits, from ``low`` to ``high``."""
    value = args.get(name)
    if value in (None, ""):
        return default
    parsed = parse_count(value)
    if parsed is None or not low <= parsed <= high:
        raise BadParameter(
            name,
            N_("'{value}' is not a whole number from {low} to {high}"),
            lang,
            value=value,
            low=low,
            high=high,
        )
    return parsed


def period_end(start: dt.date, days: int, name: str, lang: str) -> dt.date:
    """The last day of ``days`` days from ``start`` (400 naming ``name`` past 2200-12-31)."""
    end = start + dt.timedelta(days=days - 1)
    if end > LAST_DAY:
        raise BadParameter(
            name,
            N_("the period would end on {end}, after {last}"),
            lang,
            end=end.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return end


def choice(args: Mapping[str, str], name: str, allowed, default: str, lang: str) -> str:
    value = args.get(name) or default
    if value not in allowed:
        raise BadParameter(
            name,
            N_("unknown value '{value}' (known: {allowed})"),
            lang,
            value=value,
            allowed=", ".join(allowed),
        )
    return value


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    milestone: MilestoneFilter = MilestoneFilter.ALL
    text: str = ""
    scopes: tuple[str, ...] = ()  # national and/or declared local scopes

    def query(self) -> Query:
        return Query(
            frozenset(self.categories),
            frozenset(self.countries),
            self.milestone,
            self.text or None,
            frozenset(self.scopes),
        )

    def as_args(self) -> list[tuple[str, str]]:
        args = [("category", c) for c in self.categories] + [("country", c) for c in self.countries]
        args += [("scope", s) for s in self.scopes]
        if self.milestone is not MilestoneFilter.ALL:
            args.append(("milestone", self.milestone.value))
        if self.text:
            args.append(("q", self.text))
        return args


def scopes(args, lang: str, known: Sequence[str] | None) -> tuple[str, ...]:
    """The ``scope`` parameters: national or a scope the registry declares."""
    chosen = tuple(dict.fromkeys(value for value in args.getlist("scope") if value))
    for value in chosen:
        if (known is not None and value not in known) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value):
            raise BadParameter(
                "scope",
                N_("unknown value '{value}' (known: {allowed})"),
                lang,
                value=value,
                allowed=", ".join(known or ()),
            )
    return chosen


def filters(args, lang: str, known_scopes: Sequence[str] | None = None) -> Filters:
    """The filters of a request; ``known_scopes``: the registry's, to check ``scope`` against."""
    categories = tuple(value for value in args.getlist("category") if value)
    for value in categories:
        if value not in CATEGORIES:
            raise BadParameter(
                "category",
                N_("unknown value '{value}' (known: {allowed})"),
                lang,
                value=value,
                allowed=", ".join(CATEGORIES),
            )
    countries = tuple(value.upper() for value in args.getlist("country") if value)
    for value in countries:
        if value not in COUNTRIES:
            raise BadParameter("country", N_("unknown country code '{value}'"), lang, value=value)
    milestone = MilestoneFilter(choice(args, "milestone", tuple(MilestoneFilter), "all", lang))
    if args.get("milestones") in ("1", "true", "yes") and milestone is MilestoneFilter.ALL:
        milestone = MilestoneFilter.MILESTONES
    text = (args.get("q") or args.get("text") or "").strip()
    if len(text) > 200:
        raise BadParameter("q", N_("the search text is longer than {high} characters"), lang, high=200)
    return Filters(categories, countries, milestone, text, scopes(args, lang, known_scopes))


def coverage_filter(args, lang: str, username: str | None) -> CoverageFilter:
    """The planning view's coverage filters: ``coverage=none`` (no coverage
    yet), ``mine=1`` (the signed-in account among the assignees), ``desk`` and
    ``status`` (each repeatable)."""
    uncovered = choice(args, "coverage", ("any", "none"), "any", lang) == "none"
    mine = choice(args, "mine", ("0", "1"), "0", lang) == "1"
    if mine and username is None:
        raise BadParameter("mine", N_("sign in to see your assignments"), lang)
    desks = tuple(dict.fromkeys(value.strip() for value in args.getlist("desk") if value.strip()))
    for value in desks:
        if len(value) > 120 or not value.isprintable():
            raise BadParameter("desk", N_("'{value}' is not a desk name"), lang, value=value[:120])
    statuses = []
    for value in args.getlist("status"):
        if value:
            statuses.append(Status(choice({"status": value}, "status", tuple(Status), "", lang)))
    return CoverageFilter(uncovered, username if mine else None, desks, tuple(dict.fromkeys(statuses)))


def coverage_args(chosen: CoverageFilter) -> list[tuple[str, str]]:
    """The query parameters that give ``chosen`` back."""
    args = [("coverage", "none")] if chosen.uncovered else []
    args += [("mine", "1")] if chosen.assignee else []
    args += [("desk", desk) for desk in chosen.desks] + [
        ("status", status.value) for status in chosen.statuses
    ]
    return args
