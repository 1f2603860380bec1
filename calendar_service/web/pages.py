"""The HTML pages' blueprint and its URLs; each page lives in its own module:
the planning view (``planning``), its CSV and .xlsx exports (``export``), entry pages
(``entry``), the subscribe page (``subscribe``) and the meeting agenda with
its exports (``agenda``). Endpoint names are the
ones templates use with ``url_for`` (``pages.planning`` …)."""

from __future__ import annotations

from flask import Blueprint

from . import agenda, coverage_pages, entry, export, planning, subscribe

bp = Blueprint("pages", __name__)
bp.add_url_rule("/", "planning", planning.planning)
bp.add_url_rule("/export.csv", "export_csv", export.export_csv)
bp.add_url_rule("/export.xlsx", "export_xlsx", export.export_xlsx)
bp.add_url_rule("/entries/<event_id>", "entry", entry.entry)
bp.add_url_rule("/subscribe", "subscribe", subscribe.subscribe)
bp.add_url_rule("/agenda", "agenda", agenda.agenda)
bp.add_url_rule("/agenda.xlsx", "agenda_xlsx", agenda.agenda_xlsx)
bp.add_url_rule("/agenda.csv", "agenda_csv", agenda.agenda_csv)
bp.add_url_rule("/coverages", "coverage_create", coverage_pages.create, methods=["POST"])
bp.add_url_rule("/coverages/<int:coverage_id>", "coverage_update", coverage_pages.update, methods=["POST"])
bp.add_url_rule("/coverages/<int:coverage_id>/history", "coverage_history", coverage_pages.coverage_history)
