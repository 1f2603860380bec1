"""Text and JSON for the command line: occurrences and validation reports."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

from .i18n import gettext, ngettext
from .model import Occurrence, Unverified
from .titles import category_name, day, milestone_name, occurrence_title, unverified_title
from .validate import Report


def occurrence_dict(occurrence: Occurrence, lang: str) -> dict[str, object]:
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
    }


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


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
    occurrences: list[Occurrence], unverified: list[Unverified], today: dt.date, lang: str
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
                category_name(o.event.category, lang),
                occurrence_title(o, lang),
            ]
            for o in occurrences
        ]
        out = _table(header, rows)
    if unverified:
        out += "\n" + gettext("Date to verify (known only to the month or year):", lang) + "\n"
        out += "".join(f"  - {unverified_title(u, lang)} [{u.event.id}]\n" for u in unverified)
    return out


def validation_text(report: Report, lang: str) -> str:
    lines = []
    for found in report.errors:
        lines.append(gettext("error", lang) + ": " + found.render(lang))
    for found in report.warnings:
        lines.append(gettext("warning", lang) + ": " + found.render(lang))
    for conflict in report.conflicts:
        if conflict.resolved:
            stated = ", ".join(f"{name} {when}" for name, when in conflict.dates.items())
            lines.append(
                gettext(
                    "conflict resolved: '{entry}': sources give {stated}; the registry keeps {chosen}: {reason}",
                    lang,
                ).format(
                    entry=conflict.event_id,
                    stated=stated,
                    chosen=conflict.chosen,
                    reason=conflict.resolution.reason(lang),
                )
            )
    for cover in report.coverage:
        lines.append(
            gettext("coverage: '{id}': {found} of {expected} found ({category}, {year})", lang).format(
                id=cover.id,
                found=cover.found,
                expected=cover.expected,
                category=category_name(cover.category, lang),
                year=cover.year,
            )
        )
    if report.registry is not None and not report.errors:
        lines.append(
            gettext("{path}: valid, {count} entries.", lang).format(
                path=report.path, count=len(report.registry.events)
            )
        )
    else:
        count = len(report.errors)
        lines.append(
            ngettext("{path}: {count} error.", "{path}: {count} errors.", count, lang).format(
                path=report.path, count=count
            )
        )
    return "\n".join(lines) + "\n"


def validation_json(report: Report, lang: str) -> str:
    return to_json(
        {
            "file": report.path,
            "valid": report.ok,
            "entries": len(report.registry.events) if report.registry else 0,
            "errors": [found.as_dict(lang) for found in report.errors],
            "warnings": [found.as_dict(lang) for found in report.warnings],
            "conflicts": [
                {
                    "entry": c.event_id,
                    "line": c.location.line if c.location else None,
                    "dates": c.dates,
                    "resolved": c.resolved,
                    "chosen": c.chosen,
                    "reason": c.resolution.reason(lang) if c.resolution else None,
                }
                for c in report.conflicts
            ],
            "coverage": [
                {
                    "id": c.id,
                    "document": c.document,
                    "year": c.year,
                    "category": c.category,
                    "expected": c.expected,
                    "found": c.found,
                    "missing": max(c.expected - c.found, 0),
                    "entries": list(c.event_ids),
                }
                for c in report.coverage
            ],
            "to_verify": [
                {
                    "entry": e.id,
                    "date": e.origin.iso(),
                    "precision": e.precision.value,
                    "title": e.title(lang),
                }
                for e in report.to_verify
            ],
        }
    )
