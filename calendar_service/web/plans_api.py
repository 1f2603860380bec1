"""JSON API for plans (coverages): read as the pages are (open, or signed in
on a private installation), written by editors with an API token.

- ``GET /api/plans?from=YYYY-MM-DD&to=YYYY-MM-DD``: the coverages of the
  anniversaries dated in that period (default: today and the 89 days after),
  by date.
- ``GET /api/plans/<id>``: one coverage with its history.
- ``POST /api/plans`` (``entry_id``, ``year`` and any fields) and ``PATCH
  /api/plans/<id>`` (``version`` and the fields to change): only with
  ``Authorization: Bearer <API token>`` of an editor; a session cookie is not
  enough (a page's script could send it). ``due`` defaults to the lead-time
  date (planning.plans.default_due).

Errors are JSON ``{"error": …, "status": …}``: 400 (not a JSON object, a bad
parameter), 422 with ``field``, 401, 403, 404, and 409 with ``current`` (what
is stored now) and ``attempted`` (what was sent)."""

from __future__ import annotations

import datetime as dt

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _

from ..dates.anniversaries import occurrences
from ..errors import CoverageConflict, CoverageError
from ..i18n import N_, Language
from ..model import Registry
from ..planning.accounts import Role
from ..planning.coverage import Change, Coverage
from ..planning.plans import default_due
from . import current, current_language
from .auth import bearer_token, current_user, now, require_role, stores
from .coverage_pages import FIRST_YEAR, LAST_YEAR, occurrence_in, require_reader
from .params import MAX_DAYS, BadParameter, date

DEFAULT_DAYS = 90


def plan_dict(coverage: Coverage, registry: Registry, lang: Language) -> dict:
    event = registry.event(coverage.entry_id)
    found = occurrence_in(event, coverage.year) if event else None
    occurrence = found[0] if found else None
    return {
        "id": coverage.id,
        "entry_id": coverage.entry_id,
        "year": coverage.year,
        "orphaned": event is None,
        "occurrence": {
            "date": occurrence.date.isoformat() if occurrence else None,
            "n": occurrence.n if occurrence else None,
            "milestone": occurrence.milestone.value if occurrence and occurrence.milestone else None,
            "title": found[1],
        }
        if found
        else None,
        **coverage.values(),
        "version": coverage.version,
        "created_at": coverage.created_at.isoformat(),
        "created_by": coverage.created_by,
        "updated_at": coverage.updated_at.isoformat(),
        "updated_by": coverage.updated_by,
        "url": url_for("api.plan", coverage_id=coverage.id, _external=False),
        "history_url": url_for("pages.coverage_history", coverage_id=coverage.id),
    }


def change_dict(change: Change) -> dict:
    return {
        "version": change.version,
        "action": change.action,
        "at": change.changed_at.isoformat(),
        "by": change.changed_by,
        "changes": {name: {"before": b, "after": a} for name, (b, a) in change.changes.items()},
    }


def _invalid(field: str, message: str, status: int = 422):
    response = jsonify({"error": message, "field": field, "status": status})
    response.status_code = status
    return response


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description=_("Send a JSON object (Content-Type: application/json)."))
    return body


def _writer() -> None:
    """API writes need an API token; a session cookie alone is refused."""
    if bearer_token() is None:
        abort(401, description=_("Send an API token: Authorization: Bearer <token>."))


def plans():
    require_reader()
    lang = current_language()
    start = date(request.args, "from", current.today(), lang)
    end = date(request.args, "to", start + dt.timedelta(days=DEFAULT_DAYS - 1), lang)
    if end < start:
        raise BadParameter("to", N_("the period would end before it starts"), lang)
    if (end - start).days >= MAX_DAYS:
        raise BadParameter("to", N_("the period is longer than {days} days"), lang, days=MAX_DAYS)
    registry = current.registry()
    dated = {(o.event.id, o.date.year): o for o in occurrences(registry, start, end)}
    found = stores().coverages.in_years(start.year, end.year)
    chosen = sorted(
        (c for key, covering in found.items() if key in dated for c in covering),
        key=lambda c: (dated[c.occurrence].date, c.id),
    )
    return jsonify([plan_dict(c, registry, lang) for c in chosen])


def plan(coverage_id: int):
    require_reader()
    coverage = stores().coverages.get(coverage_id)
    if coverage is None:
        abort(404, description=_("There is no coverage %(id)s.", id=coverage_id))
    body = plan_dict(coverage, current.registry(), current_language())
    body["history"] = [change_dict(c) for c in stores().coverages.history(coverage_id)]
    return jsonify(body)


@require_role(Role.EDITOR)
def _create():
    lang = current_language()
    body = _body()
    registry = current.registry()
    entry_id = body.pop("entry_id", None)
    event = registry.event(entry_id) if isinstance(entry_id, str) else None
    if event is None:
        return _invalid(
            "entry_id", _("There is no entry '%(entry)s' in the registry.", entry=str(entry_id)[:100])
        )
    year = body.pop("year", None)
    found = occurrence_in(event, year) if isinstance(year, int) and FIRST_YEAR <= year <= LAST_YEAR else None
    if found is None:
        return _invalid("year", _("The entry has no anniversary in %(year)s.", year=str(year)[:10]))
    occurrence = found[0]
    if "due" not in body and occurrence is not None:
        body["due"] = default_due(occurrence.date, occurrence.milestone, current.state().settings.lead_times)
    user = current_user()
    assert user is not None
    try:
        created = stores().coverages.create(event.id, year, body, user.username, now())  # type: ignore[arg-type]
    except CoverageError as error:
        return _invalid(error.field, error.render(lang))
    response = jsonify(plan_dict(created, registry, lang))
    response.status_code = 201
    response.headers["Location"] = url_for("api.plan", coverage_id=created.id)
    return response


@require_role(Role.EDITOR)
def _update(coverage_id: int):
    lang = current_language()
    body = _body()
    store = stores().coverages
    if store.get(coverage_id) is None:
        abort(404, description=_("There is no coverage %(id)s.", id=coverage_id))
    version = body.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        return _invalid("version", _("The form does not say which version of the coverage it edits."))
    user = current_user()
    assert user is not None
    registry = current.registry()
    try:
        saved = store.update(coverage_id, version, body, user.username, now())
    except CoverageConflict as conflict:
        response = jsonify(
            {
                "error": _("Someone else saved this coverage since you opened it"),
                "status": 409,
                "current": plan_dict(conflict.current, registry, lang),  # type: ignore[arg-type]
                "attempted": {"version": version, **conflict.attempted},
            }
        )
        response.status_code = 409
        return response
    except CoverageError as error:
        return _invalid(error.field, error.render(lang))
    return jsonify(plan_dict(saved, registry, lang))


def create():
    _writer()
    return _create()


def update(coverage_id: int):
    _writer()
    return _update(coverage_id)
