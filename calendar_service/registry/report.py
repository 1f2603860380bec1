"""The validation report as text and JSON, in the reader's language."""

from __future__ import annotations

import json

from ..i18n import gettext, ngettext
from ..model import CATEGORY_NAMES
from .checks import Report


def category_label(category: str, lang: str) -> str:
    return gettext(CATEGORY_NAMES.get(category, category), lang)


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


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
                    reason=conflict.resolution.reason.get(lang),
                )
            )
    for cover in report.coverage:
        lines.append(
            gettext("coverage: '{id}': {found} of {expected} found ({category}, {year})", lang).format(
                id=cover.id,
                found=cover.found,
                expected=cover.expected,
                category=category_label(cover.category, lang),
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


def validation_json(report: Report, lang: str, extra: dict | None = None) -> str:
    """``extra``: more keys from the checks of other files (the subscribers')."""
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
                    "reason": c.resolution.reason.get(lang) if c.resolution else None,
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
                    "title": e.title.get(lang),
                }
                for e in report.to_verify
            ],
            **(extra or {}),
        }
    )
