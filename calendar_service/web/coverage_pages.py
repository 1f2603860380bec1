"""Coverage forms and pages: create (POST /coverages), edit (POST
/coverages/<id>), history (GET /coverages/<id>/history), and the coverage
section of an entry page.

A field that cannot be used gives the form again (422) with the field named
and what was typed kept; a save over a version someone else saved since gives
the conflict page (409): both versions side by side and a form to save one's
own over the new version. Nothing typed is lost either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..dates.anniversaries import occurrences, unverified
from ..dates.titles import capitalised, day, occurrence_title, unverified_title
from ..errors import CoverageConflict, CoverageError
from ..i18n import Language
from ..model import Event, Occurrence
from ..planning.accounts import Role
from ..planning.coverage import FIELDS, Coverage
from . import current, current_language
from .auth import current_user, now, require_role, stores
from .coverage_view import (
    badge,
    can_edit,
    card,
    choices,
    display_names,
    field_label,
    form_values,
    history,
    new_form_values,
    shown_value,
)

FIRST_YEAR, LAST_YEAR = 1900, 2200


def require_reader() -> None:
    """Reading follows the site's mode: open, or (CALENDAR_WEB_PRIVATE) signed in."""
    if current.state().settings.web_private and current_user() is None:
        abort(401, description=_("Sign in to do this."))


def occurrence_in(event: Event, year: int) -> tuple[Occurrence | None, str] | None:
    """The entry's anniversary in ``year`` (None when it has none) and its title;
    the occurrence is None for a date known only to the month or year."""
    found = occurrences([event], dt.date(year, 1, 1), dt.date(year, 12, 31))
    lang = current_language()
    if found:
        return found[0], occurrence_title(found[0], lang)
    undated = unverified([event], year, year)
    if undated:
        return None, unverified_title(undated[0], lang)
    return None


def _title_of(coverage: Coverage) -> str:
    """The title of a coverage's occurrence, or its key when the entry left the registry."""
    event = current.registry().event(coverage.entry_id)
    found = occurrence_in(event, coverage.year) if event else None
    if found is None:
        return _(
            "%(entry)s, %(year)s (no longer in the registry)", entry=coverage.entry_id, year=coverage.year
        )
    return capitalised(found[1])


def _submitted() -> dict[str, object]:
    """The form's fields; a field it does not send is left as it is, except
    the assignees (a multiple select with nothing chosen sends nothing)."""
    form = request.form
    # Browsers send a textarea's lines with CR LF (HTML's form encoding): keep them as lines.
    values: dict[str, object] = {name: form[name].replace("\r\n", "\n") for name in FIELDS if name in form}
    if "angle" in values:  # a one-line title, typed in a box that wraps it (Enter included)
        values["angle"] = " ".join(str(values["angle"]).split())
    values["assignees"] = form.getlist("assignees")
    return values


def _shown(values: dict[str, object], before: dict | None = None) -> dict[str, object]:
    """Submitted values as a form shows them again (the fields not sent as ``before``)."""
    shown = {**(before or form_values()), **values}
    return {k: ("" if shown.get(k) is None else shown[k]) for k in FIELDS}


def _back_to(coverage: Coverage, lang: Language) -> str:
    if current.registry().event(coverage.entry_id) is None:
        return url_for("pages.coverage_history", coverage_id=coverage.id, lang=lang)
    return url_for("pages.entry", event_id=coverage.entry_id, lang=lang) + f"#coverage-{coverage.id}"


def _form_page(
    title: str,
    action: str,
    values: dict,
    error: CoverageError,
    hidden: dict,
    back: str,
    before: dict | None = None,
):
    lang = current_language()
    return (
        render_template(
            "coverage_form.html",
            title=title,
            action=action,
            values=_shown(values, before),
            hidden=hidden,
            error={"field": error.field, "label": field_label(error.field), "message": error.render(lang)},
            choices=choices(),
            back=back,
        ),
        422,
    )


@require_role(Role.EDITOR)
def create():
    lang = current_language()
    entry_id = request.form.get("entry_id", "")
    event = current.registry().event(entry_id)
    if event is None:
        abort(404, description=_("There is no entry '%(entry)s' in the registry.", entry=entry_id[:100]))
    year_text = request.form.get("year", "")
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else 0
    found = occurrence_in(event, year) if FIRST_YEAR <= year <= LAST_YEAR else None
    if found is None:
        abort(400, description=_("The entry has no anniversary in %(year)s.", year=year_text[:10]))
    values = _submitted()
    user = current_user()
    assert user is not None
    try:
        created = stores().coverages.create(event.id, year, values, user.username, now())
    except CoverageError as error:
        return _form_page(
            capitalised(found[1]),
            url_for("pages.coverage_create"),
            values,
            error,
            {"entry_id": event.id, "year": year},
            url_for("pages.entry", event_id=event.id, lang=lang),
        )
    return redirect(_back_to(created, lang), 303)


@require_role(Role.EDITOR)
def update(coverage_id: int):
    lang = current_language()
    store = stores().coverages
    coverage = store.get(coverage_id)
    if coverage is None:
        abort(404)
    version_text = request.form.get("version", "")
    if not (version_text.isascii() and version_text.isdigit() and len(version_text) < 10):
        abort(400, description=_("The form does not say which version of the coverage it edits."))
    values = _submitted()
    if sorted(map(str, values["assignees"])) == sorted(coverage.assignees):  # type: ignore[call-overload]
        values["assignees"] = list(
            coverage.assignees
        )  # the form lists people by name: same people, no change
    user = current_user()
    assert user is not None
    try:
        saved = store.update(coverage_id, int(version_text), values, user.username, now())
    except CoverageConflict as conflict:
        return conflict_page(conflict, values), 409
    except CoverageError as error:
        return _form_page(
            _title_of(coverage),
            url_for("pages.coverage_update", coverage_id=coverage_id),
            values,
            error,
            {"version": version_text},
            _back_to(coverage, lang),
            form_values(coverage),
        )
    return redirect(_back_to(saved, lang), 303)


def conflict_page(conflict: CoverageConflict, values: dict[str, object]) -> str:
    lang = current_language()
    stored: Coverage = conflict.current  # type: ignore[assignment]
    user = current_user()
    names = display_names()
    theirs = stored.values()
    values = _shown(values, form_values(stored))
    rows = [
        {
            "label": field_label(name),
            "stored": shown_value(name, theirs[name], names, lang),
            "yours": shown_value(name, values.get(name), names, lang),
            "differs": shown_value(name, theirs[name], names, lang)
            != shown_value(name, values.get(name), names, lang),
        }
        for name in FIELDS
    ]
    return render_template(
        "coverage_conflict.html",
        title=_title_of(stored),
        stored=card(stored, names, lang),
        rows=rows,
        action=url_for("pages.coverage_update", coverage_id=stored.id),
        values=values,
        hidden={"version": stored.version},
        choices=choices(),
        back=_back_to(stored, lang),
        saved_by_you=user is not None and user.username == stored.updated_by,
    )


def coverage_history(coverage_id: int):
    require_reader()
    lang = current_language()
    store = stores().coverages
    coverage = store.get(coverage_id)
    if coverage is None:
        abort(404)
    names = display_names()
    orphaned = current.registry().event(coverage.entry_id) is None
    return render_template(
        "coverage_history.html",
        title=_title_of(coverage),
        coverage=card(coverage, names, lang),
        changes=history(store.history(coverage_id), names, lang),
        orphaned=orphaned,
        editable=can_edit(),
        action=url_for("pages.coverage_update", coverage_id=coverage.id),
        values=form_values(coverage),
        hidden={"version": coverage.version},
        choices=choices() if can_edit() else None,
        back=_back_to(coverage, lang),
    )


def badges_by_occurrence(
    years: Iterable[int],
) -> tuple[dict[tuple[str, int], list[Coverage]], dict[str, str]]:
    """The coverages of the given years by occurrence, and the display names."""
    chosen = list(years)
    found = stores().coverages.in_years(min(chosen), max(chosen)) if chosen else {}
    return found, display_names() if found else {}


def with_badges(rows: list[dict], found: dict, names: dict[str, str], lang: Language) -> list[dict]:
    """Rows (of dated anniversaries) with the badges of their coverages."""
    return [
        {
            **item,
            "coverages": [badge(c, names, lang) for c in found.get((item.get("id"), item.get("year")), [])],
        }
        for item in rows
    ]


def entry_plans(event: Event, candidates: list[Occurrence], lang: Language) -> dict:
    """The entry page's coverage section: each occurrence with its coverages
    (any year that has one, and, for editors, the candidates with a form to
    add one)."""
    store = stores().coverages
    editable = can_edit()
    by_year: dict[int, Occurrence | None] = {o.date.year: o for o in candidates} if editable else {}
    planned = [c for c in store.all() if c.entry_id == event.id]
    for coverage in planned:
        if coverage.year not in by_year:
            found = occurrence_in(event, coverage.year)
            by_year[coverage.year] = found[0] if found else None
    names = display_names() if planned else {}
    sections = []
    for year in sorted(by_year):
        occurrence = by_year[year]
        found = occurrence_in(event, year)
        sections.append(
            {
                "year": year,
                "title": capitalised(found[1]) if found else str(year),
                "date": day(occurrence.date, lang) if occurrence else str(year),
                "coverages": [card(c, names, lang) for c in planned if c.year == year],
                "new": new_form_values(occurrence) if occurrence else form_values(),
            }
        )
    return {
        "sections": sections,
        "editable": editable,
        "choices": choices() if editable else None,
    }
