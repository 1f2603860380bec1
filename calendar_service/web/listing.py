"""What the planning view computes from the registry alone: the rows of a
period (occurrences and their texts), its dates to verify and the filters'
options. None of it depends on the request beyond the period, the filters,
the language and today, so it is computed once per registry generation and
kept in the web state's bounded cache (a 12-week list of a 10k-entry registry
costs ~100 ms to compute and nothing to reuse). Coverages change between
requests: they are looked up per request, over these rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from ..dates.anniversaries import unverified
from ..dates.titles import category_name, country_name, milestone_name, scope_name, unverified_title
from ..i18n import Language
from ..model import CATEGORIES, Registry
from . import current
from .selection import Selection, row


@dataclass(frozen=True)
class Listing:
    """The rows of a period (shared by every request that asks for it: never
    changed, copied where badges are added) and its dates to verify."""

    rows: tuple[dict, ...]
    to_verify: tuple[dict, ...]

    @property
    def weight(self) -> int:
        return len(self.rows) + len(self.to_verify)


def listing(shown: Selection, reference: dt.date) -> Listing:
    """The period's rows, counted from ``reference`` (today), for this registry generation."""
    loaded = current.loaded()
    registry = loaded.registry
    assert registry is not None
    key = ("listing", loaded.generation, reference, shown.lang, shown.start, shown.end, shown.chosen)
    return cast(Listing, current.state().planning.get(key, lambda: _listing(registry, shown, reference)))


def options(lang: Language) -> dict:
    """The filters' choices (categories, the registry's countries and scopes)."""
    loaded = current.loaded()
    registry = loaded.registry
    assert registry is not None
    found = current.state().planning.get(
        ("options", loaded.generation, lang), lambda: _options(registry, lang)
    )
    return cast(dict, found)


def _listing(registry: Registry, shown: Selection, reference: dt.date) -> Listing:
    lang = shown.lang
    rows = tuple(row(o, reference, lang, registry) for o in shown.occurrences(registry))
    to_verify = tuple(
        {
            "title": unverified_title(u, lang),
            "id": u.event.id,
            "year": u.year,
            "milestone": milestone_name(u.milestone, lang),
            "level": u.milestone.value if u.milestone else "",
        }
        for u in unverified(registry, shown.start.year, shown.end.year, shown.chosen.query())
    )
    return Listing(rows, to_verify)


def _options(registry: Registry, lang: Language) -> dict:
    countries = sorted({e.country for e in registry.events if e.country})
    present = registry.scopes_present()
    return {
        "categories": [(c, category_name(c, lang)) for c in CATEGORIES],
        "countries": [(c, country_name(c, lang)) for c in countries],
        # The scope filter is offered once the registry holds local entries.
        "scopes": [(s, scope_name(s, registry, lang)) for s in present] if len(present) > 1 else [],
    }


def known_ids() -> frozenset[str]:
    """The registry's entry ids (a coverage of any other entry is an orphan)."""
    loaded = current.loaded()
    registry = loaded.registry
    assert registry is not None
    found = current.state().planning.get(
        ("ids", loaded.generation), lambda: frozenset(e.id for e in registry.events)
    )
    return cast(frozenset[str], found)
