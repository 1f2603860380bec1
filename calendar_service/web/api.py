"""JSON API: occurrences (the fields of `upcoming --format json`), entries, and
/healthz."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from ..dates.anniversaries import occurrences
from ..dates.text import occurrence_dict
from ..model import Event, LunarRule, Registry, SolarDate, YearlyRule
from . import current_language, plans_api
from .current import today
from .params import MAX_DAYS, date, filters, number, period_end

bp = Blueprint("api", __name__)


def _state():
    return current_app.extensions["calendar_state"]


def _registry() -> Registry:
    loaded = _state().registry()
    if loaded.registry is None:
        abort(503, description=loaded.error or "registry not loaded")
    return loaded.registry


@bp.route("/api/occurrences")
def api_occurrences():
    lang = current_language()
    start = date(request.args, "from", today(), lang)
    days = number(request.args, "days", 30, 1, MAX_DAYS, lang)
    registry = _registry()
    chosen = filters(request.args, lang, registry.known_scopes())
    end = period_end(start, days, "days", lang)
    found = occurrences(registry, start, end, chosen.query())
    return jsonify([occurrence_dict(o, lang) for o in found])


def entry_dict(event: Event, registry: Registry, lang: str) -> dict:
    origin = event.origin
    return {
        "id": event.id,
        "title": event.title.get(lang),
        "title_vi": event.title.vi,
        "title_en": event.title.en,
        "category": event.category,
        "country": event.country,
        "observance": event.observance.value,
        "scope": event.scope,
        "holiday": event.holiday,
        "date": origin.iso() if isinstance(origin, SolarDate) else None,
        "precision": event.precision.value,
        "lunar": {"month": origin.month, "day": origin.day, "origin_year": origin.origin_year}
        if isinstance(origin, LunarRule)
        else None,
        "yearly": {"month": origin.month, "day": origin.day, "origin_year": origin.origin_year}
        if isinstance(origin, YearlyRule)
        else None,
        "sources": [
            {
                "document": c.document,
                "number": registry.documents[c.document].number if c.document else None,
                "quote": c.quote,
                "url": c.url,
                "title": c.title,
            }
            for c in event.sources
        ],
        "url": f"{_state().settings.base_url}/entries/{event.id}?lang={lang}",
    }


@bp.route("/api/entries")
def api_entries():
    lang = current_language()
    registry = _registry()
    return jsonify([entry_dict(e, registry, lang) for e in registry.events])


@bp.route("/api/entries/<event_id>")
def api_entry(event_id: str):
    lang = current_language()
    registry = _registry()
    event = registry.event(event_id)
    if event is None:
        abort(404, description=f"no entry '{event_id}'")
    return jsonify(entry_dict(event, registry, lang))


@bp.route("/healthz")
def healthz():
    loaded = _state().registry()
    build = _state().build_info()
    ok = loaded.registry is not None and loaded.error is None
    body = {
        "status": "ok" if ok else "degraded" if loaded.registry is not None else "error",
        "registry": {
            "loaded": loaded.registry is not None,
            "entries": len(loaded.registry.events) if loaded.registry else 0,
            "error": loaded.error,
        },
        "feeds": {"built_at": build["built_at"] if build else None, "count": len(_state().index()["feeds"])},
    }
    response = jsonify(body)
    response.status_code = 200 if loaded.registry is not None else 503
    response.cache_control.no_store = True
    return response


# Plans (coverages): plans_api.py.
bp.add_url_rule("/api/plans", "plans", plans_api.plans)
bp.add_url_rule("/api/plans", "create_plan", plans_api.create, methods=["POST"])
bp.add_url_rule("/api/plans/<int:coverage_id>", "plan", plans_api.plan)
bp.add_url_rule("/api/plans/<int:coverage_id>", "update_plan", plans_api.update, methods=["PATCH"])
