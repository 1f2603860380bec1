"""Which feeds exist: a kind and a key per feed, their names, titles and
descriptions in each language, and the date window they cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Settings
from ..dates.titles import category_name, country_name
from ..i18n import LANGUAGES, N_, Language, gettext
from ..model import CATEGORIES, Precision, Registry


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: ``<lang>/<name>.ics``."""

    lang: Language
    kind: str  # all, milestones, planning, category, country
    key: str | None = None  # the category or the country code
    alarms: bool = False

    @property
    def name(self) -> str:
        base = {
            "category": f"category/{self.key}",
            "country": f"country/{(self.key or '').lower()}",
            "custom": "filtered",
        }.get(self.kind, self.kind)
        return base + ("-alarms" if self.alarms else "")

    @property
    def path(self) -> str:
        return f"{self.lang}/{self.name}.ics"

    def title(self) -> str:
        lang = self.lang
        if self.kind == "category":
            subject = category_name(self.key, lang)
        elif self.kind == "country":
            subject = country_name(self.key, lang)
        else:
            subject = gettext(_KIND_NAMES[self.kind], lang)
        title = gettext("Anniversaries – {subject}", lang).format(subject=subject)
        if self.alarms:
            title = gettext("{title} (with reminders)", lang).format(title=title)
        return title

    def description(self) -> str:
        lang = self.lang
        text = gettext(_KIND_DESCRIPTIONS[self.kind], lang).format(
            category=category_name(self.key, lang) if self.kind == "category" else "",
            country=country_name(self.key, lang) if self.kind == "country" else "",
            selection=(self.key or gettext("all", lang)) if self.kind == "custom" else "",
        )
        if self.alarms:
            text += " " + gettext("Each entry carries reminders at the configured lead times.", lang)
        return text


_KIND_NAMES = {
    "all": N_("all"),
    "milestones": N_("round and half-decade years"),
    "planning": N_("planning (lead times)"),
    "custom": N_("selection"),
}
_KIND_DESCRIPTIONS = {
    "all": N_("Every anniversary and commemoration in the registry, with its sources."),
    "milestones": N_("Only năm tròn (multiples of 10) and năm chẵn (multiples of 5) anniversaries."),
    "planning": N_(
        "Lead-time reminders for content planning: an entry 30, 7 … days before each round-year anniversary."
    ),
    "category": N_("Anniversaries in the category: {category}."),
    "country": N_("Anniversaries concerning {country}, including diplomatic relations."),
    "custom": N_("Anniversaries chosen by the feed's address: {selection}."),
}


def feed_specs(registry: Registry) -> list[FeedSpec]:
    """Every feed the registry gives, in both languages, in a stable order."""
    # Countries whose entries give dated occurrences (a year-only date gives none).
    countries = sorted({e.country for e in registry.events if e.country and e.precision is Precision.DAY})
    specs = []
    for lang in LANGUAGES:
        specs += [FeedSpec(lang, "all"), FeedSpec(lang, "all", alarms=True)]
        specs += [FeedSpec(lang, "milestones"), FeedSpec(lang, "milestones", alarms=True)]
        specs.append(FeedSpec(lang, "planning"))
        specs += [FeedSpec(lang, "category", category) for category in CATEGORIES]
        specs += [FeedSpec(lang, "country", code) for code in countries]
    return specs


def window(today: dt.date, settings: Settings) -> tuple[dt.date, dt.date]:
    """By default, 1 January of last year to 31 December five years ahead."""
    return (
        dt.date(today.year - settings.window_years_back, 1, 1),
        dt.date(today.year + settings.window_years_ahead, 12, 31),
    )
