"""CSV export of what the planning view shows, for spreadsheets."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import gettext as _

from . import current
from .selection import row, selection


def export_csv():
    shown = selection()
    registry = current.registry()
    reference = current.today()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Date"),
            _("In (days)"),
            _("Milestone"),
            _("Category"),
            _("Country"),
            _("Anniversary"),
            "n",
            "event_id",
        ]
    )
    for occurrence in shown.occurrences(registry):
        item = row(occurrence, reference, shown.lang)
        writer.writerow(
            [
                item["iso"],
                item["days"],
                item["milestone_name"],
                item["category"],
                item["country"],
                _csv_safe(item["title"]),
                item["n"] if item["n"] is not None else "",
                item["id"],
            ]
        )
    name = f"anniversaries-{shown.start.isoformat()}-{shown.end.isoformat()}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM, so spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={name}",
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
