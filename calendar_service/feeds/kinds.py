"""Which feeds exist: a kind and a key per feed, their names, titles and
descriptions in each language, and the date window they cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode

from babel.lists import format_list

from ..config import DEFAULT_LEAD_TIMES, Settings
from ..dates.titles import category_name, country_name, scope_name
from ..i18n import LANGUAGES, N_, Language, gettext, ngettext
from ..model import (
    CATEGORIES,
    NATIONAL,
    Bilingual,
    LeadTimes,
    MilestoneFilter,
    Occurrence,
    Precision,
    Registry,
)


class FeedKind(StrEnum):
    """What a feed holds; its value is the kind written in ``index.json``."""

    ALL = "all"
    MILESTONES = "milestones"  # năm tròn and năm chẵn
    PLANNING = "planning"  # lead-time entries before each năm tròn and năm chẵn
    CATEGORY = "category"  # key: the category
    COUNTRY = "country"  # key: the country code
    SCOPE = "scope"  # key: national or a declared local scope (a province)
    CUSTOM = "custom"  # chosen by a query (a filtered feed); key: its normalised query string

    def includes(self, occurrence: Occurrence, key: str | None = None) -> bool:
        """Whether the occurrence belongs in a feed of this kind and key. A
        custom feed holds what its query chose, so it takes whatever it is given."""
        if self is FeedKind.CATEGORY:
            return key == occurrence.event.category
        if self is FeedKind.COUNTRY:
            return key == occurrence.event.country
        if self is FeedKind.SCOPE:
            return key == occurrence.event.scope
        if self is FeedKind.MILESTONES or self is FeedKind.PLANNING:
            return occurrence.milestone is not None
        return True


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: ``<lang>/<name>.ics``."""

    lang: Language
    kind: FeedKind
    key: str | None = None  # the category, the country code or the scope
    alarms: bool = False
    # A declared scope's name (the registry's words); not part of the feed's identity.
    scope_name: Bilingual | None = field(default=None, compare=False)

    @classmethod
    def from_index(cls, item: Mapping[str, object], registry: Registry | None = None) -> FeedSpec:
        """The spec of a feed listed in ``index.json`` (a scope's name from ``registry``)."""
        kind, key = FeedKind(item["kind"]), item["key"]
        name = registry.scope_name(key) if registry is not None and kind is FeedKind.SCOPE else None
        return cls(Language(item["lang"]), kind, key, bool(item["alarms"]), name)

    @classmethod
    def custom(
        cls,
        lang: Language,
        categories: Iterable[str] = (),
        countries: Iterable[str] = (),
        milestone: MilestoneFilter = MilestoneFilter.ALL,
        text: str = "",
        scopes: Iterable[str] = (),
    ) -> FeedSpec:
        """A filtered feed; its key is the query in one order, so that equal
        selections have one address and one name."""
        args = [("category", c) for c in sorted(set(categories))]
        args += [("country", c.upper()) for c in sorted(set(countries))]
        args += [("scope", s) for s in sorted(set(scopes))]
        if milestone is not MilestoneFilter.ALL:
            args.append(("milestone", milestone.value))
        if text:
            args.append(("q", text))
        return cls(lang, FeedKind.CUSTOM, urlencode(args))

    def includes(self, occurrence: Occurrence) -> bool:
        return self.kind.includes(occurrence, self.key)

    def url(self, base_url: str) -> str:
        """Where this feed is served: a filtered feed's address holds its query and language."""
        if self.kind is FeedKind.CUSTOM:
            query = urlencode([*parse_qsl(self.key or ""), ("lang", self.lang.value)])
            return f"{base_url}/feeds/filtered.ics?{query}"
        return f"{base_url}/feeds/{self.path}"

    @property
    def name(self) -> str:
        if self.kind is FeedKind.CATEGORY:
            base = f"category/{self.key}"
        elif self.kind is FeedKind.COUNTRY:
            base = f"country/{(self.key or '').lower()}"
        elif self.kind is FeedKind.SCOPE:
            base = f"scope/{self.key}"
        elif self.kind is FeedKind.CUSTOM:
            base = "filtered"
        else:
            base = self.kind.value
        return base + ("-alarms" if self.alarms else "")

    @property
    def path(self) -> str:
        return f"{self.lang}/{self.name}.ics"

    def title(self) -> str:
        lang = self.lang
        if self.kind is FeedKind.CATEGORY:
            subject = category_name(self.key, lang)
        elif self.kind is FeedKind.COUNTRY:
            subject = country_name(self.key, lang)
        elif self.kind is FeedKind.CUSTOM:
            subject = self._selection()
        elif self.kind is FeedKind.SCOPE:
            subject = self.scope_text()
        else:
            subject = gettext(_KIND_NAMES[self.kind], lang)
        title = gettext("Anniversaries – {subject}", lang).format(subject=subject)
        if self.alarms:
            title = gettext("{title} (with reminders)", lang).format(title=title)
        return title

    def _selection(self) -> str:
        """A filtered feed's filters in words: "diplomatic relations, Sweden, năm tròn"."""
        lang = self.lang
        words = []
        for name, value in parse_qsl(self.key or ""):
            if name == "category":
                words.append(category_name(value, lang))
            elif name == "country":
                words.append(country_name(value, lang))
            elif name == "milestone":
                words.append(gettext(_FILTER_NAMES[MilestoneFilter(value)], lang))
            elif name == "scope":
                words.append(scope_name(value, None, lang) if value == NATIONAL else value)
            elif name == "q":
                words.append(gettext("matching “{text}”", lang).format(text=value))
        return ", ".join(words) or gettext("all", lang)

    def description(self, lead_times: LeadTimes = DEFAULT_LEAD_TIMES) -> str:
        lang = self.lang
        if self.kind is FeedKind.PLANNING:
            text = " ".join(
                [gettext(_KIND_DESCRIPTIONS[self.kind], lang)]
                + [
                    gettext(level, lang).format(days=_days_before(days, lang))
                    for level, days in ((_TRON_LEADS, lead_times.tron), (_CHAN_LEADS, lead_times.chan))
                ]
            )
        else:
            text = gettext(_KIND_DESCRIPTIONS[self.kind], lang).format(
                category=category_name(self.key, lang) if self.kind is FeedKind.CATEGORY else "",
                country=country_name(self.key, lang) if self.kind is FeedKind.COUNTRY else "",
                scope=self.scope_text() if self.kind is FeedKind.SCOPE else "",
                selection=self._selection() if self.kind is FeedKind.CUSTOM else "",
            )
        if self.alarms:
            text += " " + gettext("Each entry carries reminders at the configured lead times.", lang)
        return text

    def scope_text(self) -> str:
        if self.key == NATIONAL or self.scope_name is None:
            return scope_name(self.key or NATIONAL, None, self.lang)
        return self.scope_name.get(self.lang)


def _days_before(days: tuple[int, ...], lang: Language) -> str:
    """ "90, 30, 7 and 1 days before", "1 day before"."""
    listed = format_list([str(d) for d in days], locale=lang)
    return ngettext("{days} day before", "{days} days before", days[0] if len(days) == 1 else 2, lang).format(
        days=listed
    )


_FILTER_NAMES = {
    MilestoneFilter.MILESTONES: N_("năm tròn and năm chẵn"),
    MilestoneFilter.TRON: N_("năm tròn"),
}
_TRON_LEADS = N_("Năm tròn (multiples of 10): {days}.")
_CHAN_LEADS = N_("Năm chẵn (multiples of 5): {days}.")
_KIND_NAMES = {
    FeedKind.ALL: N_("all"),
    FeedKind.MILESTONES: N_("round and half-decade years"),
    FeedKind.PLANNING: N_("planning (lead times)"),
    FeedKind.CUSTOM: N_("selection"),
}
_KIND_DESCRIPTIONS = {
    FeedKind.ALL: N_("Every anniversary and commemoration in the registry, with its sources."),
    FeedKind.MILESTONES: N_("Only năm tròn (multiples of 10) and năm chẵn (multiples of 5) anniversaries."),
    FeedKind.PLANNING: N_("Entries for content planning, ahead of every năm tròn and năm chẵn anniversary."),
    FeedKind.CATEGORY: N_("Anniversaries in the category: {category}."),
    FeedKind.COUNTRY: N_("Anniversaries concerning {country}, including diplomatic relations."),
    FeedKind.SCOPE: N_("Anniversaries of the scope: {scope}."),
    FeedKind.CUSTOM: N_("Anniversaries chosen by the feed's address: {selection}."),
}


def feed_specs(registry: Registry) -> list[FeedSpec]:
    """Every feed the registry gives, in both languages, in a stable order."""
    # Countries whose entries give dated occurrences (a year-only date gives none).
    countries = sorted({e.country for e in registry.events if e.country and e.precision is Precision.DAY})
    # Scope feeds once a local scope is present: then each scope present (national too) has one.
    scopes = registry.scopes_present()
    scopes = scopes if any(scope != NATIONAL for scope in scopes) else []
    specs = []
    for lang in LANGUAGES:
        specs += [FeedSpec(lang, FeedKind.ALL), FeedSpec(lang, FeedKind.ALL, alarms=True)]
        specs += [FeedSpec(lang, FeedKind.MILESTONES), FeedSpec(lang, FeedKind.MILESTONES, alarms=True)]
        specs.append(FeedSpec(lang, FeedKind.PLANNING))
        specs += [FeedSpec(lang, FeedKind.CATEGORY, category) for category in CATEGORIES]
        specs += [FeedSpec(lang, FeedKind.COUNTRY, code) for code in countries]
        specs += [
            FeedSpec(lang, FeedKind.SCOPE, scope, scope_name=registry.scope_name(scope)) for scope in scopes
        ]
    return specs


def window(today: dt.date, settings: Settings) -> tuple[dt.date, dt.date]:
    """By default, 1 January of last year to 31 December five years ahead."""
    return (
        dt.date(today.year - settings.window_years_back, 1, 1),
        dt.date(today.year + settings.window_years_ahead, 12, 31),
    )
