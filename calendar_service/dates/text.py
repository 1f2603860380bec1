"""Occurrences as the command line and the API show them: a table and JSON."""

from __future__ import annotations

import datetime as dt
import unicodedata

from ..i18n import Language, gettext
from ..model import NATIONAL, Occurrence, Registry, Unverified
from ..registry.report import to_json  # noqa: F401  (re-exported for the CLI and API)
from .titles import (
    category_name,
    day,
    holiday_label,
    milestone_name,
    occurrence_title,
    scope_name,
    unverified_title,
)


def occurrence_dict(occurrence: Occurrence, lang: Language) -> dict[str, object]:
    event = occurrence.event
    return {
        "event_id": event.id,
        "date": occurrence.date.isoformat(),
        "n": occurrence.n,
        "milestone": occurrence.milestone.value if occurrence.milestone else None,
        "category": event.category,
        "country": event.country,
        "title": occurrence_title(occurrence, lang),
        "estimated": occurrence.estimated,
        "scope": event.scope,
        "holiday": event.holiday,
    }


def kind_text(occurrence: Occurrence, lang: Language, registry: Registry | None = None) -> str:
    """The category, with the scope of a local entry and the public-holiday mark:
    "ngày lễ · Nghỉ lễ", "văn kiện · Lâm Đồng"."""
    event = occurrence.event
    parts = [category_name(event.category, lang)]
    if event.scope != NATIONAL:
        parts.append(scope_name(event.scope, registry, lang))
    if event.holiday:
        parts.append(holiday_label(lang))
    return " · ".join(parts)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def upcoming_text(
    occurrences: list[Occurrence],
    unverified: list[Unverified],
    today: dt.date,
    lang: Language,
    registry: Registry | None = None,
) -> str:
    if not occurrences:
        out = gettext("No anniversaries in this period.", lang) + "\n"
    else:
        header = [
            gettext("Date", lang),
            gettext("In (days)", lang),
            gettext("Milestone", lang),
            gettext("Category", lang),
            gettext("Anniversary", lang),
        ]
        rows = [
            [
                day(o.date, lang),
                str((o.date - today).days),
                milestone_name(o.milestone, lang),
                kind_text(o, lang, registry),
                occurrence_title(o, lang),
            ]
            for o in occurrences
        ]
        out = _table(header, rows)
    if unverified:
        out += "\n" + gettext("Date to verify (known only to the month or year):", lang) + "\n"
        out += "".join(f"  - {unverified_title(u, lang)} [{u.event.id}]\n" for u in unverified)
    return out
